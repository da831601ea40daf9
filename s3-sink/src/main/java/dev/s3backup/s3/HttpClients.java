package dev.s3backup.s3;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.apache.http.HttpHost;
import org.apache.http.conn.socket.LayeredConnectionSocketFactory;
import org.apache.http.conn.ssl.SSLConnectionSocketFactory;
import org.apache.http.protocol.HttpContext;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.crt.AwsCrtHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

/**
 * Builds the SDK's synchronous HTTP client under the S3 client. Apache is the one shipped (chosen
 * by measurement, docs/DECISIONS.md); the benchmark compares it with the others through
 * {@value #ENV}, in a jar built with {@code -Phttp-clients}.
 */
final class HttpClients {

    /** Environment variable that picks the client, for the benchmark harness. */
    static final String ENV = "S3BACKUP_HTTP_CLIENT";

    enum Kind {
        APACHE, URL_CONNECTION, CRT;

        static Kind parse(String name) {
            try {
                return valueOf(name.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Unknown HTTP client '" + name
                        + "': expected apache, url-connection or crt", e);
            }
        }
    }

    private HttpClients() {
    }

    static Kind fromEnvironment(Map<String, String> env) {
        String name = env.get(ENV);
        return name == null || name.isBlank() ? Kind.APACHE : Kind.parse(name);
    }

    /**
     * @param endpoint the configured endpoint, or null for AWS: over a plain-HTTP endpoint the Apache
     *     client sets TLS up only if an https connection is ever made ({@link LazyTlsSocketFactory})
     * @param caBundle the CAs to trust instead of the JDK's, or null; read here for an https endpoint
     *     (so a bad file fails before any request), on first https connection for a plain-HTTP one
     * @throws IllegalArgumentException when the client is not in this build: the released jar
     *     has Apache only, {@code mvn -Phttp-clients package} adds the others for the benchmark
     * @throws dev.s3backup.core.BackupException when the CA bundle cannot be read
     */
    static SdkHttpClient.Builder<?> builder(Kind kind, int maxConnections, Duration socketTimeout, URI endpoint,
                                            CaBundle caBundle) {
        boolean plainHttp = endpoint != null && "http".equalsIgnoreCase(endpoint.getScheme());
        // A typed --ca-bundle is checked at once. AWS_CA_BUNDLE is often set machine-wide for other
        // tools: over plain HTTP it is read only if an https connection is ever made, as aws-cli does.
        if (caBundle != null && !(plainHttp && caBundle.fromEnvironment())) {
            caBundle.requireReadable();
        }
        TrustManager[] trust = caBundle == null || plainHttp ? null : caBundle.trustManagers();
        try {
            return switch (kind) {
                // A server that stops sending fails the attempt after socketTimeout instead of hanging it.
                case APACHE -> {
                    ApacheHttpClient.Builder apache = ApacheHttpClient.builder().maxConnections(maxConnections)
                            .socketTimeout(socketTimeout);
                    if (plainHttp) {
                        apache.socketFactory(new LazyTlsSocketFactory(caBundle));
                    } else if (trust != null) {
                        apache.tlsTrustManagersProvider(() -> trust);
                    }
                    yield apache;
                }
                // HttpURLConnection keeps its own keep-alive cache (http.maxConnections, 5 per host).
                case URL_CONNECTION -> {
                    UrlConnectionHttpClient.Builder connection = UrlConnectionHttpClient.builder()
                            .socketTimeout(socketTimeout);
                    if (caBundle != null) {
                        connection.tlsTrustManagersProvider(caBundle::trustManagers);
                    }
                    yield connection;
                }
                case CRT -> {
                    if (caBundle != null) {
                        throw new IllegalArgumentException(ENV + "=crt cannot use a CA bundle (" + caBundle
                                + "); use the default HTTP client");
                    }
                    yield AwsCrtHttpClient.builder().maxConcurrency(maxConnections);
                }
            };
        } catch (NoClassDefFoundError e) {
            throw new IllegalArgumentException(ENV + "=" + kind.name().toLowerCase(Locale.ROOT).replace('_', '-')
                    + ": this build of s3backup has no such HTTP client (only the benchmark build,"
                    + " mvn -Phttp-clients package, has it); unset " + ENV + " to use the default", e);
        }
    }

    /**
     * The https socket factory of a client whose endpoint is plain HTTP: the SDK's default builds an
     * SSL context and parses the JDK's CA certificates when the client is built, a measured share of
     * every S3 command's start-up (issue #13), for connections such a client never makes. Built on
     * first use here, with Apache's defaults (the JDK's trust store unless a CA bundle is given,
     * hostname verification).
     */
    static final class LazyTlsSocketFactory implements LayeredConnectionSocketFactory {
        private final CaBundle caBundle;
        private volatile LayeredConnectionSocketFactory tls;

        /** @param caBundle the CAs to trust instead of the JDK's, or null */
        LazyTlsSocketFactory(CaBundle caBundle) {
            this.caBundle = caBundle;
        }

        boolean initialized() {
            return tls != null;
        }

        private LayeredConnectionSocketFactory tls() {
            LayeredConnectionSocketFactory factory = tls;
            if (factory == null) {
                synchronized (this) {
                    if (tls == null) {
                        tls = caBundle == null ? SSLConnectionSocketFactory.getSocketFactory() : withBundle();
                    }
                    factory = tls;
                }
            }
            return factory;
        }

        private LayeredConnectionSocketFactory withBundle() {
            try {
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(null, caBundle.trustManagers(), null);
                return new SSLConnectionSocketFactory(context, SSLConnectionSocketFactory.getDefaultHostnameVerifier());
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("Cannot set TLS up with CA bundle " + caBundle + ": " + e.getMessage(), e);
            }
        }

        @Override
        public Socket createSocket(HttpContext context) throws IOException {
            return tls().createSocket(context);
        }

        @Override
        public Socket connectSocket(int connectTimeout, Socket socket, HttpHost host, InetSocketAddress remoteAddress,
                                    InetSocketAddress localAddress, HttpContext context) throws IOException {
            return tls().connectSocket(connectTimeout, socket, host, remoteAddress, localAddress, context);
        }

        @Override
        public Socket createLayeredSocket(Socket socket, String target, int port, HttpContext context) throws IOException {
            return tls().createLayeredSocket(socket, target, port, context);
        }
    }
}
