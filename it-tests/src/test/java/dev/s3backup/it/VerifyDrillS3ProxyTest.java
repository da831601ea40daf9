package dev.s3backup.it;

import dev.s3backup.s3.testing.S3TestServers;
import org.junit.jupiter.api.BeforeAll;

/** verify and drill with injected damage on gaul S3Proxy. */
class VerifyDrillS3ProxyTest extends VerifyDrillSuite {
    private static S3Backend backend;

    @BeforeAll
    static void startServer() {
        S3TestServers.Server server = S3TestServers.s3Proxy();
        backend = new S3Backend("s3proxy", server.endpoint(), server.region(), "it-verify-s3proxy", server.accessKey(),
                server.secretKey(), server.options("it-verify-s3proxy"));
    }

    @Override
    Backend backend() {
        S3Backend.useCredentials(S3TestServers.s3Proxy().accessKey(), S3TestServers.s3Proxy().secretKey());
        return backend;
    }
}
