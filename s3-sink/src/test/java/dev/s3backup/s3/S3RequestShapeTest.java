package dev.s3backup.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.ObjectStore.PutOutcome;
import dev.s3backup.core.store.Payload;
import dev.s3backup.s3.testing.S3TestServers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpRequest;

/** The HTTP requests the store sends, as seen on the wire after signing. */
class S3RequestShapeTest {

    /** Records each request's method and headers as transmitted. */
    static final class Recorder implements ExecutionInterceptor {
        final List<SdkHttpRequest> requests = new CopyOnWriteArrayList<>();

        @Override
        public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
            requests.add(context.httpRequest());
        }

        SdkHttpRequest last(String method) {
            for (int i = requests.size() - 1; i >= 0; i--) {
                if (requests.get(i).method().name().equals(method)) {
                    return requests.get(i);
                }
            }
            throw new AssertionError("no " + method + " request among " + requests);
        }
    }

    @Test
    void precomputedSha256IsSentAndTheSdkAddsNoChecksumOfItsOwn() throws Exception {
        for (S3Options.ChecksumPolicy policy : S3Options.ChecksumPolicy.values()) {
            Recorder recorder = new Recorder();
            try (ObjectStore store = open(S3TestServers.s3Mock(), policy, recorder)) {
                byte[] body = ("chunk under " + policy).getBytes(StandardCharsets.UTF_8);
                byte[] sha = MessageDigest.getInstance("SHA-256").digest(body);

                assertThat(store.putIfAbsent("chunks/" + UUID.randomUUID(), Payload.of(body, 0, body.length, sha)))
                        .isEqualTo(PutOutcome.CREATED);

                Map<String, List<String>> headers = recorder.last("PUT").headers();
                assertThat(headers.get("x-amz-checksum-sha256")).as(policy.name())
                        .containsExactly(Base64.getEncoder().encodeToString(sha));
                assertThat(headers.get("If-None-Match")).containsExactly("*");
                // Over plain HTTP the known SHA-256 is the signed payload hash: no aws-chunked body, no second hash.
                assertThat(headers.get("x-amz-content-sha256")).as(policy.name())
                        .containsExactly(HexFormat.of().formatHex(sha));
                assertThat(headers.get("Content-Length")).as(policy.name())
                        .containsExactly(String.valueOf(body.length));
                assertThat(headers.keySet()).as(policy.name())
                        .noneMatch(h -> h.equalsIgnoreCase("Content-Encoding"))
                        .noneMatch(h -> h.equalsIgnoreCase("x-amz-decoded-content-length"));
                assertThat(headers.get("Authorization").get(0)).as(policy.name())
                        .contains("x-amz-checksum-sha256", "x-amz-content-sha256", "if-none-match");
                assertThat(headers.keySet()).as(policy.name())
                        .noneMatch(h -> h.equalsIgnoreCase("x-amz-trailer"))
                        .noneMatch(h -> h.equalsIgnoreCase("x-amz-checksum-crc32"))
                        .noneMatch(h -> h.equalsIgnoreCase("x-amz-checksum-crc32c"));
            }
        }
    }

    @Test
    void withoutShaWhenRequiredSendsNoChecksumAndDeleteCarriesContentMd5() {
        Recorder recorder = new Recorder();
        try (ObjectStore store = open(S3TestServers.s3Mock(), S3Options.ChecksumPolicy.WHEN_REQUIRED, recorder)) {
            store.putIfAbsent("plain/" + UUID.randomUUID(), Payload.of(new byte[] {1, 2, 3}));
            assertThat(recorder.last("PUT").headers().keySet())
                    .noneMatch(h -> h.toLowerCase().startsWith("x-amz-checksum-"))
                    .noneMatch(h -> h.equalsIgnoreCase("x-amz-trailer"));
            // No hash known: the SDK signs the body itself (aws-chunked over plain HTTP).
            assertThat(recorder.last("PUT").headers().get("x-amz-content-sha256"))
                    .containsExactly("STREAMING-AWS4-HMAC-SHA256-PAYLOAD");

            store.delete(List.of("plain/x"));
            assertThat(recorder.last("POST").headers().keySet()).anyMatch(h -> h.equalsIgnoreCase("Content-MD5"));
        }
    }

    /**
     * Restore re-hashes every chunk and a manifest carries its own SHA-256: under WHEN_REQUIRED (the
     * default with an endpoint) a GET asks for no checksum, so the SDK hashes no downloaded byte.
     */
    @Test
    void getsUnderWhenRequiredAskForNoChecksumValidation() throws Exception {
        Recorder recorder = new Recorder();
        try (ObjectStore store = open(S3TestServers.s3Mock(), S3Options.ChecksumPolicy.WHEN_REQUIRED, recorder)) {
            byte[] body = "a chunk".getBytes(StandardCharsets.UTF_8);
            String key = "chunks/" + UUID.randomUUID();
            store.putIfAbsent(key, Payload.of(body, 0, body.length, MessageDigest.getInstance("SHA-256").digest(body)));
            try (var in = store.get(key)) {
                assertThat(in.readAllBytes()).isEqualTo(body);
            }
            assertThat(recorder.last("GET").headers().keySet())
                    .noneMatch(h -> h.equalsIgnoreCase("x-amz-checksum-mode"));
        }
    }

    @Test
    void storageClassAndEncryptionAreSentOnPuts() {
        Recorder recorder = new Recorder();
        S3TestServers.Server server = S3TestServers.s3Mock();
        server.createBucket("shapes");
        S3Options options = server.options("shapes").storageClass("standard_ia")
                .encryption(S3Options.Encryption.AES256).build();
        try (ObjectStore store = S3ObjectStores.open(options, Map.of(), List.of(recorder))) {
            store.putIfAbsent("sc/" + UUID.randomUUID(), Payload.of(new byte[] {1}));
            Map<String, List<String>> headers = recorder.last("PUT").headers();
            assertThat(headers.get("x-amz-storage-class")).containsExactly("STANDARD_IA");
            assertThat(headers.get("x-amz-server-side-encryption")).containsExactly("AES256");
        }
    }

    @Test
    void endpointComesFromTheEnvironmentWhenNotConfigured() {
        Recorder recorder = new Recorder();
        S3TestServers.Server server = S3TestServers.s3Mock();
        server.createBucket("shapes");
        S3Options options = S3Options.builder().bucket("shapes").pathStyle(true)
                .credentials(server.accessKey(), server.secretKey()).build();
        try (ObjectStore store = S3ObjectStores.open(options,
                Map.of("AWS_ENDPOINT_URL", server.endpoint().toString()), List.of(recorder))) {
            assertThat(store.head("nothing")).isEmpty();
            assertThat(recorder.last("HEAD").getUri().getPort()).isEqualTo(server.endpoint().getPort());
            assertThat(store.describe()).isEqualTo("s3://shapes/ at " + server.endpoint());
        }
    }

    private static ObjectStore open(S3TestServers.Server server, S3Options.ChecksumPolicy policy, Recorder recorder) {
        server.createBucket("shapes");
        return S3ObjectStores.open(server.options("shapes").checksumPolicy(policy).build(), Map.of(), List.of(recorder));
    }
}
