package dev.s3backup.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.cli.ExitCodes;
import dev.s3backup.s3.testing.S3TestServers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The least-privilege policies of examples/iam, as the docs give them, enforced by Ceph RGW as a
 * bucket policy naming three users: a host that only pushes cannot forget or collect anything,
 * a reader can restore but not push, the maintainer can forget and collect.
 */
class IamPolicyCephRgwTest {
    private static final String BUCKET = "iam-policies";
    private static final String PREFIX = "db";

    @TempDir
    Path dir;

    @Test
    void eachRoleCanDoItsJobAndNothingThatLosesData() throws IOException {
        S3TestServers.Server admin = S3TestServers.cephRgw();
        S3TestServers.Server pusher = S3TestServers.cephRgwUser("pusher");
        S3TestServers.Server reader = S3TestServers.cephRgwUser("reader");
        S3TestServers.Server maintainer = S3TestServers.cephRgwUser("maintainer");
        admin.createBucket(BUCKET);
        String policy = "{\"Version\":\"2012-10-17\",\"Statement\":[" + String.join(",",
                statements("pusher"), statements("reader"), statements("maintainer")) + "]}";
        try (S3Client s3 = S3Client.builder().endpointOverride(admin.endpoint()).region(Region.of(admin.region()))
                .forcePathStyle(true).credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(admin.accessKey(), admin.secretKey()))).build()) {
            s3.putBucketPolicy(b -> b.bucket(BUCKET).policy(policy));
        }
        List<String> connection = List.of("--endpoint", admin.endpoint().toString(), "--path-style", "--region",
                admin.region(), "--checksum-mode", "when-required");
        String repo = "s3://" + BUCKET + "/" + PREFIX;
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.write(src.resolve("000001.sst"), new byte[200_000]);
        Files.write(src.resolve("000002.sst"), new byte[300_000]);

        as(admin);
        assertThat(Cli.run(connection, "init", "-r", repo).exitCode()).isZero();

        as(pusher);
        Cli push = Cli.run(connection, "push", "-r", repo, "--no-cache", "n1=" + src);
        assertThat(push.exitCode()).as(push.toString()).isZero();
        Files.writeString(src.resolve("CURRENT"), "MANIFEST-2");
        Files.delete(src.resolve("000002.sst")); // its chunk becomes garbage once the first backup is forgotten
        Cli second = Cli.run(connection, "push", "-r", repo, "--no-cache", "n1=" + src);
        assertThat(second.exitCode()).as(second.toString()).isZero();
        assertThat(second.err()).as("the push removes its lease and pending manifest").doesNotContain("warning");
        Cli forget = Cli.run(connection, "forget", "-r", repo, "--all");
        assertThat(forget.exitCode()).as(forget.toString()).isEqualTo(ExitCodes.ACCESS_DENIED);

        as(reader);
        Cli restore = Cli.run(connection, "restore", "-r", repo, "-m", "latest", "--target", dir.resolve("out").toString());
        assertThat(restore.exitCode()).as(restore.toString()).isZero();
        assertThat(dir.resolve("out/n1/CURRENT")).hasContent("MANIFEST-2");
        assertThat(Cli.run(connection, "verify", "-r", repo).exitCode()).isZero();
        Cli readerPush = Cli.run(connection, "push", "-r", repo, "--no-cache", "n1=" + src);
        assertThat(readerPush.exitCode()).as(readerPush.toString()).isEqualTo(ExitCodes.ACCESS_DENIED);

        as(maintainer);
        Cli keepOne = Cli.run(connection, "forget", "-r", repo, "--keep-last", "1");
        assertThat(keepOne.exitCode()).as(keepOne.toString()).isZero();

        as(pusher);
        assertThat(Cli.run(connection, "gc", "-r", repo, "--grace", "0", "--dry-run").out())
                .as("no lease left behind by the pushes").contains("garbage:     1 chunk(s)", "0 push(es) in progress");
        Cli gcAsPusher = Cli.run(connection, "gc", "-r", repo, "--grace", "0");
        assertThat(gcAsPusher.exitCode()).as(gcAsPusher.toString()).isEqualTo(ExitCodes.ACCESS_DENIED);

        as(maintainer);
        Cli gc = Cli.run(connection, "gc", "-r", repo, "--grace", "0");
        assertThat(gc.exitCode()).as(gc.toString()).isZero();
        assertThat(gc.out()).contains("deleted:     1 chunk(s)");

        as(reader);
        Cli still = Cli.run(connection, "restore", "-r", repo, "-m", "latest", "--target", dir.resolve("again").toString());
        assertThat(still.exitCode()).as(still.toString()).isZero();
    }

    private static void as(S3TestServers.Server user) {
        S3Backend.useCredentials(user.accessKey(), user.secretKey());
    }

    /** The role's policy from examples/iam, made a bucket policy statement list for that user. */
    private static String statements(String role) throws IOException {
        String text = Files.readString(Path.of("..", "examples", "iam", role + ".json"))
                .replace("BUCKET", BUCKET).replace("PREFIX", PREFIX);
        int open = text.indexOf('[', text.indexOf("\"Statement\""));
        int close = text.lastIndexOf(']');
        List<String> out = new ArrayList<>();
        String body = text.substring(open + 1, close)
                .replace("\"Sid\": \"", "\"Sid\": \"" + role)
                .replace("\"Effect\": \"Allow\",", "\"Effect\": \"Allow\", \"Principal\": {\"AWS\": [\"arn:aws:iam:::user/"
                        + role + "\"]},");
        out.add(body);
        return String.join(",", out);
    }
}
