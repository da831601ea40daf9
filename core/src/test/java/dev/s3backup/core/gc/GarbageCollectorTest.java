package dev.s3backup.core.gc;

import static dev.s3backup.core.gc.GcFixtures.putChunk;
import static dev.s3backup.core.gc.GcFixtures.putManifest;
import static dev.s3backup.core.gc.GcFixtures.repo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.push.DelegatingStore;
import dev.s3backup.core.repo.RepositoryLayout;
import dev.s3backup.core.store.InMemoryObjectStore;
import dev.s3backup.core.store.InMemoryObjectStore.Op;
import dev.s3backup.core.store.ListPage;
import dev.s3backup.core.store.Payload;
import dev.s3backup.core.store.StoreException;
import dev.s3backup.manifest.Sha256;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GarbageCollectorTest {
    private static final Instant T = Instant.parse("2026-03-01T00:00:00Z");
    @TempDir
    Path tmp;
    private final GcFixtures.MutableClock clock = new GcFixtures.MutableClock(T);
    private final InMemoryObjectStore store = new InMemoryObjectStore(clock);

    private GcOptions options() {
        return GcOptions.defaults().withGrace(Duration.ofHours(1))
                .withTiming(GcProtocol.Timing.defaults()).withIntentSize(1000);
    }

    private GcResult gc(GcOptions options) {
        return new GarbageCollector(repo(store), new GcOptions(options.grace(), options.dryRun(), options.intentSize(),
                options.timing(), tmp), clock).run();
    }

    @Test
    void deletesOnlyUnreferencedChunksOlderThanTheGracePeriodByTheStoresClock() {
        Sha256 kept = putChunk(store, "kept");
        Sha256 garbage = putChunk(store, "garbage-1");
        putManifest(store, "db", T, List.of(kept));
        clock.advance(Duration.ofHours(2));
        Sha256 young = putChunk(store, "young garbage");

        GcResult r = gc(options());

        assertThat(r.complete()).isTrue();
        assertThat(r.deleted()).isEqualTo(1);
        assertThat(r.bytesFreed()).isEqualTo("garbage-1".length());
        assertThat(r.storeNow()).isEqualTo(T.plus(Duration.ofHours(2)));
        assertThat(store.content(RepositoryLayout.chunkKey(garbage))).isNull();
        assertThat(store.content(RepositoryLayout.chunkKey(kept))).isNotNull();
        assertThat(store.content(RepositoryLayout.chunkKey(young))).as("inside the grace period").isNotNull();
        assertThat(r.requests().delete()).as("the chunk, then the clean-up (the clock reading)").isEqualTo(2);
        assertThat(r.requests().put()).as("run marker, one intent, one reading of the store's clock before the delete, "
                + "the intent's deletes marked done").isEqualTo(4);
        assertThat(store.keys()).anyMatch(k -> k.startsWith(GcProtocol.INTENTS));
    }

    @Test
    void deletesInBatchesOfAThousandAnnouncedByIntents() {
        for (int i = 0; i < 2500; i++) {
            putChunk(store, "g" + i);
        }
        clock.advance(Duration.ofDays(2));
        GcResult r = gc(options());
        assertThat(r.deleted()).isEqualTo(2500);
        assertThat(r.requests().delete()).as("3 batches of at most 1,000 keys, + cleanup").isBetween(3L, 4L);
        assertThat(store.keys().stream().filter(k -> k.startsWith(GcProtocol.INTENTS))).hasSize(3);
        assertThat(store.keys().stream().filter(k -> k.startsWith(RepositoryLayout.CHUNKS))).isEmpty();
    }

    @Test
    void dryRunDeletesNothingAndLeavesNoMarker() {
        putChunk(store, "garbage");
        clock.advance(Duration.ofDays(2));
        repo(store).close();
        List<String> before = store.keys();
        GcResult r = gc(options().withDryRun(true));
        assertThat(r.candidates()).isEqualTo(1);
        assertThat(r.deleted()).isZero();
        assertThat(store.keys()).isEqualTo(before);
    }

    @Test
    void refusesToSweepWhenAManifestCannotBeReadAndNamesIt() {
        putChunk(store, "garbage");
        String id = putManifest(store, "db", T, List.of(putChunk(store, "x")));
        store.corrupt(RepositoryLayout.manifestKey(id));
        clock.advance(Duration.ofDays(2));

        GcResult r = gc(options());

        assertThat(r.complete()).isFalse();
        assertThat(r.problem()).isEqualTo(BackupException.Reason.INTEGRITY);
        assertThat(r.unreadable()).containsOnlyKeys(RepositoryLayout.manifestKey(id));
        assertThat(r.unreadable().values().iterator().next()).contains("backup " + id);
        assertThat(r.deleted()).isZero();
        assertThat(r.requests().delete()).isZero();
    }

    @Test
    void accessDeniedOnDeleteStopsCleanlyAndAReRunContinues() {
        Sha256 kept = putChunk(store, "kept");
        putManifest(store, "db", T, List.of(kept));
        for (int i = 0; i < 2500; i++) {
            putChunk(store, "g" + i);
        }
        clock.advance(Duration.ofDays(2));
        // the second batch is refused as a whole, as S3 does without s3:DeleteObject
        store.failNext(Op.DELETE, new StoreException(StoreException.Kind.IO, "Cannot delete: server busy"));
        store.failNext(Op.DELETE, new StoreException(StoreException.Kind.ACCESS_DENIED, "Cannot delete s3://b: access denied"));
        GcResult first = gc(options());
        assertThat(first.complete()).isFalse();
        assertThat(first.problem()).isEqualTo(BackupException.Reason.IO);
        assertThat(first.stopped()).contains("server busy");
        assertThat(store.content(RepositoryLayout.chunkKey(kept))).isNotNull();

        GcResult second = gc(options());
        assertThat(second.problem()).isEqualTo(BackupException.Reason.ACCESS_DENIED);
        assertThat(second.stopped()).contains("access denied");

        GcResult third = gc(options());
        assertThat(third.complete()).isTrue();
        assertThat(third.deleted()).isEqualTo(2500);
        assertThat(store.content(RepositoryLayout.chunkKey(kept))).isNotNull();
    }

    @Test
    void perKeyDeleteFailuresAreReportedAndRetriedByTheNextRun() {
        Sha256 a = putChunk(store, "a");
        putChunk(store, "b");
        clock.advance(Duration.ofDays(2));
        store.refuseDelete(RepositoryLayout.chunkKey(a), "AccessDenied: object is locked");
        GcResult r = gc(options());
        assertThat(r.deleted()).isEqualTo(1);
        assertThat(r.failed()).containsOnlyKeys(RepositoryLayout.chunkKey(a));
        assertThat(r.problem()).isEqualTo(BackupException.Reason.ACCESS_DENIED);
        store.clearFailures();
        assertThat(gc(options()).deleted()).isEqualTo(1);
    }

    @Test
    void partsOfAnIncompleteBackupSetAreRoots() {
        Sha256 inPart = putChunk(store, "in part");
        store.putIfAbsent("sets/s1/nodes", Payload.of("a\nb\n".getBytes(StandardCharsets.UTF_8)));
        String id = GcFixtures.id(T, 1);
        store.putIfAbsent("sets/s1/parts/a", Payload.of(GcFixtures.manifest(id, "", T, List.of(inPart))));
        clock.advance(Duration.ofDays(2));
        GcResult r = gc(options());
        assertThat(r.deleted()).isZero();
        assertThat(store.content(RepositoryLayout.chunkKey(inPart))).isNotNull();
    }

    @Test
    void aChunkOfAPendingManifestIsSparedAndAPushThatRacedAnIntentDoesNotCommit() throws Exception {
        Sha256 reused = putChunk(store, "from a forgotten backup");
        Sha256 reused2 = putChunk(store, "another forgotten one");
        clock.advance(Duration.ofDays(2));

        // A push that has written its pending manifest is seen by gc: its chunk survives.
        PushGuard.Session early = PushGuard.leases().begin(repo(store));
        String earlyId = GcFixtures.id(clock.instant(), 7);
        early.beforeCommit(earlyId, GcFixtures.manifestFile(tmp, earlyId, List.of(reused)));
        // A push that relies on a chunk (412) but has not reached its commit is not seen.
        PushGuard.Session late = PushGuard.leases().begin(repo(store));

        GcResult r = gc(options().withGrace(Duration.ZERO));
        assertThat(store.content(RepositoryLayout.chunkKey(reused))).isNotNull();
        assertThat(store.content(RepositoryLayout.chunkKey(reused2))).isNull();
        assertThat(r.deleted()).isEqualTo(1);

        String lateId = GcFixtures.id(clock.instant(), 8);
        Path lateManifest = GcFixtures.manifestFile(tmp, lateId, List.of(reused2));
        assertThatThrownBy(() -> late.beforeCommit(lateId, lateManifest))
                .isInstanceOf(BackupException.class)
                .hasMessageContaining("concurrent gc").hasMessageContaining(reused2.hex())
                .hasMessageContaining("nothing was committed");
        late.close();
        early.close();
        assertThat(store.keys()).noneMatch(k -> k.startsWith(GcProtocol.LEASES) || k.startsWith(GcProtocol.PENDING));
    }

    /**
     * The model test's seed 11 (and the CLI: init, push, forget --all, gc --grace 0, push): the push
     * that uploaded the deleted chunk again was refused for 20 minutes, run again or not.
     */
    @Test
    void aPushThatUploadsAgainAChunkAFinishedGcDeletedCommits() throws Exception {
        Sha256 c = putChunk(store, "forgotten, then pushed again");
        clock.advance(Duration.ofHours(2));
        GcResult r = gc(options().withGrace(Duration.ZERO));
        assertThat(r.deleted()).isEqualTo(1);
        String intent = store.keys().stream().filter(k -> k.startsWith(GcProtocol.INTENTS)).findFirst().orElseThrow();
        assertThat(store.keys()).contains(GcProtocol.deletesDoneKey(intent));

        clock.advance(Duration.ofSeconds(1));
        PushGuard.Session push = PushGuard.leases().begin(repo(store));
        putChunk(store, "forgotten, then pushed again"); // missing, so uploaded again
        String id = GcFixtures.id(clock.instant(), 5);
        Path manifest = GcFixtures.manifestFile(tmp, id, List.of(c));
        push.beforeCommit(id, manifest);
        store.putIfAbsent(RepositoryLayout.manifestKey(id), Payload.ofFile(manifest, null));
        push.afterCommit(id);
        push.close();

        // While the intent's deletes may still run (no mark: the gc stopped or is still deleting),
        // a copy uploaded within the window is not trusted: it may be deleted next.
        store.remove(GcProtocol.deletesDoneKey(intent));
        PushGuard.Session early = PushGuard.leases().begin(repo(store));
        String id2 = GcFixtures.id(clock.instant(), 6);
        Path manifest2 = GcFixtures.manifestFile(tmp, id2, List.of(c));
        assertThatThrownBy(() -> early.beforeCommit(id2, manifest2)).hasMessageContaining("concurrent gc");
        early.close();
    }

    @Test
    void aLiveLeaseSparesChunksUploadedSinceThePushBegan() {
        PushGuard.Session push = PushGuard.leases().begin(repo(store));
        clock.advance(Duration.ofMinutes(30));
        Sha256 uploaded = putChunk(store, "uploaded by the running push");
        clock.advance(Duration.ofMinutes(20));
        GcResult r = gc(options().withGrace(Duration.ofMinutes(10)));
        assertThat(r.liveLeases()).isEqualTo(1);
        assertThat(r.deleted()).isZero();
        assertThat(store.content(RepositoryLayout.chunkKey(uploaded))).isNotNull();
        // The report says what the lease held, and whose it is.
        assertThat(r.heldByLeases()).isEqualTo(1);
        assertThat(r.leases()).singleElement().satisfies(l -> {
            assertThat(l.state()).isEqualTo(GcResult.LeaseState.LIVE);
            assertThat(l.pid()).isEqualTo(ProcessHandle.current().pid());
            assertThat(l.host()).isEqualTo(PushProcess.hostName());
            assertThat(l.age()).isEqualTo(Duration.ofMinutes(50));
            assertThat(l.chunksHeld()).isEqualTo(1);
            assertThat(l.bytesHeld()).isEqualTo("uploaded by the running push".length());
        });
        push.close();

        // Once the lease is gone (or expired), the chunk is ordinary garbage.
        assertThat(gc(options().withGrace(Duration.ofMinutes(10))).deleted()).isEqualTo(1);
    }

    @Test
    void aLeaseOfAPushKnownDeadOnThisHostHoldsNothing() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        // What a push killed by a signal (or one whose hook could not reach the store) leaves behind.
        store.putIfAbsent(GcProtocol.LEASES + "0123456789abcdef/000000", Payload.of(
                new PushProcess(PushProcess.hostName(), gone.pid(), null).encode().getBytes(StandardCharsets.UTF_8)));
        store.putIfAbsent(GcProtocol.LEASES + "fedcba9876543210/000000", Payload.of(
                new PushProcess("another-host", gone.pid(), null).encode().getBytes(StandardCharsets.UTF_8)));
        clock.advance(Duration.ofMinutes(30));
        putChunk(store, "uploaded by the killed push");
        clock.advance(Duration.ofMinutes(20));

        GcResult held = gc(options().withGrace(Duration.ofMinutes(10)));
        assertThat(held.deleted()).as("a lease from another host cannot be checked: it holds").isZero();
        assertThat(held.leases()).extracting(GcResult.Lease::state)
                .containsExactlyInAnyOrder(GcResult.LeaseState.DEAD, GcResult.LeaseState.LIVE);

        store.remove(GcProtocol.LEASES + "fedcba9876543210/000000");
        GcResult r = gc(options().withGrace(Duration.ofMinutes(10)));
        assertThat(r.liveLeases()).isZero();
        assertThat(r.deleted()).isEqualTo(1);
        assertThat(r.leases()).singleElement().satisfies(l -> {
            assertThat(l.state()).isEqualTo(GcResult.LeaseState.DEAD);
            assertThat(l.pid()).isEqualTo(gone.pid());
            assertThat(l.chunksHeld()).isZero();
        });
    }

    /** The model test's seed 2026 (sequences 25, 189): a killed push's pending manifest kept its chunks for a day. */
    @Test
    void thePendingManifestOfAPushKnownDeadOnThisHostProtectsNothing() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        // What a push killed with SIGKILL between its pending manifest and its commit leaves.
        String push = "0123456789abcdef";
        store.putIfAbsent(GcProtocol.LEASES + push + "/000000", Payload.of(
                new PushProcess(PushProcess.hostName(), gone.pid(), null).encode().getBytes(StandardCharsets.UTF_8)));
        Sha256 c = putChunk(store, "uploaded by the killed push");
        String id = GcFixtures.id(clock.instant(), 4);
        store.putIfAbsent(GcProtocol.pendingKey(push, id), Payload.ofFile(GcFixtures.manifestFile(tmp, id, List.of(c)), null));
        clock.advance(Duration.ofMinutes(20));

        GcResult r = gc(options().withGrace(Duration.ZERO));
        assertThat(r.deleted()).isEqualTo(1);
        assertThat(store.content(RepositoryLayout.chunkKey(c))).isNull();
        assertThat(store.keys()).noneMatch(k -> k.startsWith(GcProtocol.PENDING));
    }

    /**
     * A push misjudged dead (its host name shared by a container in another pid namespace) finds
     * its pending manifest gone after its commit, checks the intents again and withdraws the commit.
     */
    @Test
    void aPushWhosePendingManifestGcRemovedChecksTheIntentsAgainAfterItsCommit() throws Exception {
        Sha256 c = putChunk(store, "needed by the misjudged push");
        clock.advance(Duration.ofHours(2));
        PushGuard.Session push = PushGuard.leases().begin(repo(store));
        String id = GcFixtures.id(clock.instant(), 11);
        Path manifest = GcFixtures.manifestFile(tmp, id, List.of(c));
        push.beforeCommit(id, manifest);
        // Such a gc: removes the pending manifest, announces and deletes the chunk, before the commit.
        store.keys().stream().filter(k -> k.startsWith(GcProtocol.PENDING)).toList().forEach(store::remove);
        store.putIfAbsent(GcProtocol.INTENTS + "20260301T020000.000Z-00000001-000000",
                Payload.of(GcProtocol.encodeIntent(List.of(c))));
        store.remove(RepositoryLayout.chunkKey(c));
        store.putIfAbsent(RepositoryLayout.manifestKey(id), Payload.ofFile(manifest, null));

        assertThatThrownBy(() -> push.afterCommit(id)).hasMessageContaining("concurrent gc");
        assertThat(store.content(RepositoryLayout.manifestKey(id))).as("the commit is withdrawn").isNull();
        push.close();
    }

    @Test
    void aGcHostSuspendedBeforeItsDeletesDoesNotDeleteAChunkAPushCommittedMeanwhile() throws Exception {
        Sha256 c = putChunk(store, "reused by a push while gc sleeps");
        clock.advance(Duration.ofDays(2));
        AtomicBoolean slept = new AtomicBoolean();
        DelegatingStore sleepy = new DelegatingStore(store) {
            @Override
            public ListPage list(String prefix, String continuation) {
                ListPage page = delegate.list(prefix, continuation);
                boolean announced = store.keys().stream().anyMatch(k -> k.startsWith(GcProtocol.INTENTS));
                if (prefix.equals(RepositoryLayout.MANIFESTS) && announced && slept.compareAndSet(false, true)) {
                    // gc has looked at the roots after its intent; its host sleeps an hour (its monotonic
                    // clock stands still). A push that starts meanwhile does not read an intent that
                    // old, finds the chunk present (412) and commits.
                    clock.advance(Duration.ofHours(1));
                    commitPush(c);
                }
                return page;
            }
        };
        GcResult r = new GarbageCollector(repo(sleepy), new GcOptions(Duration.ofHours(1), false, 1000,
                GcProtocol.Timing.defaults(), tmp), clock).run();
        assertThat(slept).isTrue();
        assertThat(store.content(RepositoryLayout.chunkKey(c))).as("needed by the committed backup").isNotNull();
        assertThat(r.deleted()).isZero();
        assertThat(r.spared()).isEqualTo(1);
        assertThat(store.keys()).as("the clock readings are removed").noneMatch(k -> k.contains("-clock-"));
    }

    private void commitPush(Sha256 chunk) {
        try {
            PushGuard.Session push = PushGuard.leases().begin(repo(store));
            String id = GcFixtures.id(clock.instant(), 9);
            Path m = GcFixtures.manifestFile(tmp, id, List.of(chunk));
            push.beforeCommit(id, m);
            store.putIfAbsent(RepositoryLayout.manifestKey(id), Payload.ofFile(m, null));
            push.afterCommit(id);
            push.close();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void cleanUpRemovesExpiredLeasesAbandonedPendingManifestsAndOldIntents() throws Exception {
        putChunk(store, "g");
        PushGuard.Session crashed = PushGuard.leases().begin(repo(store));
        String id = GcFixtures.id(clock.instant(), 3);
        crashed.beforeCommit(id, GcFixtures.manifestFile(tmp, id, List.of(putChunk(store, "pending only"))));
        // never closed: the process died
        clock.advance(Duration.ofDays(2));
        GcResult first = gc(options());
        assertThat(first.deleted()).as("the abandoned pending manifest is no longer a root").isEqualTo(2);
        assertThat(store.keys()).noneMatch(k -> k.startsWith(GcProtocol.LEASES) || k.startsWith(GcProtocol.PENDING));
        clock.advance(Duration.ofDays(30));
        gc(options());
        List<String> intents = new ArrayList<>(store.keys().stream().filter(k -> k.startsWith(GcProtocol.INTENTS)).toList());
        assertThat(intents).isEmpty();
    }

    @Test
    void foreignObjectsUnderChunksAreNeverTouched() {
        store.putIfAbsent("chunks/README", Payload.of("not a chunk".getBytes(StandardCharsets.UTF_8)));
        store.putIfAbsent("chunks/ab/cd", Payload.of("not a chunk".getBytes(StandardCharsets.UTF_8)));
        clock.advance(Duration.ofDays(2));
        GcResult r = gc(options());
        assertThat(r.foreign()).isEqualTo(2);
        assertThat(store.keys()).contains("chunks/README", "chunks/ab/cd");
    }

    /** Seen on S3Proxy's filesystem backend: a pending manifest listed before its bytes were written. */
    @Test
    void aRootShownEmptyForAMomentIsReadAgainNotCalledUnreadable() {
        Sha256 needed = putChunk(store, "needed");
        String id = putManifest(store, "db", T, List.of(needed));
        putChunk(store, "garbage");
        clock.advance(Duration.ofDays(2));
        java.util.concurrent.atomic.AtomicInteger emptyReads = new java.util.concurrent.atomic.AtomicInteger();
        dev.s3backup.core.store.ObjectStore inPlace = new dev.s3backup.core.push.DelegatingStore(store) {
            @Override
            public java.io.InputStream get(String key) {
                if (key.equals(RepositoryLayout.manifestKey(id)) && emptyReads.getAndIncrement() == 0) {
                    return new java.io.ByteArrayInputStream(new byte[0]);
                }
                return delegate.get(key);
            }
        };
        GcResult r = new GarbageCollector(repo(inPlace), new GcOptions(Duration.ofHours(1), false, 1000,
                GcProtocol.Timing.defaults(), tmp), clock).run();

        assertThat(r.unreadable()).isEmpty();
        assertThat(r.complete()).isTrue();
        assertThat(r.deleted()).isEqualTo(1);
        assertThat(store.keys()).contains(RepositoryLayout.chunkKey(needed));
        assertThat(emptyReads.get()).isGreaterThanOrEqualTo(2);
    }
}
