package dev.s3backup.core.gc;

import static dev.s3backup.core.gc.GcFixtures.putChunk;
import static dev.s3backup.core.gc.GcFixtures.repo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.repo.RepositoryLayout;
import dev.s3backup.core.store.InMemoryObjectStore;
import dev.s3backup.core.store.Payload;
import dev.s3backup.manifest.Sha256;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The push's side of the protocol on its own: lease, pending manifest, intent check, limits. */
class PushGuardTest {
    @TempDir
    Path tmp;
    private final GcFixtures.MutableClock clock = new GcFixtures.MutableClock(Instant.parse("2026-03-01T00:00:00Z"));
    private final InMemoryObjectStore store = new InMemoryObjectStore(clock);

    private void intent(String run, Sha256... chunks) {
        store.putIfAbsent(GcProtocol.INTENTS + run + "-000000", Payload.of(GcProtocol.encodeIntent(List.of(chunks))));
    }

    @Test
    void aPushWritesALeaseAndAPendingManifestAndRemovesBoth() throws Exception {
        Sha256 c = putChunk(store, "c");
        PushGuard.Session s = PushGuard.leases().begin(repo(store));
        assertThat(store.keys()).anyMatch(k -> k.startsWith(GcProtocol.LEASES));
        String id = GcFixtures.id(clock.instant(), 1);
        Path manifest = GcFixtures.manifestFile(tmp, id, List.of(c));
        s.beforeCommit(id, manifest);
        String pending = store.keys().stream().filter(k -> k.startsWith(GcProtocol.PENDING)).findFirst().orElseThrow();
        assertThat(pending).endsWith("/" + id);
        assertThat(store.content(pending)).isEqualTo(Files.readAllBytes(manifest));
        s.afterCommit(id);
        s.close();
        assertThat(store.keys()).noneMatch(k -> k.startsWith(GcProtocol.LEASES) || k.startsWith(GcProtocol.PENDING));
    }

    @Test
    void intentsFromLongBeforeThePushAreIgnoredRecentOnesAreNot() throws Exception {
        Sha256 c = putChunk(store, "c");
        intent("20260101T000000.000Z-00000001", c);
        clock.advance(Duration.ofHours(1));
        PushGuard.Session s = PushGuard.leases().begin(repo(store));
        String id = GcFixtures.id(clock.instant(), 1);
        s.beforeCommit(id, GcFixtures.manifestFile(tmp, id, List.of(c)));
        s.close();

        clock.advance(Duration.ofMinutes(5));
        PushGuard.Session t = PushGuard.leases().begin(repo(store));
        clock.advance(Duration.ofMinutes(1));
        intent("20260101T000000.000Z-00000002", c);
        String id2 = GcFixtures.id(clock.instant(), 2);
        Path m2 = GcFixtures.manifestFile(tmp, id2, List.of(c));
        assertThatThrownBy(() -> t.beforeCommit(id2, m2)).isInstanceOf(BackupException.class)
                .hasMessageContaining("gc/intents/20260101T000000.000Z-00000002");
        t.close();
    }

    @Test
    void aChunkUploadedAgainAfterTheIntentsDeletesIsAccepted() throws Exception {
        PushGuard.Session s = PushGuard.leases().begin(repo(store));
        Sha256 c = GcFixtures.putChunk(store, "c");
        intent("20260101T000000.000Z-00000003", c);
        store.remove(RepositoryLayout.chunkKey(c)); // what gc did
        clock.advance(Duration.ofMinutes(30));
        putChunk(store, "c"); // uploaded again, long after the intent's deletes
        String id = GcFixtures.id(clock.instant(), 3);
        s.beforeCommit(id, GcFixtures.manifestFile(tmp, id, List.of(c)));
        s.close();
    }

    @Test
    void aPushOlderThanTheMaximumAgeByTheStoresClockDoesNotCommit() throws Exception {
        PushGuard.Session s = PushGuard.leases().begin(repo(store));
        // The host is suspended for 8 days: its monotonic clock stands still, the store's does not.
        clock.advance(Duration.ofDays(8));
        String id = GcFixtures.id(clock.instant(), 4);
        Path m = GcFixtures.manifestFile(tmp, id, List.of(putChunk(store, "c")));
        assertThatThrownBy(() -> s.beforeCommit(id, m)).hasMessageContaining("longer than")
                .hasMessageContaining("(store time)").hasMessageContaining("nothing was committed");
        s.close();
    }

    @Test
    void aPushSuspendedAfterItsPendingManifestChecksAgainAndWithdrawsABrokenCommit() throws Exception {
        Sha256 c = putChunk(store, "c");
        PushGuard.Session s = PushGuard.leases().begin(repo(store));
        String id = GcFixtures.id(clock.instant(), 5);
        Path m = GcFixtures.manifestFile(tmp, id, List.of(c));
        s.beforeCommit(id, m);
        // The host sleeps two days between the pending manifest and the commit (no local time
        // passes); gc took the pending manifest for abandoned and deleted the chunk meanwhile.
        clock.advance(Duration.ofDays(2));
        intent("20260101T000000.000Z-00000005", c);
        store.remove(RepositoryLayout.chunkKey(c));
        store.putIfAbsent(RepositoryLayout.manifestKey(id), Payload.ofFile(m, null));
        assertThatThrownBy(() -> s.afterCommit(id)).hasMessageContaining("concurrent gc");
        assertThat(store.content(RepositoryLayout.manifestKey(id))).as("the broken commit is withdrawn").isNull();
        s.close();
    }

    /** The model test's interrupted library pushes: the lease's PUT landed, its answer was lost to the interrupt. */
    @Test
    void aLeaseWhoseWriteFailedAfterItLandedIsRemoved() {
        dev.s3backup.core.store.ObjectStore losing = new dev.s3backup.core.push.DelegatingStore(store) {
            @Override
            public PutOutcome putIfAbsent(String key, Payload payload) {
                PutOutcome outcome = delegate.putIfAbsent(key, payload);
                if (!key.startsWith(GcProtocol.LEASES)) {
                    return outcome;
                }
                throw new dev.s3backup.core.store.StoreException(dev.s3backup.core.store.StoreException.Kind.IO,
                        "Cannot write " + key + ": ClosedByInterruptException");
            }
        };
        repo(store).close();
        dev.s3backup.core.repo.Repository repository = dev.s3backup.core.repo.Repository.open(losing);
        assertThatThrownBy(() -> PushGuard.leases().begin(repository)).hasMessageContaining("ClosedByInterruptException");
        assertThat(store.keys()).noneMatch(k -> k.startsWith(GcProtocol.LEASES));
    }

    @Test
    void aQuickCommitIsNotCheckedTwice() throws Exception {
        Sha256 c = putChunk(store, "c");
        PushGuard.Session s = PushGuard.leases().begin(repo(store));
        String id = GcFixtures.id(clock.instant(), 6);
        Path m = GcFixtures.manifestFile(tmp, id, List.of(c));
        s.beforeCommit(id, m);
        store.putIfAbsent(RepositoryLayout.manifestKey(id), Payload.ofFile(m, null));
        store.resetRequests();
        s.afterCommit(id);
        assertThat(store.requests(InMemoryObjectStore.Op.HEAD)).as("the commit's time, the pending manifest still there")
                .isEqualTo(PushGuard.HEADS_PER_PUSH);
        assertThat(store.requests(InMemoryObjectStore.Op.LIST)).as("no second look at the intents").isZero();
        s.close();
    }
}
