package dev.s3backup.s3;

import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.crt.AwsCrtHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

/** Builds the SDK's synchronous HTTP client under the S3 client. */
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

    static SdkHttpClient.Builder<?> builder(Kind kind, int maxConnections) {
        return switch (kind) {
            case APACHE -> ApacheHttpClient.builder().maxConnections(maxConnections);
            // HttpURLConnection keeps its own keep-alive cache (http.maxConnections, 5 per host).
            case URL_CONNECTION -> UrlConnectionHttpClient.builder();
            case CRT -> AwsCrtHttpClient.builder().maxConcurrency(maxConnections);
        };
    }
}
