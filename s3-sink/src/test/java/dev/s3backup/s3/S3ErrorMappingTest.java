package dev.s3backup.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.Payload;
import dev.s3backup.core.store.StoreException;
import dev.s3backup.s3.testing.S3TestServers;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/** Failures reach callers as StoreExceptions of the right kind, with clear messages and no secrets. */
class S3ErrorMappingTest {

    private static final String MISSING_BUCKET = "no-such-bucket-" + UUID.randomUUID().toString().substring(0, 8);

    @Test
    void missingBucketOnOpenIsNotFoundOnS3Mock() {
        assertMissingBucketOnOpen(S3TestServers.s3Mock());
    }

    @Test
    void missingBucketOnOpenIsNotFoundOnS3Proxy() {
        assertMissingBucketOnOpen(S3TestServers.s3Proxy());
    }

    private static void assertMissingBucketOnOpen(S3TestServers.Server server) {
        assertThatThrownBy(() -> S3ObjectStores.open(server.options(MISSING_BUCKET).build()))
                .isInstanceOfSatisfying(StoreException.class,
                        e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.NOT_FOUND))
                .hasMessage("Cannot access s3://" + MISSING_BUCKET + ": bucket does not exist");
    }

    @Test
    void missingBucketDuringOperationsIsNotFoundWithTheSameMessage() {
        for (S3TestServers.Server server : List.of(S3TestServers.s3Mock(), S3TestServers.s3Proxy())) {
            try (ObjectStore store = S3ObjectStores.open(
                    server.options(MISSING_BUCKET).checkBucketOnOpen(false).build())) {
                String message = "Cannot access s3://" + MISSING_BUCKET + ": bucket does not exist";
                assertKind(() -> store.list("", null), StoreException.Kind.NOT_FOUND, message);
                assertKind(() -> store.get("k"), StoreException.Kind.NOT_FOUND, null);
                assertKind(() -> store.putIfAbsent("k", Payload.of(new byte[1])), StoreException.Kind.NOT_FOUND,
                        message);
                if (server.name().equals("S3Mock")) {
                    // S3Proxy 4.1.0 answers DeleteObjects on a missing bucket with success.
                    assertKind(() -> store.delete(List.of("k")), StoreException.Kind.NOT_FOUND, message);
                }
            }
        }
    }

    @Test
    void wrongSecretKeyIsAccessDeniedWithoutTheSecret() {
        S3TestServers.Server server = S3TestServers.s3Proxy();
        server.createBucket("errors");
        String wrongSecret = "wrong-secret-" + UUID.randomUUID();
        S3Options options = server.options("errors").credentials(server.accessKey(), wrongSecret).build();

        Consumer<StoreException> noSecrets = e -> {
            assertThat(e.getMessage()).doesNotContain(wrongSecret).doesNotContain(server.secretKey());
            assertThat(e.kind()).isEqualTo(StoreException.Kind.ACCESS_DENIED);
            assertThat(String.valueOf(e.getCause())).doesNotContain(wrongSecret);
        };
        assertThatThrownBy(() -> S3ObjectStores.open(options))
                .isInstanceOfSatisfying(StoreException.class, noSecrets)
                .hasMessageStartingWith("Cannot access s3://errors: access denied");

        try (ObjectStore store = S3ObjectStores.open(options.toBuilder().checkBucketOnOpen(false).build())) {
            for (ThrowingCallable call : List.<ThrowingCallable>of(
                    () -> store.putIfAbsent("k", Payload.of(new byte[1])),
                    () -> store.get("k"),
                    () -> store.list("", null),
                    () -> store.delete(List.of("k")))) {
                assertThatThrownBy(call).isInstanceOfSatisfying(StoreException.class, noSecrets)
                        .hasMessageContaining("access denied");
            }
            assertThatThrownBy(() -> store.head("k")).isInstanceOfSatisfying(StoreException.class, noSecrets);
        }
    }

    /**
     * Keys in the environment are used directly (issue #13: the SDK's default chain costs start-up
     * time), and a refusal still says where they came from.
     */
    @Test
    void credentialsFromTheEnvironmentAreUsedAndNamedWhenRefused() {
        S3TestServers.Server server = S3TestServers.s3Proxy();
        server.createBucket("errors");
        S3Options options = S3Options.builder().bucket("errors").endpoint(server.endpoint()).region(server.region())
                .pathStyle(true).maxAttempts(1).build();

        try (ObjectStore store = S3ObjectStores.open(options, java.util.Map.of("AWS_ACCESS_KEY_ID", server.accessKey(),
                "AWS_SECRET_ACCESS_KEY", server.secretKey()), List.of())) {
            assertThat(store.head("nothing")).isEmpty();
        }
        String wrongSecret = "wrong-secret-" + UUID.randomUUID();
        assertThatThrownBy(() -> S3ObjectStores.open(options, java.util.Map.of("AWS_ACCESS_KEY_ID", server.accessKey(),
                "AWS_SECRET_ACCESS_KEY", wrongSecret), List.of()))
                .isInstanceOfSatisfying(StoreException.class,
                        e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.ACCESS_DENIED))
                .message().doesNotContain(wrongSecret);
    }

    @Test
    void unknownAccessKeyIsAccessDenied() {
        S3TestServers.Server server = S3TestServers.s3Proxy();
        server.createBucket("errors");
        S3Options options = server.options("errors").credentials("AKIANOSUCHKEY", server.secretKey()).build();

        assertThatThrownBy(() -> S3ObjectStores.open(options))
                .isInstanceOfSatisfying(StoreException.class,
                        e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.ACCESS_DENIED))
                .message().doesNotContain(server.secretKey());
    }

    @Test
    void missingProfileIsAccessDeniedNamingTheProfile() {
        S3TestServers.Server server = S3TestServers.s3Mock();
        String profile = "s3backup-test-no-such-profile-" + UUID.randomUUID();
        S3Options options = S3Options.builder().bucket("errors").endpoint(server.endpoint()).region("us-east-1")
                .pathStyle(true).profile(profile).maxAttempts(1).build();

        assertThatThrownBy(() -> S3ObjectStores.open(options))
                .isInstanceOfSatisfying(StoreException.class,
                        e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.ACCESS_DENIED))
                .hasMessageStartingWith("Cannot access s3://errors: no AWS credentials found")
                .hasMessageContaining(profile);
    }

    @Test
    void unreachableEndpointIsIo() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        S3Options options = S3Options.builder().bucket("errors").endpoint("http://127.0.0.1:" + closedPort)
                .region("us-east-1").pathStyle(true).credentials("a", "secret-never-shown").maxAttempts(1)
                .apiCallTimeout(Duration.ofSeconds(10)).build();

        assertThatThrownBy(() -> S3ObjectStores.open(options))
                .isInstanceOfSatisfying(StoreException.class,
                        e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.IO))
                .hasMessageStartingWith("Cannot access s3://errors: ")
                .message().doesNotContain("secret-never-shown");
    }

    private static void assertKind(ThrowingCallable call, StoreException.Kind kind, String message) {
        var assertion = assertThatThrownBy(call).isInstanceOfSatisfying(StoreException.class,
                e -> assertThat(e.kind()).as(e.getMessage()).isEqualTo(kind));
        if (message != null) {
            assertion.hasMessage(message);
        }
    }
}
