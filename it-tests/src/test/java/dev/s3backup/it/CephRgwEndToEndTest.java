package dev.s3backup.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.cli.ExitCodes;
import dev.s3backup.s3.testing.S3TestServers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The end-to-end suite on Ceph's RADOS Gateway (a one-node cluster on loopback, skipped with a
 * NOTICE where Ceph is not installed): a production S3 implementation that checks credentials
 * but not {@code x-amz-checksum-sha256}, so the corruption cases rest on restore's own hashing.
 */
class CephRgwEndToEndTest extends EndToEndSuite {
    private static S3Backend backend;

    @BeforeAll
    static void startServer() {
        S3TestServers.Server server = S3TestServers.cephRgw();
        backend = new S3Backend("ceph-rgw", server.endpoint(), server.region(), "it-ceph-rgw", server.accessKey(),
                server.secretKey(), server.options("it-ceph-rgw"));
    }

    @Override
    Backend backend() {
        S3Backend.useCredentials(S3TestServers.cephRgw().accessKey(), S3TestServers.cephRgw().secretKey());
        return backend;
    }

    @Test
    void wrongCredentialsAreAccessDenied() {
        String wrongSecret = "wrong-secret-" + System.nanoTime();
        S3Backend.useCredentials(S3TestServers.cephRgw().accessKey(), wrongSecret);
        try {
            Cli run = cli("list");
            assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.ACCESS_DENIED);
            assertThat(run.err()).doesNotContain(wrongSecret).doesNotContain("\tat ");
        } finally {
            S3Backend.useCredentials(S3TestServers.cephRgw().accessKey(), S3TestServers.cephRgw().secretKey());
        }
    }
}
