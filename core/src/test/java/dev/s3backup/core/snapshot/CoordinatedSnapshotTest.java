package dev.s3backup.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.core.push.Fixtures;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.store.InMemoryObjectStore;
import dev.s3backup.manifest.ManifestReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CoordinatedSnapshotTest {
    @TempDir
    Path dir;
    Path node1;
    Path node2;
    final List<String> events = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void setUp() throws IOException {
        node1 = dir.resolve("data1");
        node2 = dir.resolve("data2");
        for (Path n : List.of(node1, node2)) {
            Files.createDirectories(n.resolve("sub"));
            Files.write(n.resolve("000001.sst"), Fixtures.randomBytes(10_000, 1));
            Files.write(n.resolve("000002.ldb"), Fixtures.randomBytes(5_000, 2));
            Files.write(n.resolve("sub/000003.sst"), Fixtures.randomBytes(3_000, 3));
            Files.writeString(n.resolve("CURRENT"), "MANIFEST-000004\n");
            Files.writeString(n.resolve("MANIFEST-000004"), "manifest");
            Files.writeString(n.resolve("000005.log"), "wal");
        }
    }

    private Quiescer recording(String token) {
        return Quiescer.of(() -> events.add("freeze " + token), () -> events.add("thaw " + token));
    }

    private Snapshot take(SnapshotOptions options, SnapshotNode... nodes) {
        return new CoordinatedSnapshot(List.of(nodes), List.of(), options, Clock.systemUTC()).take();
    }

    @Test
    void hardLinksImmutableFilesCopiesTheRestAndThawsEveryNode() throws IOException {
        Snapshot s = take(SnapshotOptions.defaults(), SnapshotNode.hardLinked("n1", node1, recording("n1")),
                SnapshotNode.hardLinked("n2", node2, recording("n2")));

        assertThat(events).containsExactlyInAnyOrder("freeze n1", "freeze n2", "thaw n1", "thaw n2");
        assertThat(events.subList(0, 2)).allMatch(e -> e.startsWith("freeze"));
        Path snap = dir.resolve("data1" + SnapshotOptions.SNAPSHOT_SUFFIX);
        assertThat(s.nodes().get(0).snapshotDir()).isEqualTo(snap);
        for (String sst : List.of("000001.sst", "000002.ldb", "sub/000003.sst")) {
            assertThat(Files.isSameFile(snap.resolve(sst), node1.resolve(sst))).as(sst).isTrue();
        }
        for (String mutable : List.of("CURRENT", "MANIFEST-000004", "000005.log")) {
            assertThat(Files.isSameFile(snap.resolve(mutable), node1.resolve(mutable))).as(mutable).isFalse();
            assertThat(snap.resolve(mutable)).hasSameBinaryContentAs(node1.resolve(mutable));
        }
        assertThat(s.filesLinked()).isEqualTo(6);
        assertThat(s.filesCopied()).isEqualTo(6);
        assertThat(s.pause()).isPositive().isGreaterThanOrEqualTo(s.capture());
        assertThat(s.properties()).containsKeys("snapshot.pauseMillis", "snapshot.freezeMillis",
                "snapshot.captureMillis", "snapshot.thawMillis", "snapshot.startedAt");
        assertThat(s.sources()).extracting(src -> src.token()).containsExactly("n1", "n2");

        s.delete();
        assertThat(snap).doesNotExist();
        assertThat(node1.resolve("000001.sst")).exists();
    }

    @Test
    void configurablePatternsDecideWhatIsLinked() throws IOException {
        Snapshot s = take(SnapshotOptions.defaults().withImmutablePatterns(List.of("*.ldb", "MANIFEST-*")),
                SnapshotNode.hardLinked("n1", node1, Quiescer.none()));
        Path snap = s.nodes().get(0).snapshotDir();
        assertThat(Files.isSameFile(snap.resolve("000002.ldb"), node1.resolve("000002.ldb"))).isTrue();
        assertThat(Files.isSameFile(snap.resolve("MANIFEST-000004"), node1.resolve("MANIFEST-000004"))).isTrue();
        assertThat(Files.isSameFile(snap.resolve("000001.sst"), node1.resolve("000001.sst"))).isFalse();
    }

    @Test
    void aFailingFreezeThawsEveryNodeAndLeavesNoSnapshot() {
        Quiescer failing = Quiescer.of(() -> {
            events.add("freeze n2");
            throw new IOException("store refused to pause");
        }, () -> events.add("thaw n2"));
        assertThatThrownBy(() -> take(SnapshotOptions.defaults(), SnapshotNode.hardLinked("n1", node1, recording("n1")),
                SnapshotNode.hardLinked("n2", node2, failing)))
                .isInstanceOf(BackupException.class)
                .hasMessageContaining("Cannot freeze node n2: store refused to pause")
                .hasMessageContaining("every node was thawed")
                .satisfies(e -> assertThat(((BackupException) e).reason()).isEqualTo(Reason.IO));
        assertThat(events).contains("thaw n1", "thaw n2");
        assertThat(dir.resolve("data1" + SnapshotOptions.SNAPSHOT_SUFFIX)).doesNotExist();
        assertThat(dir.resolve("data2" + SnapshotOptions.SNAPSHOT_SUFFIX)).doesNotExist();
    }

    @Test
    void aHangingFreezeCommandIsKilledAtTheTimeoutAndThawed() throws IOException {
        Path thawed = dir.resolve("thawed");
        Path snap = dir.resolve("data1" + SnapshotOptions.SNAPSHOT_SUFFIX);
        Quiescer hanging = Quiescer.commands("echo pausing; sleep 60", "touch " + thawed, "n1", node1, snap);
        long start = System.nanoTime();
        assertThatThrownBy(() -> take(SnapshotOptions.defaults().withHookTimeout(Duration.ofMillis(300)),
                SnapshotNode.hardLinked("n1", node1, hanging)))
                .isInstanceOf(BackupException.class)
                .hasMessageContaining("did not finish within 300 ms and was killed")
                .hasMessageContaining("pausing");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(thawed).exists();
        assertThat(snap).doesNotExist();
    }

    @Test
    void hookCommandsSeeTheNodeAndTheirFailureIsQuoted() throws IOException {
        Path log = dir.resolve("hook.log");
        Path snap = dir.resolve("data1" + SnapshotOptions.SNAPSHOT_SUFFIX);
        Quiescer q = Quiescer.commands("echo \"$S3BACKUP_PHASE $S3BACKUP_NODE $S3BACKUP_DATA_DIR\" >> " + log,
                "echo \"$S3BACKUP_PHASE $S3BACKUP_NODE $S3BACKUP_SNAPSHOT_DIR\" >> " + log, "n1", node1, snap);
        take(SnapshotOptions.defaults(), SnapshotNode.hardLinked("n1", node1, q)).delete();
        assertThat(Files.readAllLines(log)).containsExactly("freeze n1 " + node1.toAbsolutePath(),
                "thaw n1 " + snap.toAbsolutePath());

        Quiescer bad = Quiescer.commands("echo cannot reach the store >&2; exit 3", null, "n1", node1, snap);
        assertThatThrownBy(() -> take(SnapshotOptions.defaults(), SnapshotNode.hardLinked("n1", node1, bad)))
                .hasMessageContaining("exited with status 3")
                .hasMessageContaining("cannot reach the store");
    }

    @Test
    void aFailingThawIsLoudAndKeepsTheSnapshot() {
        Quiescer badThaw = Quiescer.of(() -> { }, () -> {
            throw new IOException("resume failed");
        });
        assertThatThrownBy(() -> take(SnapshotOptions.defaults(), SnapshotNode.hardLinked("n1", node1, badThaw),
                SnapshotNode.hardLinked("n2", node2, recording("n2"))))
                .isInstanceOf(BackupException.class)
                .hasMessageContaining("Cannot thaw node n1: resume failed")
                .hasMessageContaining("MAY STILL BE PAUSED")
                .hasMessageContaining("kept for inspection");
        assertThat(events).contains("thaw n2");
        assertThat(dir.resolve("data1" + SnapshotOptions.SNAPSHOT_SUFFIX).resolve("000001.sst")).exists();
    }

    @Test
    void badInputIsRefusedBeforeAnythingIsFrozen() throws IOException {
        assertThatThrownBy(() -> take(SnapshotOptions.defaults(),
                SnapshotNode.hardLinked("n1", node1, recording("n1")),
                SnapshotNode.hardLinked("n9", dir.resolve("missing"), recording("n9"))))
                .hasMessageContaining("Cannot snapshot node n9: no such data directory")
                .satisfies(e -> assertThat(((BackupException) e).reason()).isEqualTo(Reason.INVALID_INPUT));
        Files.createDirectory(dir.resolve("data1" + SnapshotOptions.SNAPSHOT_SUFFIX));
        assertThatThrownBy(() -> take(SnapshotOptions.defaults(), SnapshotNode.hardLinked("n1", node1, recording("n1"))))
                .hasMessageContaining("already exists")
                .satisfies(e -> assertThat(((BackupException) e).reason()).isEqualTo(Reason.INVALID_INPUT));
        assertThat(events).isEmpty();
    }

    @Test
    void anInterruptDuringThePauseStillThaws() throws Exception {
        CountDownLatch frozen = new CountDownLatch(1);
        Quiescer slow = Quiescer.of(() -> {
            frozen.countDown();
            Thread.sleep(60_000);
        }, () -> events.add("thaw n1"));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<Boolean> interruptFlag = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                take(SnapshotOptions.defaults(), SnapshotNode.hardLinked("n1", node1, slow));
            } catch (Throwable e) {
                failure.set(e);
            }
            interruptFlag.set(Thread.currentThread().isInterrupted());
        });
        t.start();
        assertThat(frozen.await(10, TimeUnit.SECONDS)).isTrue();
        t.interrupt();
        t.join(10_000);
        assertThat(t.isAlive()).isFalse();
        assertThat(failure.get()).hasMessageContaining("interrupted").hasMessageContaining("thawed");
        assertThat(interruptFlag.get()).isTrue();
        assertThat(events).containsExactly("thaw n1");
        assertThat(dir.resolve("data1" + SnapshotOptions.SNAPSHOT_SUFFIX)).doesNotExist();
    }

    @Test
    void anotherFileSystemIsRefusedOrCopiedWithAWarning() throws IOException {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "no /dev/shm");
        Path root = Files.createTempDirectory(shm, "s3backup-snap-");
        try {
            assumeTrue(!Files.getAttribute(root, "unix:dev").equals(Files.getAttribute(node1, "unix:dev")),
                    "/dev/shm is on the same file system");
            SnapshotOptions opts = SnapshotOptions.defaults().withSnapshotRoot(root);
            assertThatThrownBy(() -> take(opts, SnapshotNode.hardLinked("n1", node1, recording("n1"))))
                    .hasMessageContaining("another file system")
                    .hasMessageContaining("--copy-fallback");
            assertThat(events).isEmpty();

            Snapshot s = take(opts.withCopyFallback(true), SnapshotNode.hardLinked("n1", node1, recording("n1")));
            assertThat(s.warnings()).singleElement().asString().contains("copying every file");
            assertThat(s.filesLinked()).isZero();
            assertThat(root.resolve("n1/000001.sst")).hasSameBinaryContentAs(node1.resolve("000001.sst"));
        } finally {
            Snapshot.deleteTree(root);
        }
    }

    @Test
    void libraryEntryPointPushesTheSnapshotRecordsThePauseAndRemovesIt() throws IOException {
        InMemoryObjectStore store = new InMemoryObjectStore();
        Files.writeString(dir.resolve("coordinator.bin"), "coordinator");
        AtomicInteger checkpoints = new AtomicInteger();
        try (Repository repo = Repository.init(store, 1 << 20)) {
            LsmBackup.Result r = LsmBackup.to(repo, Fixtures.options().withName("nightly"))
                    .node("n1", node1, recording("n1"))
                    .checkpointNode("n2", node2, target -> {
                        checkpoints.incrementAndGet();
                        copyTree(node2, target);
                    })
                    .looseFile(dir.resolve("coordinator.bin"))
                    .run();
            assertThat(r.snapshotKept()).isFalse();
            assertThat(r.snapshot().paths()).allMatch(p -> !Files.exists(p));
            assertThat(checkpoints).hasValue(1);
            assertThat(r.push().files()).isEqualTo(13);
            try (ManifestReader reader = repo.openManifest(r.push().backupId())) {
                Map<String, String> props = reader.header().properties();
                assertThat(props).containsEntry("snapshot.pauseMillis", Snapshot.millis(r.snapshot().pause()));
                assertThat(reader.header().nodes()).extracting(n -> n.token()).containsExactly("n1", "n2");
            }
            Path target = dir.resolve("restored");
            Fixtures.restore(store, r.push().backupId(), target);
            assertThat(target.resolve("n1/sub/000003.sst")).hasSameBinaryContentAs(node1.resolve("sub/000003.sst"));
            assertThat(target.resolve("n2/CURRENT")).hasSameBinaryContentAs(node2.resolve("CURRENT"));
            assertThat(target.resolve("coordinator.bin")).hasContent("coordinator");
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }
}
