package dev.s3backup.s3;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
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
     * @throws IllegalArgumentException when the client is not in this build: the released jar
     *     has Apache only, {@code mvn -Phttp-clients package} adds the others for the benchmark
     */
    static SdkHttpClient.Builder<?> builder(Kind kind, int maxConnections, Duration socketTimeout) {
        try {
            return switch (kind) {
                // A server that stops sending fails the attempt after socketTimeout instead of hanging it.
                case APACHE -> ApacheHttpClient.builder().maxConnections(maxConnections).socketTimeout(socketTimeout);
                // HttpURLConnection keeps its own keep-alive cache (http.maxConnections, 5 per host).
                case URL_CONNECTION -> UrlConnectionHttpClient.builder().socketTimeout(socketTimeout);
                case CRT -> AwsCrtHttpClient.builder().maxConcurrency(maxConnections);
            };
        } catch (NoClassDefFoundError e) {
            throw new IllegalArgumentException(ENV + "=" + kind.name().toLowerCase(Locale.ROOT).replace('_', '-')
                    + ": this build of s3backup has no such HTTP client (only the benchmark build,"
                    + " mvn -Phttp-clients package, has it); unset " + ENV + " to use the default", e);
        }
    }
}
