package dev.s3backup.s3;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.ObjectStore.PutOutcome;
import dev.s3backup.core.store.Payload;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A manifest over the single-PUT limit, against a scripted server that refuses a PutObject above
 * 1 MiB (as S3 refuses one above 5 GiB: 400 EntityTooLarge) and honours If-None-Match on
 * CompleteMultipartUpload. Before, such a manifest failed after every chunk was uploaded.
 */
class S3MultipartTest {
    private static final int LIMIT = 1 << 20;
    @TempDir
    Path dir;
    private HttpServer server;
    private final Map<String, byte[]> objects = new ConcurrentHashMap<>();
    private final Map<Integer, byte[]> parts = new TreeMap<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();

    private ObjectStore store(long singlePutLimit) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newSingleThreadExecutor());
        server.createContext("/", this::handle);
        server.start();
        S3Options options = S3Options.builder().bucket("b").endpoint("http://127.0.0.1:" + server.getAddress().getPort())
                .region("us-east-1").pathStyle(true).credentials("test-access", "test-secret-key")
                .checkBucketOnOpen(false).singlePutLimit(singlePutLimit).build();
        return S3ObjectStores.open(options, Map.of(), List.of());
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        String sha = exchange.getRequestHeaders().getFirst("x-amz-content-sha256");
        if (sha != null && sha.startsWith("STREAMING-")) {
            body = unchunk(body);
        }
        String method = exchange.getRequestMethod();
        String key = exchange.getRequestURI().getPath().substring("/b/".length());
        String query = exchange.getRequestURI().getQuery() == null ? "" : exchange.getRequestURI().getQuery();
        String ifNoneMatch = exchange.getRequestHeaders().getFirst("If-None-Match");
        requests.add(method + (query.isEmpty() ? "" : " ?" + query.replaceAll("=[^&]*", "")) + (ifNoneMatch == null ? ""
                : " If-None-Match:" + ifNoneMatch));
        switch (method) {
            case "HEAD" -> {
                byte[] object = objects.get(key);
                if (object != null) {
                    exchange.getResponseHeaders().add("Content-Length", Integer.toString(object.length));
                    exchange.getResponseHeaders().add("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT");
                }
                exchange.sendResponseHeaders(object == null ? 404 : 200, -1);
                exchange.close();
            }
            case "GET" -> respond(exchange, 200, objects.get(key));
            case "PUT" -> {
                if (query.contains("partNumber=")) {
                    int number = Integer.parseInt(query.replaceAll(".*partNumber=(\\d+).*", "$1"));
                    synchronized (parts) {
                        parts.put(number, body);
                    }
                    exchange.getResponseHeaders().add("ETag", "\"p" + number + "\"");
                    respond(exchange, 200, new byte[0]);
                } else if (body.length > LIMIT) {
                    respond(exchange, 400, error("EntityTooLarge"));
                } else if (objects.putIfAbsent(key, body) != null) {
                    respond(exchange, 412, error("PreconditionFailed"));
                } else {
                    respond(exchange, 200, new byte[0]);
                }
            }
            case "POST" -> {
                if (query.contains("uploads")) {
                    respond(exchange, 200, ("<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>" + key
                            + "</Key><UploadId>u1</UploadId></InitiateMultipartUploadResult>").getBytes(StandardCharsets.UTF_8));
                } else if ("*".equals(ifNoneMatch) && objects.containsKey(key)) {
                    respond(exchange, 412, error("PreconditionFailed"));
                } else {
                    ByteArrayOutputStream whole = new ByteArrayOutputStream();
                    synchronized (parts) {
                        parts.values().forEach(whole::writeBytes);
                    }
                    objects.put(key, whole.toByteArray());
                    respond(exchange, 200, ("<CompleteMultipartUploadResult><Bucket>b</Bucket><Key>" + key
                            + "</Key><ETag>\"m\"</ETag></CompleteMultipartUploadResult>").getBytes(StandardCharsets.UTF_8));
                }
            }
            case "DELETE" -> {
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
            }
            default -> respond(exchange, 405, error("MethodNotAllowed"));
        }
    }

    /** The body of a SigV4 streaming upload: "HEX;chunk-signature=...\r\n" DATA "\r\n", until a 0. */
    private static byte[] unchunk(byte[] encoded) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int at = 0;
        while (true) {
            int lineEnd = at;
            while (encoded[lineEnd] != '\r') {
                lineEnd++;
            }
            String header = new String(encoded, at, lineEnd - at, StandardCharsets.US_ASCII);
            int length = Integer.parseInt(header.split(";")[0], 16);
            if (length == 0) {
                return out.toByteArray();
            }
            out.write(encoded, lineEnd + 2, length);
            at = lineEnd + 2 + length + 2;
        }
    }

    private static byte[] error(String code) {
        return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>" + code
                + " from the script</Message></Error>").getBytes(StandardCharsets.UTF_8);
    }

    private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "application/xml");
        exchange.getResponseHeaders().add("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT");
        exchange.sendResponseHeaders(status, body == null || body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            if (body != null) {
                out.write(body);
            }
        }
    }

    private Path manifest(int size, long seed) throws IOException {
        byte[] body = new byte[size];
        new SplittableRandom(seed).nextBytes(body);
        return Files.write(dir.resolve("manifest-" + seed), body);
    }

    private static byte[] sha256(Path file) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void aManifestOverTheSinglePutLimitCommitsAsACreateOnlyMultipartUpload() throws Exception {
        Path file = manifest(9 * LIMIT + 5, 1);
        try (ObjectStore store = store(LIMIT)) {
            assertThat(store.singlePutLimit()).isEqualTo(LIMIT);
            assertThat(store.putIfAbsent("manifests/m1", Payload.ofFile(file, sha256(file)))).isEqualTo(PutOutcome.CREATED);
        }
        assertThat(java.util.Arrays.equals(objects.get("manifests/m1"), Files.readAllBytes(file)))
                .as("the object is the file").isTrue();
        assertThat(requests).containsExactly("HEAD", "POST ?uploads", "PUT ?partNumber&uploadId", "PUT ?partNumber&uploadId",
                "POST ?uploadId If-None-Match:*");
    }

    @Test
    void aKeyCreatedMeanwhileIsReportedAndTheUploadAborted() throws Exception {
        Path file = manifest(2 * LIMIT, 2);
        try (ObjectStore store = store(LIMIT)) {
            // Another writer completes first: HEAD saw nothing, the conditional completion fails.
            server.createContext("/b/manifests/m2", exchange -> {
                if (exchange.getRequestMethod().equals("POST") && exchange.getRequestURI().getQuery().contains("uploads")) {
                    objects.put("manifests/m2", new byte[] {1});
                }
                handle(exchange);
            });
            assertThat(store.putIfAbsent("manifests/m2", Payload.ofFile(file, sha256(file))))
                    .isEqualTo(PutOutcome.ALREADY_EXISTED);
        }
        assertThat(objects.get("manifests/m2")).containsExactly(1);
        assertThat(requests).endsWith("POST ?uploadId If-None-Match:*", "DELETE ?uploadId");
    }

    @Test
    void withoutTheLimitTheSamePutIsRefusedByTheServer() throws Exception {
        Path file = manifest(2 * LIMIT, 3);
        try (ObjectStore store = store(S3Options.MAX_SINGLE_PUT)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> store.putIfAbsent("manifests/m3", Payload.ofFile(file, sha256(file))))
                    .hasMessageContaining("EntityTooLarge");
        }
    }
}
