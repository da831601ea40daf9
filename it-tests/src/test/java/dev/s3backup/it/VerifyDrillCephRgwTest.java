package dev.s3backup.it;

import dev.s3backup.s3.testing.S3TestServers;
import org.junit.jupiter.api.BeforeAll;

/** verify and drill with injected damage on Ceph RGW (skipped with a NOTICE where Ceph is not installed). */
class VerifyDrillCephRgwTest extends VerifyDrillSuite {
    private static S3Backend backend;

    @BeforeAll
    static void startServer() {
        S3TestServers.Server server = S3TestServers.cephRgw();
        backend = new S3Backend("ceph-rgw", server.endpoint(), server.region(), "it-verify-ceph-rgw",
                server.accessKey(), server.secretKey(), server.options("it-verify-ceph-rgw"));
    }

    @Override
    Backend backend() {
        S3Backend.useCredentials(S3TestServers.cephRgw().accessKey(), S3TestServers.cephRgw().secretKey());
        return backend;
    }
}
