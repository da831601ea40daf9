package dev.s3backup.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3backup.s3.LifecycleRules.Rule;
import dev.s3backup.s3.LifecycleRules.Verdict;
import dev.s3backup.s3.testing.S3TestServers;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.ExpirationStatus;
import software.amazon.awssdk.services.s3.model.LifecycleRule;

/** apply and check against a server that stores lifecycle configurations (S3Mock does; S3Proxy does not). */
class LifecycleS3MockTest {
    @Test
    void applyKeepsTheBucketsOtherRulesAndCheckFindsTheDangerousOne() {
        S3TestServers.Server server = S3TestServers.s3Mock();
        server.createBucket("lifecycle");
        S3Options options = server.options("lifecycle").prefix("db").build();
        assertThat(S3BucketPolicies.lifecycleRules(options)).isEmpty();

        LifecycleRule logs = LifecycleRule.builder().id("logs").status(ExpirationStatus.ENABLED)
                .filter(f -> f.prefix("logs/")).expiration(e -> e.days(7)).build();
        S3ObjectStores.withClient(options, (s3, errors) -> s3.putBucketLifecycleConfiguration(
                b -> b.bucket("lifecycle").lifecycleConfiguration(c -> c.rules(logs))));

        List<Rule> plan = LifecycleRules.plan("db/", new LifecycleRules.ChunkTransition(30, "STANDARD_IA"));
        S3BucketPolicies.Applied applied = S3BucketPolicies.apply(options, "db/", plan);
        assertThat(applied.after()).extracting(Rule::id)
                .containsExactly("logs", "s3backup-abort-multipart", "s3backup-chunks-transition");
        assertThat(applied.after().get(0).expirationDays()).isEqualTo(7);
        assertThat(LifecycleRules.check("db/", applied.after())).allMatch(f -> f.verdict() == Verdict.SAFE);

        // Applying again is idempotent.
        assertThat(S3BucketPolicies.apply(options, "db/", plan).after()).hasSize(3);

        // Someone adds a 35-day expiration on the whole bucket: check names it; apply refuses.
        LifecycleRule expireAll = LifecycleRule.builder().id("expire-35d").status(ExpirationStatus.ENABLED)
                .filter(f -> f.prefix("")).expiration(e -> e.days(35)).build();
        S3ObjectStores.withClient(options, (s3, errors) -> s3.putBucketLifecycleConfiguration(
                b -> b.bucket("lifecycle").lifecycleConfiguration(c -> c.rules(logs, expireAll))));
        List<LifecycleRules.Finding> findings = LifecycleRules.check("db/", S3BucketPolicies.lifecycleRules(options));
        assertThat(findings).filteredOn(f -> f.verdict() == Verdict.UNSAFE).extracting(LifecycleRules.Finding::rule)
                .containsExactly("expire-35d");
        assertThatThrownBy(() -> S3BucketPolicies.apply(options, "db/", plan))
                .hasMessageContaining("nothing was changed").hasMessageContaining("expire-35d");
        assertThat(S3BucketPolicies.lifecycleRules(options)).extracting(Rule::id).containsExactly("logs", "expire-35d");
    }
}
