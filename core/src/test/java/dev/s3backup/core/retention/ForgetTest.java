package dev.s3backup.core.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.repo.RepositoryLayout;
import dev.s3backup.core.store.InMemoryObjectStore;
import dev.s3backup.core.store.Payload;
import dev.s3backup.manifest.BackupId;
import dev.s3backup.manifest.ManifestCodec;
import dev.s3backup.manifest.ManifestHeader;
import dev.s3backup.manifest.ManifestWriter;
import java.io.ByteArrayOutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ForgetTest {
    private static final Instant NOW = Instant.parse("2026-03-31T12:00:00Z");
    private final InMemoryObjectStore store = new InMemoryObjectStore();
    private final Repository repo;
    private int seed;

    ForgetTest() {
        Repository.init(store, 64 << 10).close();
        repo = Repository.open(store);
    }

    private String backup(String name, String created) throws Exception {
        Instant t = Instant.parse(created);
        String id = BackupId.generate(t, new SplittableRandom(seed++));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ManifestWriter w = ManifestCodec.newWriter(out, new ManifestHeader(id, name, t, "t", "h", null, List.of(), Map.of()))) {
            w.finish();
        }
        store.putIfAbsent(RepositoryLayout.manifestKey(id), Payload.of(out.toByteArray()));
        return id;
    }

    private Forget.Result forget(RetentionPolicy p, boolean dryRun) {
        return new Forget(repo, p, Clock.fixed(NOW, ZoneOffset.UTC)).run(dryRun);
    }

    private static RetentionPolicy policy(int last, int h, int d, int w, int m, int y, Duration within) {
        return new RetentionPolicy(last, h, d, w, m, y, within, false);
    }

    @Test
    void keepDailyKeepsTheNewestOfEachOfTheNewestDaysPerNameAndSaysWhy() throws Exception {
        String d31b = backup("nightly", "2026-03-31T02:00:00Z");
        String d31a = backup("nightly", "2026-03-31T01:00:00Z");
        String d30 = backup("nightly", "2026-03-30T01:00:00Z");
        String d29 = backup("nightly", "2026-03-29T01:00:00Z");
        String other = backup("hourly", "2026-01-01T00:00:00Z");

        Forget.Result r = forget(policy(0, 0, 2, 0, 0, 0, null), true);

        assertThat(r.kept()).extracting(Forget.Decision::id).containsExactlyInAnyOrder(d31b, d30, other);
        assertThat(r.removed()).extracting(Forget.Decision::id).containsExactlyInAnyOrder(d31a, d29);
        assertThat(r.decisions()).filteredOn(d -> d.id().equals(d30)).first()
                .extracting(Forget.Decision::reasons).asList().containsExactly("daily 2026-03-30");
        assertThat(r.forgotten()).isZero();
        assertThat(store.keys()).contains(RepositoryLayout.manifestKey(d29));
        assertThat(r.requests().delete()).isZero();
    }

    @Test
    void forgettingDeletesOnlyManifests() throws Exception {
        String old = backup("db", "2026-01-01T00:00:00Z");
        String recent = backup("db", "2026-03-01T00:00:00Z");
        store.putIfAbsent("chunks/ab/x", Payload.of(new byte[] {1}));
        List<String> before = store.keys();

        Forget.Result r = forget(RetentionPolicy.keepLast(1), false);

        assertThat(r.forgotten()).isEqualTo(1);
        assertThat(r.requests().delete()).isEqualTo(1);
        assertThat(store.keys()).containsExactlyElementsOf(before.stream()
                .filter(k -> !k.equals(RepositoryLayout.manifestKey(old))).toList());
        assertThat(repo.listBackupIds()).containsExactly(recent);
    }

    @Test
    void calendarRulesUseTheBackupsTimeAndCombine() throws Exception {
        String y2024 = backup("db", "2024-06-01T00:00:00Z");
        String y2025a = backup("db", "2025-12-31T23:00:00Z");
        String y2025b = backup("db", "2025-11-30T00:00:00Z");
        String m03 = backup("db", "2026-03-02T00:00:00Z");
        String w = backup("db", "2026-03-30T00:00:00Z");
        String h1 = backup("db", "2026-03-31T10:10:00Z");
        String h2 = backup("db", "2026-03-31T10:50:00Z");

        Forget.Result r = forget(policy(1, 2, 0, 2, 3, 2, null), true);

        assertThat(r.kept()).extracting(Forget.Decision::id)
                .containsExactlyInAnyOrder(h2, w, m03, y2025a, y2025b);
        assertThat(r.decisions()).filteredOn(d -> d.id().equals(h2)).first().extracting(Forget.Decision::reasons).asList()
                .contains("last 1", "hourly 2026-03-31T10", "weekly 2026-W14", "monthly 2026-03", "yearly 2026");
        assertThat(r.removed()).extracting(Forget.Decision::id).containsExactlyInAnyOrder(h1, y2024);
        assertThat(r.decisions()).filteredOn(d -> d.id().equals(y2025b)).first().extracting(Forget.Decision::reasons)
                .asList().containsExactly("monthly 2025-11");
    }

    @Test
    void keepWithinCountsBackFromNow() throws Exception {
        String recent = backup("db", "2026-03-25T00:00:00Z");
        String old = backup("db", "2026-03-01T00:00:00Z");
        Forget.Result r = forget(policy(0, 0, 0, 0, 0, 0, Duration.ofDays(7)), true);
        assertThat(r.kept()).extracting(Forget.Decision::id).containsExactly(recent);
        assertThat(r.removed()).extracting(Forget.Decision::id).containsExactly(old);
    }

    @Test
    void aPolicyWithoutAKeepRuleIsRefusedUnlessAllIsExplicit() throws Exception {
        assertThatThrownBy(() -> policy(0, 0, 0, 0, 0, 0, null))
                .hasMessageContaining("without a keep rule").hasMessageContaining("--all");
        assertThatThrownBy(() -> new RetentionPolicy(1, 0, 0, 0, 0, 0, null, true)).hasMessageContaining("--all");
        backup("db", "2026-03-25T00:00:00Z");
        Forget.Result all = forget(new RetentionPolicy(0, 0, 0, 0, 0, 0, null, true), false);
        assertThat(all.forgotten()).isEqualTo(1);
        assertThat(repo.listBackupIds()).isEmpty();
    }

    @Test
    void aBackupWhoseHeaderCannotBeReadIsKeptAndReported() throws Exception {
        String bad = backup("db", "2026-01-01T00:00:00Z");
        backup("db", "2026-03-01T00:00:00Z");
        store.replace(RepositoryLayout.manifestKey(bad), "garbage".getBytes());
        Forget.Result r = forget(RetentionPolicy.keepLast(1), false);
        assertThat(r.unreadable()).containsOnlyKeys(bad);
        assertThat(r.forgotten()).isZero();
        assertThat(store.keys()).contains(RepositoryLayout.manifestKey(bad));
    }
}
