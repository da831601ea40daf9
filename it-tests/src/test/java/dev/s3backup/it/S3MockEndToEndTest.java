package dev.s3backup.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.s3.testing.FaultProxy;
import dev.s3backup.s3.testing.S3TestServers;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The end-to-end suite on Adobe S3Mock, started from its Maven Central jar on a loopback port. */
class S3MockEndToEndTest extends EndToEndSuite {
    private static S3Backend backend;

    @BeforeAll
    static void startServer() {
        S3TestServers.Server server = S3TestServers.s3Mock();
        backend = new S3Backend("s3mock", server.endpoint(), server.region(), "it-s3mock", server.accessKey(),
                server.secretKey(), server.options("it-s3mock"));
    }

    @Override
    Backend backend() {
        S3Backend.useCredentials(S3TestServers.s3Mock().accessKey(), S3TestServers.s3Mock().secretKey());
        return backend;
    }

    /**
     * A repository command's first request is the config's GET: no HeadBucket before it (issue #13,
     * start-up), a missing bucket is still named by that GET, in one request.
     */
    @Test
    void aRepositoryCommandSendsNoHeadBucketFirst() throws IOException {
        S3TestServers.Server server = S3TestServers.s3Mock();
        try (FaultProxy proxy = FaultProxy.start(server.endpoint(), 1, 0, Duration.ofSeconds(1))) {
            List<String> viaProxy = new java.util.ArrayList<>(List.of("--endpoint", proxy.endpoint().toString(),
                    "--path-style", "--region", server.region(), "--checksum-mode", "when-required"));
            // an encrypted repository also lists its key slots and reads the one that opens it
            int keyRequests = 0;
            if (encrypted()) {
                viaProxy.addAll(List.of("--key-file", dir.resolve("repository.key").toString()));
                keyRequests = 2;
            }
            Cli list = Cli.run(concat(List.of("--repo", repo), viaProxy), "list");
            assertThat(list.exitCode()).as(list.toString()).isZero();
            assertThat(proxy.requests()).as("GET config, LIST manifests, LIST backup sets").isEqualTo(3 + keyRequests);

            Cli missing = Cli.run(concat(List.of("--repo", backend.missingLocationUrl()), viaProxy), "list");
            assertThat(missing.err()).as(missing.toString()).contains("bucket does not exist");
            assertThat(proxy.requests()).as("GET config").isEqualTo(4 + keyRequests);
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
