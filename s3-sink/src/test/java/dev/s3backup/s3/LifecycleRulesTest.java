package dev.s3backup.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3backup.s3.LifecycleRules.ChunkTransition;
import dev.s3backup.s3.LifecycleRules.Filter;
import dev.s3backup.s3.LifecycleRules.Finding;
import dev.s3backup.s3.LifecycleRules.Rule;
import dev.s3backup.s3.LifecycleRules.Transition;
import dev.s3backup.s3.LifecycleRules.Verdict;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.ExpirationStatus;
import software.amazon.awssdk.services.s3.model.LifecycleRule;

class LifecycleRulesTest {
    private static final String REPO = "backups/db1/";

    private static Rule rule(String id, Filter filter, Integer expDays, List<Transition> transitions) {
        return new Rule(id, true, filter, expDays, null, false, null, transitions, List.of(), null, List.of());
    }

    private static Finding check(Rule r) {
        return LifecycleRules.check(REPO, List.of(r)).get(0);
    }

    @Test
    void thePlanIsSafeAndNeverExpiresAnything() {
        List<Rule> plan = LifecycleRules.plan(REPO, new ChunkTransition(30, "standard_ia"));
        assertThat(plan).extracting(Rule::id).containsExactly("s3backup-abort-multipart", "s3backup-chunks-transition");
        assertThat(plan).allMatch(r -> r.expirationDays() == null && r.expirationDate() == null
                && r.noncurrentExpirationDays() == null);
        Rule transition = plan.get(1);
        assertThat(transition.filter().prefix()).isEqualTo(REPO + "chunks/");
        assertThat(transition.filter().sizeGreaterThan()).isEqualTo(128 * 1024);
        assertThat(LifecycleRules.check(REPO, plan)).allMatch(f -> f.verdict() == Verdict.SAFE);
    }

    @Test
    void planRefusesArchiveClassesAndTooEarlyTransitions() {
        assertThatThrownBy(() -> new ChunkTransition(90, "GLACIER")).hasMessageContaining("break restores");
        assertThatThrownBy(() -> new ChunkTransition(180, "DEEP_ARCHIVE")).hasMessageContaining("break restores");
        assertThatThrownBy(() -> new ChunkTransition(7, "STANDARD_IA")).hasMessageContaining("at least 30 days");
    }

    @Test
    void anAgeBasedExpirationOnTheBucketIsUnsafeAndNamed() {
        Finding f = check(rule("expire-35d", Filter.prefix(""), 35, List.of()));
        assertThat(f.verdict()).isEqualTo(Verdict.UNSAFE);
        assertThat(f.toString()).contains("rule 'expire-35d'", "can expire", "chunks/", "manifests/", "Expiration 35 days");
    }

    @Test
    void anExpirationElsewhereInTheBucketIsSafe() {
        assertThat(check(rule("logs", Filter.prefix("logs/"), 7, List.of())).verdict()).isEqualTo(Verdict.SAFE);
        assertThat(check(rule("other-repo", Filter.prefix("backups/db2/"), 7, List.of())).verdict()).isEqualTo(Verdict.SAFE);
    }

    @Test
    void aRuleOnPartOfTheChunksOrOnAParentPrefixIsUnsafe() {
        assertThat(check(rule("some", Filter.prefix(REPO + "chunks/ab"), 1, List.of())).verdict()).isEqualTo(Verdict.UNSAFE);
        assertThat(check(rule("parent", Filter.prefix("backups/"), 400, List.of())).verdict()).isEqualTo(Verdict.UNSAFE);
        assertThat(check(rule("manifests", Filter.prefix(REPO + "manifests/"), 400, List.of())).reason())
                .contains("manifests/");
    }

    @Test
    void archiveTransitionsAreUnsafeInstantClassesOnChunksAreSafe() {
        assertThat(check(rule("glacier", Filter.prefix(REPO + "chunks/"), null,
                List.of(new Transition(90, null, "GLACIER")))).verdict()).isEqualTo(Verdict.UNSAFE);
        assertThat(check(rule("deep", Filter.prefix(""), null,
                List.of(new Transition(180, null, "DEEP_ARCHIVE")))).reason()).contains("DEEP_ARCHIVE", "restore");
        assertThat(check(rule("ir", Filter.prefix(REPO + "chunks/"), null,
                List.of(new Transition(90, null, "GLACIER_IR")))).verdict()).isEqualTo(Verdict.SAFE);
        Finding ia = check(rule("ia-all", Filter.prefix(REPO), null, List.of(new Transition(30, null, "STANDARD_IA"))));
        assertThat(ia.verdict()).as("manifests would move too").isEqualTo(Verdict.UNSAFE);
        assertThat(check(rule("ia", Filter.prefix(REPO + "chunks/"), null,
                List.of(new Transition(30, null, "STANDARD_IA")))).reason()).contains("ObjectSizeGreaterThan");
    }

