package dev.s3backup.core.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.cache.ResumeJournal;
import dev.s3backup.core.gc.GcProtocol;
import dev.s3backup.core.gc.PushGuard;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.repo.RepositoryLayout;
import dev.s3backup.core.source.Source;
import dev.s3backup.core.store.InMemoryObjectStore;
import dev.s3backup.core.store.Payload;
import dev.s3backup.manifest.ChunkRef;
import dev.s3backup.manifest.Sha256;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lease and journal of a push end on every path: errors, signals, and a signal during the commit. */
class CommitStageTest {
    @TempDir
    Path dir;
    private final InMemoryObjectStore store = new InMemoryObjectStore();
    private Repository repo;

    @BeforeEach
    void setUp() {
        Repository.init(store, 64 << 10).close();
        repo = Repository.open(store);
        Fixtures.write(dir.resolve("src/000001.sst"), Fixtures.randomBytes(100_000, 1));
    }

    private List<String> leases() {
        return store.keys().stream().filter(k -> k.startsWith(GcProtocol.LEASES)).toList();
    }

    @Test
    void anErrorWhileReadingTheParentStillEndsTheLease() {
        Fixtures.push(store, Fixtures.node("n1", dir.resolve("src")));
        Repository failing = Repository.open(new DelegatingStore(store) {
            @Override
            public InputStream get(String key) {
                if (key.startsWith(RepositoryLayout.MANIFESTS)) {
                    throw new OutOfMemoryError("injected while reading the parent");
                }
                return delegate.get(key);
            }
        });
        assertThatThrownBy(() -> new Push(failing, Fixtures.options(), Fixtures.tickingClock(), new PushProgress())
                .run(List.of(Fixtures.node("n1", dir.resolve("src"))))).isInstanceOf(OutOfMemoryError.class);
        assertThat(leases()).as("the lease is not left to expire").isEmpty();
    }

    @Test
    void aSignalEndsTheLeaseKeepsTheJournalAndPreventsTheCommit() throws Exception {
        Path journalFile = ResumeJournal.fileFor(dir.resolve("local"), "r");
        ResumeJournal journal = ResumeJournal.open(journalFile, "r", w -> { });
        CommitStage stage = CommitStage.open(repo, PushGuard.leases(), journal, null);
        Sha256 h = Sha256.digest(new byte[] {1}, 0, 1);
        journal.record(h, 1);
        journal.record(Sha256.digest(new byte[] {2}, 0, 1), 1);
        assertThat(leases()).hasSize(1);

        assertThat(stage.interrupt()).isEqualTo("interrupted: lease released; the next push resumes from 2 stored chunk(s)");
        assertThat(leases()).isEmpty();
        assertThat(ResumeJournal.open(journalFile, "r", w -> { }).previous()).extracting(ChunkRef::hash).contains(h);
        Path manifest = Files.writeString(dir.resolve("m"), "not read");
        assertThatThrownBy(() -> stage.commit("20260101T000000.000Z-00000001", manifest, null, List::of))
                .isInstanceOf(BackupException.class).hasMessageContaining("interrupted");
        assertThat(stage.interrupt()).as("once").isNull();
        stage.close();
    }

    @Test
    void aSignalDuringTheCommitWaitsForItAndLeavesTheBackup() throws Exception {
        CountDownLatch committing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Repository slow = Repository.open(new DelegatingStore(store) {
            @Override
            public PutOutcome putIfAbsent(String key, Payload payload) {
                if (key.startsWith(RepositoryLayout.MANIFESTS)) {
                    committing.countDown();
                    await(release);
                }
                return delegate.putIfAbsent(key, payload);
            }
        });
        Push push = new Push(slow, Fixtures.options(), Fixtures.tickingClock(), new PushProgress());
        CompletableFuture<PushResult> running = CompletableFuture.supplyAsync(
                () -> push.run(List.of(Source.parse("n1=" + dir.resolve("src")))));
        assertThat(committing.await(20, TimeUnit.SECONDS)).isTrue();
        // The hook of a SIGINT now: it must not remove the pending manifest under the commit.
        CommitStage stage = stageOf(push);
        CompletableFuture<String> hook = CompletableFuture.supplyAsync(stage::interrupt);
        Thread.sleep(200);
        assertThat(hook).as("waits for the commit in flight").isNotDone();
        assertThat(store.keys()).anyMatch(k -> k.startsWith(GcProtocol.PENDING));
        release.countDown();
        PushResult r = running.get(20, TimeUnit.SECONDS);
        String said = hook.get(20, TimeUnit.SECONDS);
        if (said != null) { // the hook came before the push's own close
            assertThat(said).isEqualTo("interrupted after the commit: backup " + r.backupId() + " was committed; lease released");
        }
        assertThat(repo.listBackupIds()).containsExactly(r.backupId());
        assertThat(leases()).isEmpty();
    }

    /** The model test's seed 2028 (28 of 114 SIGINTs): the hook waited for the commit, said nothing, and the JVM halted. */
    @Test
    void aSignalAfterTheCommitStillReleasesTheLeaseAndSaysTheBackupIsCommitted() throws Exception {
        Path journalFile = ResumeJournal.fileFor(dir.resolve("local"), "r");
        CommitStage stage = CommitStage.open(repo, PushGuard.leases(), ResumeJournal.open(journalFile, "r", w -> { }), null);
        String id = "20260101T000000.000Z-00000001";
        Path manifest = dir.resolve("m");
        Fixtures.push(store, Fixtures.node("n1", dir.resolve("src")));
        try (InputStream in = store.get(RepositoryLayout.manifestKey(repo.listBackupIds().get(0)))) {
            Files.write(manifest, in.readAllBytes());
        }
        stage.commit(id, manifest, null, List::of);
        assertThat(store.keys()).anyMatch(k -> k.startsWith(GcProtocol.LEASES));

        // The hook runs now and the JVM halts when it returns: the push's own close never comes.
        assertThat(stage.interrupt()).isEqualTo("interrupted after the commit: backup " + id + " was committed; lease released");
        assertThat(store.keys()).noneMatch(k -> k.startsWith(GcProtocol.LEASES) || k.startsWith(GcProtocol.PENDING));
        assertThat(repo.listBackupIds()).contains(id);
        stage.close();
    }

