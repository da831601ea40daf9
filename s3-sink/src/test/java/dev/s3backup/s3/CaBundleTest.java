package dev.s3backup.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.store.StoreException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.util.Map;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.SdkHttpClient;

class CaBundleTest {
    @TempDir
    Path dir;

    private static Path certificate() throws URISyntaxException {
        return Path.of(CaBundleTest.class.getResource("/tls/self-signed-127.0.0.1.pem").toURI());
    }

    @Test
    void theOptionWinsOverAwsCaBundleAndABlankVariableIsNone() {
        Path option = Path.of("/etc/option.pem");
        assertThat(CaBundle.resolve(option, Map.of(CaBundle.ENV, "/etc/env.pem"))).isEqualTo(new CaBundle(option, false));
        assertThat(CaBundle.resolve(null, Map.of(CaBundle.ENV, " /etc/env.pem ")))
                .isEqualTo(new CaBundle(Path.of("/etc/env.pem"), true));
        assertThat(CaBundle.resolve(null, Map.of(CaBundle.ENV, " "))).isNull();
        assertThat(CaBundle.resolve(null, Map.of())).isNull();
    }

    /** Like aws-cli's: only the bundle's CAs are trusted, the JDK's are not. */
    @Test
    void trustsTheBundlesCertificatesOnly() throws Exception {
        TrustManager[] managers = new CaBundle(certificate(), false).trustManagers();
        X509TrustManager x509 = (X509TrustManager) managers[0];
        assertThat(x509.getAcceptedIssuers()).hasSize(1);
        assertThat(x509.getAcceptedIssuers()[0].getSubjectX500Principal().getName()).contains("CN=localhost");
    }

    @Test
    void aMissingEmptyOrForeignFileIsNamedWithAReason() throws IOException {
        Path missing = dir.resolve("missing.pem");
        assertThatThrownBy(() -> new CaBundle(missing, false).requireReadable())
                .isInstanceOfSatisfying(BackupException.class,
                        e -> assertThat(e.reason()).isEqualTo(BackupException.Reason.NOT_FOUND))
                .hasMessage("Cannot read CA bundle " + missing + ": no such file");
        Path empty = Files.writeString(dir.resolve("empty.pem"), "");
        assertThatThrownBy(() -> new CaBundle(empty, true).trustManagers())
                .isInstanceOfSatisfying(BackupException.class,
                        e -> assertThat(e.reason()).isEqualTo(BackupException.Reason.INVALID_INPUT))
                .hasMessageStartingWith("Cannot read CA bundle " + empty + " (AWS_CA_BUNDLE): no PEM certificate in it");
        Path key = Files.writeString(dir.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n"
                + "-----END PRIVATE KEY-----\n");
        assertThatThrownBy(() -> new CaBundle(key, false).trustManagers())
                .isInstanceOf(BackupException.class).hasMessageContaining("no PEM certificate in it");
        assertThatThrownBy(() -> new CaBundle(dir, false).requireReadable())
                .isInstanceOf(BackupException.class).hasMessageContaining("not a file");
    }

    /** Reading the bundle costs start-up: a plain-HTTP endpoint only checks that the file is there. */
    @Test
    void aPlainHttpEndpointDoesNotReadTheBundleAnHttpsOneDoes() throws Exception {
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");
        CaBundle bad = new CaBundle(garbage, false);
        try (SdkHttpClient http = HttpClients.builder(HttpClients.Kind.APACHE, 2, S3Options.DEFAULT_SOCKET_TIMEOUT,
                URI.create("http://127.0.0.1:9000"), bad).build()) {
            assertThat(http).isNotNull();
        }
        assertThatThrownBy(() -> HttpClients.builder(HttpClients.Kind.APACHE, 2, S3Options.DEFAULT_SOCKET_TIMEOUT,
                URI.create("https://127.0.0.1:9443"), bad))
                .isInstanceOf(BackupException.class).hasMessageContaining("Cannot read CA bundle " + garbage);
        try (SdkHttpClient https = HttpClients.builder(HttpClients.Kind.APACHE, 2, S3Options.DEFAULT_SOCKET_TIMEOUT,
                URI.create("https://127.0.0.1:9443"), new CaBundle(certificate(), false)).build()) {
            assertThat(https).isNotNull();
        }
    }

    /**
     * AWS_CA_BUNDLE is often set machine-wide for other tools; like aws-cli, a plain-HTTP endpoint
     * does not fail on it when it names no file (it would be read only for an https connection).
     * A --ca-bundle the operator typed is still checked at once.
     */
    @Test
    void aPlainHttpEndpointIgnoresAMissingBundleFromTheEnvironmentButNotFromTheOption() throws Exception {
        Path missing = dir.resolve("gone.pem");
        try (SdkHttpClient http = HttpClients.builder(HttpClients.Kind.APACHE, 2, S3Options.DEFAULT_SOCKET_TIMEOUT,
                URI.create("http://127.0.0.1:9000"), new CaBundle(missing, true)).build()) {
            assertThat(http).isNotNull();
        }
        assertThatThrownBy(() -> HttpClients.builder(HttpClients.Kind.APACHE, 2, S3Options.DEFAULT_SOCKET_TIMEOUT,
                URI.create("http://127.0.0.1:9000"), new CaBundle(missing, false)))
                .isInstanceOf(BackupException.class).hasMessage("Cannot read CA bundle " + missing + ": no such file");
        assertThatThrownBy(() -> HttpClients.builder(HttpClients.Kind.APACHE, 2, S3Options.DEFAULT_SOCKET_TIMEOUT,
                URI.create("https://127.0.0.1:9443"), new CaBundle(missing, true)))
                .isInstanceOf(BackupException.class).hasMessageContaining("(AWS_CA_BUNDLE): no such file");
    }

    @Test
    void aTlsFailureSaysWhatIsWrongAndHowToTrustAPrivateCa() {
        SSLHandshakeException untrusted = new SSLHandshakeException("PKIX path building failed");
        untrusted.initCause(new CertificateException("unable to find valid certification path"));
        String message = S3Errors.tlsFailure(SdkClientException.create("Unable to execute HTTP request", untrusted),
                "https://10.0.0.1:8443");
        assertThat(message).contains("not signed by a trusted CA", "https://10.0.0.1:8443", "--ca-bundle",
                "AWS_CA_BUNDLE");
        assertThat(S3Errors.tlsFailure(SdkClientException.create("x",
                new SSLPeerUnverifiedException("Certificate for <s3.local> doesn't match")), null))
                .contains("not for this host", "<s3.local>", "the AWS endpoint");
        assertThat(S3Errors.tlsFailure(SdkClientException.create("Connection refused",
                new java.net.ConnectException("Connection refused")), "https://10.0.0.1:8443")).isNull();

        StoreException mapped = new S3Errors("b", null, "https://10.0.0.1:8443").map("read", "s3://b/config",
                SdkClientException.create("Unable to execute HTTP request", untrusted));
        assertThat(mapped.kind()).isEqualTo(StoreException.Kind.IO);
        assertThat(mapped.getMessage()).startsWith("Cannot read s3://b/config: the server's certificate is not signed");
    }
}