    @Test
    void whatCheckCannotInterpretIsUnknownNotSafe() {
        Finding tags = check(rule("by-tag", new Filter("", Map.of("tier", "old"), null, null, true), 30, List.of()));
        assertThat(tags.verdict()).isEqualTo(Verdict.UNKNOWN);
        Finding cls = check(rule("new-class", Filter.prefix(""), null, List.of(new Transition(30, null, "FANCY_TIER"))));
        assertThat(cls.verdict()).isEqualTo(Verdict.UNKNOWN);
        assertThat(cls.reason()).contains("FANCY_TIER", "not counted as safe");
        Finding filter = check(rule("odd", new Filter("", Map.of(), null, null, false), null, List.of()));
        assertThat(filter.verdict()).isEqualTo(Verdict.UNKNOWN);
        Rule status = new Rule("s", true, Filter.prefix(""), null, null, false, null, List.of(), List.of(), 3,
                List.of("status 'Paused'"));
        assertThat(check(status).verdict()).isEqualTo(Verdict.UNKNOWN);
    }

    @Test
    void disabledRulesAndAbortMultipartAreSafeNoncurrentExpirationIsNot() {
        Rule disabled = new Rule("off", false, Filter.prefix(""), 1, null, false, null, List.of(), List.of(), null, List.of());
        assertThat(check(disabled).verdict()).isEqualTo(Verdict.SAFE);
        Rule noncurrent = new Rule("nc", true, Filter.prefix(""), null, null, false, 30, List.of(), List.of(), null, List.of());
        assertThat(check(noncurrent).verdict()).isEqualTo(Verdict.UNSAFE);
    }

    @Test
    void mergeReplacesOnlyOurRulesAndKeepsTheRestInPlace() {
        Rule logs = rule("logs", Filter.prefix("logs/"), 7, List.of());
        Rule oldOurs = rule("s3backup-chunks-transition", Filter.prefix(REPO + "chunks/"), null,
                List.of(new Transition(30, null, "STANDARD_IA")));
        List<Rule> planned = LifecycleRules.plan(REPO, null);
        List<Rule> merged = LifecycleRules.merge(List.of(logs, oldOurs), planned);
        assertThat(merged).extracting(Rule::id).containsExactly("logs", "s3backup-abort-multipart");
    }

    @Test
    void sdkRulesConvertWithTheirFiltersAndUnknownStatus() {
        LifecycleRule sdk = LifecycleRule.builder().id("x").status(ExpirationStatus.ENABLED)
                .filter(f -> f.and(a -> a.prefix("p/").objectSizeGreaterThan(10L)))
                .expiration(e -> e.days(35)).build();
        Rule r = S3BucketPolicies.fromSdk(sdk);
        assertThat(r.filter().prefix()).isEqualTo("p/");
        assertThat(r.filter().sizeGreaterThan()).isEqualTo(10L);
        assertThat(r.expirationDays()).isEqualTo(35);
        Rule odd = S3BucketPolicies.fromSdk(LifecycleRule.builder().id("y").status("Sometimes").build());
        assertThat(odd.unknown()).containsExactly("status 'Sometimes'");
        Rule legacy = S3BucketPolicies.fromSdk(LifecycleRule.builder().id("z").status(ExpirationStatus.ENABLED)
                .prefix("backups/").expiration(e -> e.days(1)).build());
        assertThat(LifecycleRules.check(REPO, List.of(legacy)).get(0).verdict()).isEqualTo(Verdict.UNSAFE);
        assertThat(S3BucketPolicies.toSdk(LifecycleRules.plan(REPO, new ChunkTransition(30, "STANDARD_IA")).get(1))
                .filter().and().objectSizeGreaterThan()).isEqualTo(128 * 1024L);
    }
}
