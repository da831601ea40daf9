package dev.s3backup.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.s3backup.core.store.ListPage;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.StoreException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Listing pages as a scripted server sends them: a page that says more follows must say where,
 * or gc's mark (which lists every manifest) would take a partial listing for the whole.
 */
class S3ListPagingTest {
    private HttpServer server;

    private ObjectStore storeListing(Function<String, String> pageForToken) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newSingleThreadExecutor());
        server.createContext("/", exchange -> {
            String query = exchange.getRequestURI().getQuery();
            String token = null;
            for (String part : query.split("&")) {
                if (part.startsWith("continuation-token=")) {
                    token = part.substring("continuation-token=".length());
                }
            }
            byte[] body = pageForToken.apply(token).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/xml");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        S3Options options = S3Options.builder().bucket("b").endpoint("http://127.0.0.1:" + server.getAddress().getPort())
                .region("us-east-1").pathStyle(true).credentials("test-access", "test-secret-key")
                .checkBucketOnOpen(false).build();
        return S3ObjectStores.open(options, Map.of(), List.of());
    }

    private static String page(boolean truncated, String nextToken, String... keys) {
        StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                + "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name><Prefix>manifests/</Prefix>"
                + "<KeyCount>" + keys.length + "</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>" + truncated + "</IsTruncated>");
        if (nextToken != null) {
            xml.append("<NextContinuationToken>").append(nextToken).append("</NextContinuationToken>");
        }
        for (String key : keys) {
            xml.append("<Contents><Key>").append(key).append("</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified>"
                    + "<ETag>&quot;e&quot;</ETag><Size>3</Size><StorageClass>STANDARD</StorageClass></Contents>");
        }
        return xml.append("</ListBucketResult>").toString();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void pagesFollowTheContinuationToken() throws IOException {
        try (ObjectStore store = storeListing(token -> token == null ? page(true, "t2", "manifests/a")
                : page(false, null, "manifests/b"))) {
            ListPage first = store.list("manifests/", null);
            assertThat(first.next()).isEqualTo("t2");
            List<String> all = new java.util.ArrayList<>();
            store.listAll("manifests/").forEachRemaining(o -> all.add(o.key()));
            assertThat(all).containsExactly("manifests/a", "manifests/b");
        }
    }

    @Test
    void truncatedPageWithoutContinuationIsAnIoErrorNamingThePrefix() throws IOException {
        try (ObjectStore store = storeListing(token -> page(true, null, "manifests/a"))) {
            assertThatThrownBy(() -> store.list("manifests/", null))
                    .isInstanceOfSatisfying(StoreException.class,
                            e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.IO))
                    .hasMessageContaining("Cannot list")
                    .hasMessageContaining("manifests/")
                    .hasMessageContaining("truncated");
        }
    }
}
