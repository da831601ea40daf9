package dev.s3backup.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.cli.ExitCodes;
import dev.s3backup.s3.testing.S3TestServers;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ExpirationStatus;
import software.amazon.awssdk.services.s3.model.LifecycleRule;

/**
 * 'lifecycle plan | apply | check' through the command line against S3Mock, which stores bucket
 * lifecycle configurations (S3Proxy's filesystem backend does not implement them).
 */
class LifecycleS3MockCliTest {
    @Test
    void planApplyCheckAndADangerousRuleFailsCheck() {
        S3TestServers.Server server = S3TestServers.s3Mock();
        server.createBucket("it-lifecycle");
        S3Backend.useCredentials(server.accessKey(), server.secretKey());
        String repo = "s3://it-lifecycle/db";
        String[] conn = {"--endpoint", server.endpoint().toString(), "--path-style", "--region", server.region()};

        Cli plan = run("plan", repo, conn, "--transition", "STANDARD_IA:30");
        assertThat(plan.exitCode()).as(plan.toString()).isZero();
        assertThat(plan.out()).contains("s3backup-abort-multipart", "s3backup-chunks-transition",
                "objects larger than 131072 bytes", "requests:");

        Cli empty = run("check", repo, conn);
        assertThat(empty.exitCode()).as(empty.toString()).isZero();

        try (S3Client s3 = S3Client.builder().endpointOverride(server.endpoint()).forcePathStyle(true)
                .region(Region.of(server.region())).credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(server.accessKey(), server.secretKey()))).build()) {
            LifecycleRule logs = LifecycleRule.builder().id("logs").status(ExpirationStatus.ENABLED)
                    .filter(f -> f.prefix("logs/")).expiration(e -> e.days(7)).build();
            s3.putBucketLifecycleConfiguration(b -> b.bucket("it-lifecycle").lifecycleConfiguration(c -> c.rules(logs)));

            Cli apply = run("apply", repo, conn, "--transition", "GLACIER_IR:90", "--json");
            assertThat(apply.exitCode()).as(apply.toString()).isZero();
            assertThat(apply.out()).contains("\"id\":\"logs\"", "s3backup-chunks-transition", "putBucketLifecycleConfiguration");

            Cli ok = run("check", repo, conn);
            assertThat(ok.exitCode()).as(ok.toString()).isZero();
            assertThat(ok.out()).contains("SAFE", "rule 'logs': safe");

            LifecycleRule expire = LifecycleRule.builder().id("expire-35d").status(ExpirationStatus.ENABLED)
                    .filter(f -> f.prefix("")).expiration(e -> e.days(35)).build();
            s3.putBucketLifecycleConfiguration(b -> b.bucket("it-lifecycle")
                    .lifecycleConfiguration(c -> c.rules(logs, expire)));
        }
        Cli bad = run("check", repo, conn);
        assertThat(bad.exitCode()).as(bad.toString()).isEqualTo(ExitCodes.INTEGRITY);
        assertThat(bad.err()).contains("rule 'expire-35d'", "unsafe", "can expire");

        Cli refused = run("apply", repo, conn);
        assertThat(refused.exitCode()).isEqualTo(ExitCodes.INTEGRITY);
        assertThat(refused.err()).contains("nothing was changed", "expire-35d");
    }

    private static Cli run(String sub, String repo, String[] conn, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("lifecycle", sub, "-r", repo));
        args.addAll(List.of(conn));
        args.addAll(List.of(more));
        return Cli.run(List.of(), args.toArray(String[]::new));
    }
}
