package dev.s3backup.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.SdkHttpClient;

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

    @Test
    void buildsTheClientsThisClasspathHas() {
        for (HttpClients.Kind kind : new HttpClients.Kind[] {HttpClients.Kind.APACHE, HttpClients.Kind.URL_CONNECTION}) {
            try (SdkHttpClient client = HttpClients.builder(kind, 4, S3Options.DEFAULT_SOCKET_TIMEOUT).build()) {
                assertThat(client.clientName()).as(kind.name()).isNotBlank();
            }
        }
    }
}
