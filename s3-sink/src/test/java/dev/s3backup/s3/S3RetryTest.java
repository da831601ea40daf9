package dev.s3backup.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.ObjectStore.PutOutcome;
import dev.s3backup.core.store.Payload;
import dev.s3backup.core.store.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
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
        return storeHandling(maxAttempts, S3Options.DEFAULT_SOCKET_TIMEOUT, exchange -> {
            exchange.getRequestBody().readAllBytes();
            String request = exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath();
            requests.add(request);
            Answer answer = script.apply(request + "#" + requests.stream().filter(request::equals).count());
            respond(exchange, answer);
        });
    }

    private ObjectStore storeHandling(int maxAttempts, Duration socketTimeout, HttpHandler handler) throws IOException {
        return storeHandling(maxAttempts, socketTimeout, ObjectStore.DELETE_CALL_LIMIT, handler);
    }

    private ObjectStore storeHandling(int maxAttempts, Duration socketTimeout, Duration deleteCallTimeout,
                                      HttpHandler handler) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", handler);
        server.start();
        S3Options options = S3Options.builder().bucket("b").endpoint("http://127.0.0.1:" + server.getAddress().getPort())
                .region("us-east-1").pathStyle(true).credentials("test-access", "test-secret-key").maxAttempts(maxAttempts)
                .socketTimeout(socketTimeout).deleteCallTimeout(deleteCallTimeout).checkBucketOnOpen(false).build();
        return S3ObjectStores.open(options, Map.of(), List.of());
    }

    /**
     * Answers GETs of a 1,000-byte object: each answer declares the length of the range asked
     * for but sends only {@code cut} bytes of it (all of it when {@code cut} is negative).
     */
    private static HttpHandler objectCutAt(List<String> ranges, java.util.function.IntUnaryOperator cutForAttempt) {
        byte[] object = new byte[1000];
        new java.util.Random(7).nextBytes(object);
        return exchange -> {
            String range = exchange.getRequestHeaders().getFirst("Range");
            String ifMatch = exchange.getRequestHeaders().getFirst("If-Match");
            ranges.add(range + " if-match " + ifMatch);
            int from = 0;
            if (range != null) {
                from = Integer.parseInt(range.substring("bytes=".length(), range.indexOf('-')));
            }
            int length = object.length - from;
            exchange.getResponseHeaders().add("ETag", "\"e1\"");
            exchange.getResponseHeaders().add("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT");
            exchange.sendResponseHeaders(range == null ? 200 : 206, length);
            int cut = cutForAttempt.applyAsInt(ranges.size());
            OutputStream out = exchange.getResponseBody();
            out.write(object, from, cut < 0 ? length : Math.min(cut, length));
            out.flush();
            // Closing short of the declared length makes the server drop the connection.
            exchange.close();
        };
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
            assertThat(store.retries()).isEqualTo(1);
        }
        assertThat(requests).hasSize(2);
    }

    @Test
    void slowDownIsRetriedAndEveryRetryIsCounted() throws IOException {
        try (ObjectStore store = storeAnswering(4, r -> r.equals("HEAD /b/k#3") ? new Answer(200, null)
                : new Answer(503, "SlowDown"))) {
            assertThat(store.head("k")).isPresent();
            assertThat(store.retries()).isEqualTo(2);
            assertThatThrownBy(() -> store.get("other")).isInstanceOf(StoreException.class)
                    .hasMessageStartingWith("Cannot read s3://b/other: SlowDown, HTTP 503");
            assertThat(store.retries()).as("3 more retries of the 4 attempts of the failed GET").isEqualTo(5);
        }
    }

    @Test
    void aStalledServerTimesOutAndTheRequestIsRetried() throws IOException {
        List<String> seen = new CopyOnWriteArrayList<>();
        try (ObjectStore store = storeHandling(3, Duration.ofMillis(300), exchange -> {
            exchange.getRequestBody().readAllBytes();
            seen.add(exchange.getRequestMethod());
            if (seen.size() == 1) {
                sleep(3000);
            }
            respond(exchange, new Answer(200, null));
        })) {
            long start = System.nanoTime();
            assertThat(store.head("k")).isPresent();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2500));
            assertThat(store.retries()).isEqualTo(1);
        }
        assertThat(seen).hasSize(2);
    }

    @Test
    void aDeleteThatDoesNotFinishWithinTheDeleteCallLimitFailsInsteadOfLanding() throws IOException {
        // gc sends a delete only inside its intent window (store time) and counts on it ending within
        // the clock margin: a server that answers after the limit must not get the delete through late.
        try (ObjectStore store = storeHandling(3, S3Options.DEFAULT_SOCKET_TIMEOUT, Duration.ofSeconds(1), exchange -> {
            exchange.getRequestBody().readAllBytes();
            if (!exchange.getRequestMethod().equals("POST")) {
                respond(exchange, new Answer(404, "ObjectLockConfigurationNotFoundError"));
                return;
            }
            sleep(4000);
            respond(exchange, new Answer(200, null));
        })) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> store.delete(List.of("chunks/aa/k"))).isInstanceOf(StoreException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(3000));
        }
    }

    @Test
    void aBodyCutOffMidStreamIsResumedWithARangedGet() throws IOException {
        List<String> ranges = new CopyOnWriteArrayList<>();
        byte[] whole;
        try (ObjectStore store = storeHandling(3, S3Options.DEFAULT_SOCKET_TIMEOUT,
                objectCutAt(ranges, attempt -> attempt == 1 ? 300 : -1))) {
            try (InputStream in = store.get("k")) {
                whole = in.readAllBytes();
            }
            assertThat(store.retries()).isEqualTo(1);
        }
        byte[] expected = new byte[1000];
        new java.util.Random(7).nextBytes(expected);
        assertThat(whole).isEqualTo(expected);
        assertThat(ranges).containsExactly("null if-match null", "bytes=300- if-match \"e1\"");
    }

    @Test
    void aBodyCutOffAtEveryAttemptFailsAsIoNeverShort() throws IOException {
        List<String> ranges = new CopyOnWriteArrayList<>();
        try (ObjectStore store = storeHandling(3, S3Options.DEFAULT_SOCKET_TIMEOUT, objectCutAt(ranges, attempt -> 100))) {
            InputStream in = store.getRange("k", 200, 500);
            assertThatThrownBy(in::readAllBytes)
                    .isInstanceOfSatisfying(StoreException.class,
                            e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.IO))
                    .hasMessageContaining("Cannot read s3://b/k")
                    .hasMessageContaining("cut off 3 times");
            in.close();
        }
        assertThat(ranges).hasSize(3);
        assertThat(ranges.get(1)).startsWith("bytes=300-699");
    }

    @Test
    void closingAfterReadingAPrefixDoesNotFailWhenTheUnreadRestIsCutOff() throws IOException {
        List<String> ranges = new CopyOnWriteArrayList<>();
        try (ObjectStore store = storeHandling(3, S3Options.DEFAULT_SOCKET_TIMEOUT, objectCutAt(ranges, attempt -> 600))) {
            InputStream in = store.get("k");
            byte[] header = in.readNBytes(100);
            in.close();
            byte[] expected = new byte[1000];
            new java.util.Random(7).nextBytes(expected);
            assertThat(header).isEqualTo(Arrays.copyOf(expected, 100));
            assertThat(store.retries()).as("the unread rest is not fetched again").isZero();
        }
        assertThat(ranges).hasSize(1);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
