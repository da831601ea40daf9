package dev.s3backup.core.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3backup.core.repo.ObjectLockSettings;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.repo.RepositoryLayout;
import dev.s3backup.core.retention.Forget;
import dev.s3backup.core.retention.RetentionPolicy;
import dev.s3backup.core.source.Source;
import dev.s3backup.core.store.FileObjectStore;
import dev.s3backup.core.store.InMemoryObjectStore;
import dev.s3backup.core.store.Payload;
import dev.s3backup.core.store.Retention;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Object Lock in push and forget on the in-memory store, which enforces retention by its clock.
 * The same flows run against a real enforcing server (moto) in s3-sink's ObjectLockMotoTest.
 */
class PushObjectLockTest {
    private static final Instant T = Instant.parse("2026-11-01T00:00:00Z");
    private static final ObjectLockSettings LOCK = new ObjectLockSettings(Retention.Mode.GOVERNANCE, 10, 5);

    @TempDir
    Path tmp;

    @Test
    void reusedChunksAreExtendedOnlyWhenTheParentsPromiseFallsShort() throws Exception {
        InMemoryObjectStore store = new InMemoryObjectStore(Clock.fixed(T, ZoneOffset.UTC));
        Repository.init(store, 64 << 10, LOCK);
        Path src = Files.createDirectories(tmp.resolve("src"));
        Fixtures.write(src.resolve("a.bin"), Fixtures.randomBytes(300_000, 1));

        PushResult first = push(store, T, src);
        assertThat(first.lockedUntil()).isEqualTo(T.plus(Duration.ofDays(10)));
        assertThat(first.chunksLockExtended()).isZero();
        for (String key : Fixtures.keys(store, RepositoryLayout.CHUNKS)) {
            assertThat(store.head(key).orElseThrow().retainUntil()).as(key).isEqualTo(T.plus(Duration.ofDays(15)));
        }
        assertThat(store.head(RepositoryLayout.manifestKey(first.backupId())).orElseThrow().retainUntil())
                .isEqualTo(T.plus(Duration.ofDays(10)));
        int chunks = Fixtures.keys(store, RepositoryLayout.CHUNKS).size();

        store.resetRequests();
        PushResult within = push(store, T.plus(Duration.ofDays(5)), src);
        assertThat(within.chunksLockExtended()).as("day 5 + 10 <= day 15: the parent's promise covers it").isZero();
        assertThat(store.requests(InMemoryObjectStore.Op.RETENTION)).isZero();

        store.resetRequests();
        PushResult after = push(store, T.plus(Duration.ofDays(6)), src);
        assertThat(after.chunksLockExtended()).as("day 6 + 10 > day 15: every reused chunk once").isEqualTo(chunks);
        assertThat(store.requests(InMemoryObjectStore.Op.RETENTION)).as("and the config").isEqualTo(chunks + 1);
        for (String key : Fixtures.keys(store, RepositoryLayout.CHUNKS)) {
            assertThat(store.head(key).orElseThrow().retainUntil()).as(key).isEqualTo(T.plus(Duration.ofDays(21)));
        }

        store.resetRequests();
        PushResult next = push(store, T.plus(Duration.ofDays(7)), src);
        assertThat(next.chunksLockExtended()).isZero();
        assertThat(store.requests(InMemoryObjectStore.Op.RETENTION)).isZero();
    }

    @Test
    void aChunkFoundAlreadyStoredButNotInTheParentIsExtended() throws Exception {
        InMemoryObjectStore store = new InMemoryObjectStore(Clock.fixed(T, ZoneOffset.UTC));
        Repository.init(store, 64 << 10, LOCK);
        byte[] content = Fixtures.randomBytes(1000, 9);
        Path src = Fixtures.write(Files.createDirectories(tmp.resolve("src")).resolve("f.bin"), content);
        // Left behind, unlocked, by a push that never committed.
        dev.s3backup.manifest.Sha256 hash = dev.s3backup.manifest.Sha256.digest(content, 0, content.length);
        store.putIfAbsent(RepositoryLayout.chunkKey(hash), Payload.of(content));

        PushResult r = new Push(Repository.open(store), Fixtures.options(), Clock.fixed(T, ZoneOffset.UTC), new PushProgress())
                .packSmallFilesBelow(0).run(List.of(new Source("n", src.getParent(), false)));

        assertThat(r.chunksLockExtended()).isEqualTo(1);
        assertThat(store.head(RepositoryLayout.chunkKey(hash)).orElseThrow().retainUntil()).isEqualTo(T.plus(Duration.ofDays(15)));
    }

    @Test
    void forgetKeepsLockedBackupsNamingTheDateAndForgetsTheRest() throws Exception {
        MutableClock clock = new MutableClock(T);
        InMemoryObjectStore store = new InMemoryObjectStore(clock);
        Repository.init(store, 64 << 10, LOCK);
        Path src = Files.createDirectories(tmp.resolve("src"));
        Fixtures.write(src.resolve("a.bin"), Fixtures.randomBytes(1000, 1));
        PushResult old = push(store, T, src);
        PushResult middle = push(store, T.plus(Duration.ofDays(9)), src);
        PushResult latest = push(store, T.plus(Duration.ofDays(11)), src);
        clock.now = T.plus(Duration.ofDays(12));

        Forget.Result dry = new Forget(Repository.open(store), RetentionPolicy.keepLast(1), clock).run(true);
        assertThat(dry.locked()).containsOnlyKeys(middle.backupId());
        assertThat(dry.removed()).extracting(Forget.Decision::id).containsExactly(old.backupId());

        Forget.Result r = new Forget(Repository.open(store), RetentionPolicy.keepLast(1), clock).run(false);

        assertThat(r.forgotten()).isEqualTo(1);
        assertThat(r.locked()).containsEntry(middle.backupId(), T.plus(Duration.ofDays(19)));
        assertThat(r.decisions()).filteredOn(d -> d.id().equals(middle.backupId())).singleElement()
                .satisfies(d -> assertThat(d.reasons()).containsExactly("locked until " + T.plus(Duration.ofDays(19))));
        assertThat(Repository.open(store).listBackupIds()).containsExactly(middle.backupId(), latest.backupId());
    }

    @Test
    void aFileStoreRefusesRetentionInsteadOfStoringUnprotected() {
        FileObjectStore store = new FileObjectStore(tmp.resolve("repo"));
        assertThatThrownBy(() -> store.putIfAbsent("chunks/x", Payload.of(new byte[] {1})
                .withRetention(new Retention(Retention.Mode.COMPLIANCE, T)))).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("no Object Lock");
        assertThat(Files.exists(tmp.resolve("repo/chunks/x"))).isFalse();
        assertThatThrownBy(() -> store.extendRetention("chunks/x", new Retention(Retention.Mode.COMPLIANCE, T)))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    private static PushResult push(InMemoryObjectStore store, Instant at, Path src) {
        return new Push(Repository.open(store), Fixtures.options(), Clock.fixed(at, ZoneOffset.UTC), new PushProgress())
                .run(List.of(new Source("n", src, false)));
    }

    private static final class MutableClock extends Clock {
        volatile Instant now;

        MutableClock(Instant start) {
            now = start;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
