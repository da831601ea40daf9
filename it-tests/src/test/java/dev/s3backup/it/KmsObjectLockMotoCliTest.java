package dev.s3backup.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.cli.ExitCodes;
import dev.s3backup.s3.testing.S3TestServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;

/**
 * An encrypted repository whose master key is wrapped by AWS KMS, in a bucket with Object Lock,
 * through the command line against moto (which serves S3 and KMS on one port; skipped with a
 * NOTICE where moto_server is not installed): no secret on the host, KMS opens it; a key-file
 * slot added for a recovery host; locked backups stay while forget and gc run.
 */
class KmsObjectLockMotoCliTest {
    @TempDir
    Path tmp;

    @Test
    void aKmsWrappedRepositoryUnderObjectLockNeedsNoSecretOnTheHost() throws Exception {
        S3TestServers.Server server = S3TestServers.moto();
        S3Backend.useCredentials(server.accessKey(), server.secretKey());
        String arn;
        try (KmsClient admin = KmsClient.builder().endpointOverride(server.endpoint()).region(Region.of(server.region()))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(server.accessKey(), server.secretKey()))).build()) {
            arn = admin.createKey(r -> r.description("s3backup backups")).keyMetadata().arn();
        }
        server.createObjectLockBucket("it-kms-locked", null);
        String repo = "s3://it-kms-locked/db-" + UUID.randomUUID();
        String[] conn = {"-r", repo, "--endpoint", server.endpoint().toString(), "--path-style", "--region",
            server.region()};

        Cli init = run(conn, "init", "--kms-key-id", arn, "--object-lock-days", "1", "--chunk-size", "64KiB");
        assertThat(init.exitCode()).as(init.toString()).isZero();
        assertThat(init.out()).contains("Encrypted (aes-256-gcm", "kms " + arn, "locked GOVERNANCE");

        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.write(src.resolve("000001.sst"), dev.s3backup.core.push.Fixtures.randomBytes(300_000, 3));
        Files.writeString(src.resolve("LOG"), "flush finished\n".repeat(5000));
        Cli first = run(conn, "push", "--no-cache", "n1=" + src);
        assertThat(first.exitCode()).as("opened through KMS, no secret given: " + first).isZero();
        Files.writeString(src.resolve("LOG"), "compaction finished\n".repeat(5000));
        Cli second = run(conn, "push", "--no-cache", "n1=" + src);
        assertThat(second.exitCode()).as(second.toString()).isZero();

        Path recovery = tmp.resolve("recovery.key");
        Cli add = run(conn, "key", "add", "--new-key-file", recovery.toString());
        assertThat(add.exitCode()).as(add.toString()).isZero();
        Cli keys = run(conn, "key", "list", "--json");
        assertThat(keys.out()).contains("\"kind\":\"kms\"", "\"kind\":\"key-file\"");

        Cli forget = run(conn, "forget", "--keep-last", "1");
        assertThat(forget.exitCode()).as(forget.toString()).isZero();
        assertThat(forget.err()).contains("it is under Object Lock until");
        Cli gc = run(conn, "gc", "--grace", "0s");
        assertThat(gc.exitCode()).as(gc.toString()).isZero();
        Cli verify = run(conn, "verify", "--read-data");
        assertThat(verify.exitCode()).as(verify.toString()).isZero();

        List<String> withKeyFile = new ArrayList<>(List.of(conn));
        withKeyFile.addAll(List.of("--key-file", recovery.toString()));
        Path target = tmp.resolve("restored");
        Cli restore = run(withKeyFile.toArray(String[]::new), "restore", "--manifest", "latest", "--target",
                target.toString());
        assertThat(restore.exitCode()).as(restore.toString()).isZero();
        assertThat(target.resolve("n1/LOG")).hasSameTextualContentAs(src.resolve("LOG"));
        assertThat(target.resolve("n1/000001.sst")).hasSameBinaryContentAs(src.resolve("000001.sst"));

        Cli wrongKey = run(conn, "list", "--key-file", tmp.resolve("missing.key").toString());
        assertThat(wrongKey.exitCode()).as(wrongKey.toString()).isEqualTo(ExitCodes.NOT_FOUND);
    }

    private static Cli run(String[] conn, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(conn));
        return Cli.run(List.of(), all.toArray(String[]::new));
    }
}
