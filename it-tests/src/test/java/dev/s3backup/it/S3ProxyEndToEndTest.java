package dev.s3backup.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.cli.ExitCodes;
import dev.s3backup.s3.testing.S3TestServers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The end-to-end suite on gaul S3Proxy (filesystem backend), which, like AWS, checks credentials
 * and rejects a body that does not match its x-amz-checksum-sha256.
 */
class S3ProxyEndToEndTest extends EndToEndSuite {
    private static S3Backend backend;

    @BeforeAll
    static void startServer() {
        S3TestServers.Server server = S3TestServers.s3Proxy();
        backend = new S3Backend("s3proxy", server.endpoint(), server.region(), "it-s3proxy", server.accessKey(),
                server.secretKey(), server.options("it-s3proxy"));
    }

    @Override
    Backend backend() {
        S3Backend.useCredentials(S3TestServers.s3Proxy().accessKey(), S3TestServers.s3Proxy().secretKey());
        return backend;
    }

    @Test
    void wrongCredentialsAreAccessDeniedAndTheSecretIsNeverPrinted() {
        String wrongSecret = "wrong-secret-" + System.nanoTime();
        S3Backend.useCredentials(S3TestServers.s3Proxy().accessKey(), wrongSecret);
        try {
            Cli run = cli("list");
            assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.ACCESS_DENIED);
            assertThat(run.err()).doesNotContain(wrongSecret).doesNotContain("\tat ");
            Cli debug = cli("list", "--debug");
            assertThat(debug.exitCode()).isEqualTo(ExitCodes.ACCESS_DENIED);
            assertThat(debug.out() + debug.err()).doesNotContain(wrongSecret);
        } finally {
            S3Backend.useCredentials(S3TestServers.s3Proxy().accessKey(), S3TestServers.s3Proxy().secretKey());
        }
    }
}
