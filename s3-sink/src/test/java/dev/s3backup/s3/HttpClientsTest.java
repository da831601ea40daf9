package dev.s3backup.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3backup.s3.testing.S3TestServers;
import java.net.Socket;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

class HttpClientsTest {

    @Test
    void apacheUnlessTheEnvironmentNamesAnother() {
        assertThat(HttpClients.fromEnvironment(Map.of())).isEqualTo(HttpClients.Kind.APACHE);
        assertThat(HttpClients.fromEnvironment(Map.of(HttpClients.ENV, " "))).isEqualTo(HttpClients.Kind.APACHE);
        assertThat(HttpClients.fromEnvironment(Map.of(HttpClients.ENV, "url-connection")))
                .isEqualTo(HttpClients.Kind.URL_CONNECTION);
        assertThat(HttpClients.fromEnvironment(Map.of(HttpClients.ENV, "CRT"))).isEqualTo(HttpClients.Kind.CRT);
    }

    @Test
    void anUnknownNameSaysWhichOnesExist() {
        assertThatThrownBy(() -> HttpClients.fromEnvironment(Map.of(HttpClients.ENV, "netty")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'netty'").hasMessageContaining("apache, url-connection or crt");
    }

    /** Issue #13: TLS set-up is a measured share of start-up, and a plain-HTTP endpoint never uses it. */
    @Test
    void aPlainHttpClientSetsTlsUpOnlyWhenAnHttpsConnectionIsMade() throws Exception {
        HttpClients.LazyTlsSocketFactory factory = new HttpClients.LazyTlsSocketFactory(null);
        S3TestServers.Server server = S3TestServers.s3Mock();
        server.createBucket("lazy-tls");
        try (SdkHttpClient http = ApacheHttpClient.builder().socketFactory(factory).build();
             S3Client s3 = S3Client.builder().httpClient(http).endpointOverride(server.endpoint())
                     .region(Region.of(server.region())).forcePathStyle(true)
                     .credentialsProvider(StaticCredentialsProvider.create(
                             AwsBasicCredentials.create(server.accessKey(), server.secretKey()))).build()) {
            s3.headBucket(b -> b.bucket("lazy-tls"));
            assertThat(factory.initialized()).isFalse();
        }
        try (Socket socket = factory.createSocket(null)) {
            assertThat(factory.initialized()).isTrue();
            assertThat(socket).isNotNull();
        }
    }

    @Test
    void plainHttpEndpointsGetTheLazyFactoryAndOthersTheSdkDefault() {
        assertThat(socketFactoryOf(HttpClients.builder(HttpClients.Kind.APACHE, 4, S3Options.DEFAULT_SOCKET_TIMEOUT,
                URI.create("http://127.0.0.1:9000"), null))).isInstanceOf(HttpClients.LazyTlsSocketFactory.class);
        assertThat(socketFactoryOf(HttpClients.builder(HttpClients.Kind.APACHE, 4, S3Options.DEFAULT_SOCKET_TIMEOUT,
                URI.create("https://s3.example.com"), null))).isNull();
        assertThat(socketFactoryOf(HttpClients.builder(HttpClients.Kind.APACHE, 4, S3Options.DEFAULT_SOCKET_TIMEOUT,
                null, null))).isNull();
    }

    /** The Apache builder keeps the factory in a field of that name; null means the SDK's TLS default. */
    private static Object socketFactoryOf(SdkHttpClient.Builder<?> builder) {
        try {
            java.lang.reflect.Field field = builder.getClass().getDeclaredField("socketFactory");
            field.setAccessible(true);
            return field.get(builder);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("the Apache client builder changed: " + e, e);
        }
    }

    @Test
    void buildsTheClientsThisClasspathHas() {
        for (HttpClients.Kind kind : new HttpClients.Kind[] {HttpClients.Kind.APACHE, HttpClients.Kind.URL_CONNECTION}) {
            try (SdkHttpClient client = HttpClients.builder(kind, 4, S3Options.DEFAULT_SOCKET_TIMEOUT, null, null).build()) {
                assertThat(client.clientName()).as(kind.name()).isNotBlank();
            }
        }
    }
}
