package dev.s3backup.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.core.gc.ConcurrentGcTest;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.s3.S3ObjectStores;
import dev.s3backup.s3.testing.S3TestServers;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pushes, forget and an aggressive gc at the same time on S3Proxy (whose create-only PUT is atomic;
 * S3Mock's is not), then every remaining backup restores. S3 timestamps have one-second
 * resolution, so the protocol's clock margin is 2 s here instead of 0 on one host.
 */
class GcConcurrentS3ProxyTest {
    @TempDir
    Path dir;

    @Test
    void pushForgetAndGcConcurrentlyThenEveryBackupRestores() throws Exception {
        S3TestServers.Server server = S3TestServers.s3Proxy();
        server.createBucket("it-gc");
        try (ObjectStore store = S3ObjectStores.open(server.options("it-gc").prefix("gc-" + System.nanoTime()).build())) {
            ConcurrentGcTest.Report report = ConcurrentGcTest.stress(store, dir, Duration.ofSeconds(8), Duration.ofSeconds(2));
            assertThat(report.failures).as(report.toString()).isEmpty();
            assertThat(report.committed.get()).as(report.toString()).isPositive();
            assertThat(report.restored).as(report.toString()).isNotEmpty();
        }
    }
}