    /** The model test's seed 2028 (6 sequences): a SIGINT while the lease was written left it, the hook did not exist yet. */
    @Test
    void aSignalWhileTheLeaseIsWrittenWaitsForItAndRemovesIt() throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Repository slow = Repository.open(new DelegatingStore(store) {
            @Override
            public PutOutcome putIfAbsent(String key, Payload payload) {
                if (key.startsWith(GcProtocol.LEASES)) {
                    writing.countDown();
                    await(release);
                }
                return delegate.putIfAbsent(key, payload);
            }
        });
        Push push = new Push(slow, Fixtures.options(), Fixtures.tickingClock(), new PushProgress());
        CompletableFuture<PushResult> running = CompletableFuture.supplyAsync(
                () -> push.run(List.of(Source.parse("n1=" + dir.resolve("src")))));
        assertThat(writing.await(20, TimeUnit.SECONDS)).isTrue();
        CommitStage stage = push.stage();
        assertThat(stage).as("the hook exists while the lease is written").isNotNull();
        CompletableFuture<String> hook = CompletableFuture.supplyAsync(stage::interrupt);
        Thread.sleep(200);
        assertThat(hook).as("waits for the lease").isNotDone();
        release.countDown();
        assertThat(hook.get(20, TimeUnit.SECONDS)).startsWith("interrupted: lease released");
        assertThatThrownBy(() -> running.get(20, TimeUnit.SECONDS)).hasMessageContaining("interrupted");
        assertThat(leases()).isEmpty();
        assertThat(repo.listBackupIds()).isEmpty();
    }

    /** The model test's interrupted library pushes: the S3 SDK refuses an interrupted thread's requests. */
    @Test
    void aPushStoppedByThreadInterruptRemovesItsLeaseAndKeepsTheFlag() {
        DelegatingStore refusingInterrupted = new DelegatingStore(store) {
            @Override
            public dev.s3backup.core.store.DeleteResult delete(java.util.Collection<String> keys) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new dev.s3backup.core.store.StoreException(dev.s3backup.core.store.StoreException.Kind.IO,
                            "Thread was interrupted");
                }
                return delegate.delete(keys);
            }
        };
        CommitStage stage = CommitStage.open(Repository.open(refusingInterrupted), PushGuard.leases(),
                ResumeJournal.disabled(), null);
        assertThat(leases()).hasSize(1);
        Thread.currentThread().interrupt();
        try {
            stage.close();
            assertThat(Thread.currentThread().isInterrupted()).as("the flag is set again").isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(leases()).isEmpty();
        assertThat(stage.leftBehind()).isNull();
    }

    /** The model test's seed 2028, sequence 50 (S3Proxy): the interrupt came while the lease was being removed. */
    @Test
    void anInterruptDuringTheLeasesRemovalIsRetriedWithoutTheFlag() {
        java.util.concurrent.atomic.AtomicInteger deletes = new java.util.concurrent.atomic.AtomicInteger();
        DelegatingStore interruptedOnce = new DelegatingStore(store) {
            @Override
            public dev.s3backup.core.store.DeleteResult delete(java.util.Collection<String> keys) {
                if (deletes.incrementAndGet() == 1) {
                    Thread.currentThread().interrupt(); // what the SDK sees: an interrupt mid-request
                }
                if (Thread.interrupted()) {
                    throw new dev.s3backup.core.store.StoreException(dev.s3backup.core.store.StoreException.Kind.IO,
                            "Cannot delete: Thread was interrupted");
                }
                return delegate.delete(keys);
            }
        };
        CommitStage stage = CommitStage.open(Repository.open(interruptedOnce), PushGuard.leases(),
                ResumeJournal.disabled(), null);
        try {
            stage.close();
            assertThat(Thread.currentThread().isInterrupted()).as("the interrupt is kept").isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(leases()).isEmpty();
        assertThat(deletes).hasValue(2);
    }

    private static CommitStage stageOf(Push push) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            CommitStage s = push.stage();
            if (s != null) {
                return s;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no stage");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Seen on Ceph RGW with a policy that did not allow it: the lease stayed, gc waited an hour, nobody knew. */
    @Test
    void aLeaseThatCannotBeRemovedIsAWarningOfThePushNotASilence() {
        DelegatingStore denying = new DelegatingStore(store) {
            @Override
            public dev.s3backup.core.store.DeleteResult delete(java.util.Collection<String> keys) {
                java.util.Map<String, String> failed = new java.util.TreeMap<>();
                keys.forEach(k -> failed.put(k, "AccessDenied: AccessDenied"));
                return new dev.s3backup.core.store.DeleteResult(0, failed);
            }
        };
        PushResult r = Fixtures.push(denying, Fixtures.node("n1", dir.resolve("src")));
        assertThat(r.warnings()).anySatisfy(w -> assertThat(w).contains("could not remove", GcProtocol.LEASES,
                "AccessDenied", "until its lease expires"));
        assertThat(leases()).hasSize(1);
    }
}
