package dev.s3backup.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.ObjectStore.PutOutcome;
import dev.s3backup.core.store.Payload;
import dev.s3backup.core.store.StoreException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Retries belong to the SDK's standard strategy; these tests check what this store asks of it,
 * against a scripted loopback server that answers as S3 does under contention and failure.
 */
class S3RetryTest {

    private HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();

    /** One scripted answer: status and error code (null for an empty 200). */
    private record Answer(int status, String code) {
    }

    private ObjectStore storeAnswering(int maxAttempts, Function<String, Answer> script) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            String request = exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath();
            requests.add(request);
            Answer answer = script.apply(request + "#" + requests.stream().filter(request::equals).count());
            respond(exchange, answer);
        });
        server.start();
        S3Options options = S3Options.builder().bucket("b").endpoint("http://127.0.0.1:" + server.getAddress().getPort())
                .region("us-east-1").pathStyle(true).credentials("test-access", "test-secret-key").maxAttempts(maxAttempts)
                .checkBucketOnOpen(false).build();
        return S3ObjectStores.open(options, Map.of(), List.of());
    }

    private static void respond(HttpExchange exchange, Answer answer) throws IOException {
        byte[] body = answer.code() == null || exchange.getRequestMethod().equals("HEAD") ? new byte[0]
                : ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + answer.code() + "</Code><Message>"
                        + answer.code() + " from the script</Message></Error>").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/xml");
        exchange.getResponseHeaders().add("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT");
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.getResponseHeaders().add("Content-Length", "1");
        }
        exchange.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void conditionalConflictIsRetriedUntilTheKeyExists() throws IOException {
        try (ObjectStore store = storeAnswering(5, r -> switch (r) {
            case "PUT /b/k#1", "PUT /b/k#2" -> new Answer(409, "ConditionalRequestConflict");
            default -> new Answer(412, "PreconditionFailed");
        })) {
            assertThat(store.putIfAbsent("k", Payload.of(new byte[] {1}))).isEqualTo(PutOutcome.ALREADY_EXISTED);
        }
        assertThat(requests).containsExactly("PUT /b/k", "PUT /b/k", "PUT /b/k");
    }

    @Test
    void conditionalConflictThroughAllAttemptsChecksWhetherTheKeyLanded() throws IOException {
        try (ObjectStore store = storeAnswering(2, r -> r.startsWith("PUT")
                ? new Answer(409, "ConditionalRequestConflict") : new Answer(200, null))) {
            assertThat(store.putIfAbsent("k", Payload.of(new byte[] {1}))).isEqualTo(PutOutcome.ALREADY_EXISTED);
        }
        assertThat(requests).containsExactly("PUT /b/k", "PUT /b/k", "HEAD /b/k");
    }

    @Test
    void conditionalConflictWithNothingLandedIsIo() throws IOException {
        try (ObjectStore store = storeAnswering(2, r -> r.startsWith("PUT")
                ? new Answer(409, "ConditionalRequestConflict") : new Answer(404, "NoSuchKey"))) {
            assertThatThrownBy(() -> store.putIfAbsent("k", Payload.of(new byte[] {1})))
                    .isInstanceOfSatisfying(StoreException.class,
                            e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.IO))
                    .hasMessageContaining("ConditionalRequestConflict");
        }
    }

    @Test
    void serverErrorsAreRetriedAFewTimesThenReportedAsIo() throws IOException {
        try (ObjectStore store = storeAnswering(3, r -> new Answer(500, "InternalError"))) {
            assertThatThrownBy(() -> store.get("k"))
                    .isInstanceOfSatisfying(StoreException.class,
                            e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.IO))
                    .hasMessageStartingWith("Cannot read s3://b/k: InternalError, HTTP 500");
        }
        assertThat(requests).hasSize(3);
    }

    @Test
    void transientErrorThenSuccess() throws IOException {
        try (ObjectStore store = storeAnswering(3, r -> r.endsWith("#1") ? new Answer(500, "InternalError")
                : new Answer(200, null))) {
            assertThat(store.putIfAbsent("k", Payload.of(new byte[] {1}))).isEqualTo(PutOutcome.CREATED);
        }
        assertThat(requests).hasSize(2);
    }

    @Test
    void clientErrorsAreNotRetried() throws IOException {
        try (ObjectStore store = storeAnswering(5, r -> new Answer(400, "BadDigest"))) {
            assertThatThrownBy(() -> store.putIfAbsent("k", Payload.of(new byte[] {1})))
                    .isInstanceOfSatisfying(StoreException.class,
                            e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.INTEGRITY));
        }
        assertThat(requests).hasSize(1);
    }
}
