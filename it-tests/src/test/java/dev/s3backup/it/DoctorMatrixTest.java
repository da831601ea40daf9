package dev.s3backup.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.cli.ExitCodes;
import dev.s3backup.s3.testing.S3TestServers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code doctor} and {@code init} on every server of the matrix: each gives its own, measured
 * answers (docs/STORAGE.md, "What each server guarantees"), and init records them in the config.
 */
class DoctorMatrixTest {
    @TempDir
    Path dir;

    @Test
    void aFileRepositoryKeepsEveryPromise() {
        String repo = dir.resolve("repo").toUri().toString();
        Cli init = Cli.run(List.of(), "init", "-r", repo);
        assertThat(init.exitCode()).as(init.toString()).isZero();
        assertThat(init.out()).contains("create-only writes:    honoured", "checksums verified:    yes");
        Cli doctor = Cli.run(List.of(), "doctor", "-r", repo, "--json");
        assertThat(doctor.exitCode()).as(doctor.toString()).isZero();
        assertThat(doctor.out()).contains("\"createOnly\":true", "\"checksumsVerified\":true", "\"batchDelete\":true",
                "\"safe\":true", "\"objectLock\":null");
    }

    @Test
    void s3ProxyVerifiesChecksumsAndHasNoLifecycle() {
        check(S3TestServers::s3Proxy, "s3proxy", true, "not enabled", "not available: ");
    }

    /** S3Mock checks the SDK's signed chunks, so over HTTP a wrong body is refused. */
    @Test
    void s3MockVerifiesChecksumsOfSignedChunks() {
        check(S3TestServers::s3Mock, "s3mock", true, "not enabled", "available (");
    }

    @Test
    void motoDoesNotVerifyChecksums() {
        check(S3TestServers::moto, "moto", false, "not enabled", "available (");
    }

    @Test
    void cephRgwRefusesAWrongBodyThroughTheSignedPayloadHash() {
        check(S3TestServers::cephRgw, "ceph", true, "not enabled", "available (");
    }

    private void check(Supplier<S3TestServers.Server> start, String label, boolean verifiesChecksums, String objectLock,
                       String lifecycle) {
        S3TestServers.Server server = start.get();
        String bucket = "doctor-" + label;
        server.createBucket(bucket);
        S3Backend.useCredentials(server.accessKey(), server.secretKey());
        List<String> connection = new ArrayList<>(List.of("--endpoint", server.endpoint().toString(), "--path-style",
                "--region", server.region(), "--checksum-mode", "when-required"));
        String repo = "s3://" + bucket + "/r-" + System.nanoTime();

        Cli doctor = Cli.run(connection, "doctor", "-r", repo, "--json");
        assertThat(doctor.exitCode()).as(doctor.toString()).isEqualTo(ExitCodes.OK);
        assertThat(doctor.out()).contains("\"createOnly\":true", "\"checksumsVerified\":" + verifiesChecksums,
                "\"batchDelete\":true", "\"safe\":true", "\"objectLock\":\"" + objectLock, "\"lifecycle\":\"" + lifecycle);
        if (!verifiesChecksums) {
            assertThat(doctor.err()).contains("does not verify x-amz-checksum-sha256", "verify --read-data");
        }

        Cli init = Cli.run(connection, "init", "-r", repo);
        assertThat(init.exitCode()).as(init.toString()).isZero();
        assertThat(init.out()).contains("checksums verified:    " + (verifiesChecksums ? "yes" : "no"));
        Cli list = Cli.run(connection, "list", "-r", repo);
        assertThat(list.exitCode()).as(list.toString()).isZero();
    }
}
