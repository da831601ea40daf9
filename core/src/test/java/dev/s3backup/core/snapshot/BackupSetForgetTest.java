package dev.s3backup.core.snapshot;

import dev.s3backup.core.gc.GcFixtures;
import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.core.gc.GarbageCollector;
import dev.s3backup.core.gc.GcOptions;
import dev.s3backup.core.gc.GcResult;
import dev.s3backup.core.push.DelegatingStore;
import dev.s3backup.core.push.Fixtures;
import dev.s3backup.core.push.Push;
import dev.s3backup.core.push.PushProgress;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.repo.RepositoryLayout;
import dev.s3backup.core.retention.Forget;
import dev.s3backup.core.retention.RetentionPolicy;
import dev.s3backup.core.store.InMemoryObjectStore;
import dev.s3backup.core.store.ObjectInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A backup set that was committed stays committed or forgotten: nothing brings a forgotten one back. */
class BackupSetForgetTest {
    private static final RetentionPolicy ALL = new RetentionPolicy(0, 0, 0, 0, 0, 0, null, true);

    @TempDir
    Path tmp;
    private final GcFixtures.MutableClock clock = new GcFixtures.MutableClock(Instant.parse("2026-03-01T00:00:00Z"));
    private final InMemoryObjectStore store = new InMemoryObjectStore(clock);
    private Repository repo;

    @BeforeEach
    void setUp() {
        Repository.init(store, 64 << 10).close();
        repo = Repository.open(store);
        for (String node : List.of("a", "b")) {
            Fixtures.write(tmp.resolve("src-" + node).resolve("000001.sst"), Fixtures.randomBytes(200_000, node.hashCode()));
        }
    }

    private void pushPart(String node) {
        Repository part = BackupSet.partRepository(repo, "s1", node, List.of("a", "b"));
        new Push(part, Fixtures.options(), clock, new PushProgress())
                .run(List.of(Fixtures.node(node, tmp.resolve("src-" + node))));
    }

    private GcResult gc() {
        GcOptions o = GcOptions.defaults();
        return new GarbageCollector(repo, new GcOptions(Duration.ofHours(1), false, o.intentSize(), o.timing(), tmp),
                clock).run();
    }

    private BackupSet.Status status() {
        return BackupSet.list(repo).stream().filter(s -> s.setId().equals("s1")).findFirst().orElse(null);
    }

    @Test
    void aForgottenSetIsNeverCommittedAgainAfterGcDeletedItsChunks() {
        pushPart("a");
        pushPart("b");
        BackupSet.Status done = BackupSet.tryComplete(repo, "s1", tmp);
        assertThat(done.complete()).isTrue();

        Forget.Result forgot = new Forget(repo, ALL, clock).run(false);
        assertThat(forgot.forgotten()).isEqualTo(1);
        BackupSet.Status after = status();
        // Not "incomplete, waiting for []": the set was committed and is now forgotten.
        assertThat(after == null || after.state() == BackupSet.State.FORGOTTEN).as(String.valueOf(after)).isTrue();
        assertThat(store.keys()).as("the parts no longer hold anything")
                .noneMatch(k -> k.startsWith("sets/s1/parts/"));

        clock.advance(Duration.ofDays(2));
        GcResult swept = gc();
        assertThat(swept.deleted()).isPositive();

        BackupSet.Status again = BackupSet.tryComplete(repo, "s1", tmp);
        assertThat(again.complete()).isFalse();
        assertThat(repo.listBackupIds()).isEmpty();
        assertThat(store.keys()).noneMatch(k -> k.startsWith(RepositoryLayout.MANIFESTS));
    }

    @Test
    void aSetWhoseManifestWasDeletedBeforeItsPartsIsForgottenNotCompletable() {
        pushPart("a");
        pushPart("b");
        BackupSet.Status done = BackupSet.tryComplete(repo, "s1", tmp);
        // A forget that stopped after deleting the manifest (crash, lost connection): the parts are still there.
        store.remove(RepositoryLayout.manifestKey(done.backupId()));

        BackupSet.Status listed = status();
        assertThat(listed.state()).isEqualTo(BackupSet.State.FORGOTTEN);
        assertThat(listed.complete()).isFalse();
        assertThat(listed.backupId()).isEqualTo(done.backupId());

        BackupSet.Status again = BackupSet.tryComplete(repo, "s1", tmp);
        assertThat(again.state()).isEqualTo(BackupSet.State.FORGOTTEN);
        assertThat(store.content(RepositoryLayout.manifestKey(done.backupId()))).as("not committed again").isNull();

        // gc agrees: the parts of a committed set protect nothing, so its chunks are garbage.
        clock.advance(Duration.ofDays(2));
        assertThat(gc().deleted()).isPositive();
        // and the next forget finishes removing the set's state
        new Forget(repo, ALL, clock).run(false);
        assertThat(store.keys()).noneMatch(k -> k.startsWith("sets/s1/parts/"));
    }

    @Test
    void aCompletionThatRacedAnotherHostsCompletionAForgetAndAGcDoesNotCommit() {
        pushPart("a");
        pushPart("b");
        clock.advance(Duration.ofDays(2));
        // This host finds the set not yet committed; before it writes the manifest, another host
        // completes the set, forget removes the backup and gc deletes its chunks: the intent
        // check stops this host's commit.
        Repository slow = Repository.open(new DelegatingStore(store) {
            private boolean interfered;

            @Override
            public Optional<ObjectInfo> head(String key) {
                Optional<ObjectInfo> answer = delegate.head(key);
                if (key.equals("sets/s1/complete") && !interfered) {
                    interfered = true;
                    BackupSet.Status other = BackupSet.tryComplete(repo, "s1", tmp);
                    assertThat(other.complete()).isTrue();
                    // a forget that deleted the manifest and stopped: the parts are still there to read
                    store.remove(RepositoryLayout.manifestKey(other.backupId()));
                    assertThat(gc().deleted()).isPositive();
                }
                return answer;
            }
        });
        BackupSet.Status late = BackupSet.tryComplete(slow, "s1", tmp);
        assertThat(late.state()).isEqualTo(BackupSet.State.FORGOTTEN);
        assertThat(repo.listBackupIds()).isEmpty();
    }

    @Test
    void anIncompleteSetsPartsAreProtectedByGcAndCompletableLater() {
        pushPart("a");
        clock.advance(Duration.ofDays(2));
        new Forget(repo, ALL, clock).run(false);
        assertThat(gc().deleted()).isZero();
        assertThat(status().state()).isEqualTo(BackupSet.State.INCOMPLETE);
        pushPart("b");
        BackupSet.Status done = BackupSet.tryComplete(repo, "s1", tmp);
        assertThat(done.state()).isEqualTo(BackupSet.State.COMPLETE);
        assertThat(Fixtures.restore(store, done.backupId(), tmp.resolve("restored")).complete()).isTrue();
    }
}
