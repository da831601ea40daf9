package dev.s3backup.it;

import dev.s3backup.s3.testing.S3TestServers;
import org.junit.jupiter.api.BeforeAll;

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
}
