package dev.s3backup.it;

import dev.s3backup.s3.testing.S3TestServers;
import org.junit.jupiter.api.BeforeAll;

/** verify and drill with injected damage on Adobe S3Mock. */
class VerifyDrillS3MockTest extends VerifyDrillSuite {
    private static S3Backend backend;

    @BeforeAll
    static void startServer() {
        S3TestServers.Server server = S3TestServers.s3Mock();
        backend = new S3Backend("s3mock", server.endpoint(), server.region(), "it-verify-s3mock", server.accessKey(),
                server.secretKey(), server.options("it-verify-s3mock"));
    }

    @Override
    Backend backend() {
        S3Backend.useCredentials(S3TestServers.s3Mock().accessKey(), S3TestServers.s3Mock().secretKey());
        return backend;
    }
}
