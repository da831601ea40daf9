package dev.s3backup.core.push;

import static dev.s3backup.core.push.Fixtures.assertSameTree;
import static dev.s3backup.core.push.Fixtures.entries;
import static dev.s3backup.core.push.Fixtures.entry;
import static dev.s3backup.core.push.Fixtures.keys;
import static dev.s3backup.core.push.Fixtures.loose;
import static dev.s3backup.core.push.Fixtures.node;
import static dev.s3backup.core.push.Fixtures.push;
import static dev.s3backup.core.push.Fixtures.randomBytes;
import static dev.s3backup.core.push.Fixtures.restore;
import static dev.s3backup.core.push.Fixtures.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.core.gc.PushGuard;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.repo.RepositoryConfig;
import dev.s3backup.core.repo.RepositoryLayout;
import dev.s3backup.core.restore.RestoreResult;
import dev.s3backup.core.source.Source;
import dev.s3backup.core.store.FileObjectStore;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.Payload;
import dev.s3backup.core.store.StoreException;
import dev.s3backup.manifest.ChunkRef;
import dev.s3backup.manifest.Entry;
import dev.s3backup.manifest.EntryType;
import dev.s3backup.manifest.Sha256;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PushTest {
    private static final int CHUNK = RepositoryConfig.MIN_CHUNK_SIZE;

    @TempDir
    Path dir;

    private FileObjectStore store;
    private Path node;

    @BeforeEach
    void setUp() throws IOException {
        store = new FileObjectStore(dir.resolve("repo"));
        Repository.init(store, CHUNK);
        node = Files.createDirectories(dir.resolve("src/n1"));
    }

    /** 3 files of distinct content in 1 + 2 + 1 chunks, a 0-byte file, a directory, a loose file. */
    private Source[] sample() {
        write(node.resolve("000001.sst"), randomBytes(1000, 1));
        write(node.resolve("000002.sst"), randomBytes(CHUNK + 5, 2));
        write(node.resolve("sub/CURRENT"), "MANIFEST-000003\n".getBytes());
        write(node.resolve("LOCK"), new byte[0]);
        Path coordinator = write(dir.resolve("src/coordinator.bin"), randomBytes(77, 3));
        return new Source[] {node("n1", node), loose(coordinator)};
    }

    private static final long SAMPLE_BYTES = 1000 + CHUNK + 5 + "MANIFEST-000003\n".length() + 77;
    private static final int SAMPLE_CHUNKS = 5;

    @Test
    void firstPushUploadsEveryChunkThenCommitsTheManifest() {
        PushResult r = push(store, sample());

        assertThat(r.dryRun()).isFalse();
        assertThat(r.parentId()).isNull();
        assertThat(r.files()).isEqualTo(5);
        assertThat(r.directories()).isEqualTo(1);
        assertThat(r.bytesScanned()).isEqualTo(SAMPLE_BYTES);
        assertThat(r.bytesUploaded()).isEqualTo(SAMPLE_BYTES);
        assertThat(r.chunksNew()).isEqualTo(SAMPLE_CHUNKS);
        assertThat(r.chunksReused()).isZero();
        assertThat(r.requests().put() - PushGuard.PUTS_PER_PUSH).isEqualTo(SAMPLE_CHUNKS + 1);
        assertThat(r.warnings()).isEmpty();
        assertThat(keys(store, RepositoryLayout.CHUNKS)).hasSize(SAMPLE_CHUNKS);
        assertThat(keys(store, RepositoryLayout.MANIFESTS)).containsExactly(RepositoryLayout.manifestKey(r.backupId()));
        assertThat(Repository.open(store).resolve(Repository.LATEST)).isEqualTo(r.backupId());
    }

    @Test
    void everyChunkIsStoredUnderItsOwnHash() throws Exception {
        PushResult r = push(store, sample());

        for (Entry e : entries(store, r.backupId())) {
            for (ChunkRef c : e.chunks()) {
                String key = RepositoryLayout.chunkKey(c.hash());
                assertThat(key).startsWith("chunks/" + c.hash().hex().substring(0, 2) + "/");
                byte[] stored = Files.readAllBytes(store.root().resolve(key));
                assertThat(stored).hasSize(c.length());
                assertThat(Sha256.digest(stored, 0, stored.length)).isEqualTo(c.hash());
            }
        }
    }

    @Test
    void secondPushOfTheSameDataUploadsNothing() {
        Source[] sources = sample();
        PushResult first = push(store, sources);
        List<String> chunksAfterFirst = keys(store, RepositoryLayout.CHUNKS);

        PushResult second = push(store, sources);

        assertThat(second.parentId()).isEqualTo(first.backupId());
        assertThat(second.backupId()).isNotEqualTo(first.backupId());
        assertThat(second.bytesScanned()).isEqualTo(SAMPLE_BYTES);
        assertThat(second.bytesUploaded()).isZero();
        assertThat(second.chunksNew()).isZero();
        assertThat(second.chunksReused()).isEqualTo(SAMPLE_CHUNKS);
        // The manifest is the only PUT: no chunk was even offered to the store.
        assertThat(second.requests().put() - PushGuard.PUTS_PER_PUSH).isEqualTo(1);
        assertThat(keys(store, RepositoryLayout.CHUNKS)).isEqualTo(chunksAfterFirst);
        assertThat(Repository.open(store).listBackupIds()).containsExactly(first.backupId(), second.backupId());
    }

    @Test
    void aChangedFileUploadsOnlyItsNewChunks() throws Exception {
        Source[] sources = sample();
        push(store, sources);
        try (RandomAccessFile f = new RandomAccessFile(node.resolve("000002.sst").toFile(), "rw")) {
            f.seek(CHUNK + 1);
            f.write('!');
        }

        PushResult r = push(store, sources);

        assertThat(r.chunksNew()).isEqualTo(1);
        assertThat(r.bytesUploaded()).isEqualTo(5);
        assertThat(r.chunksReused()).isEqualTo(SAMPLE_CHUNKS - 1);
    }

    @Test
    void identicalContentInOnePushIsUploadedOnce() {
        byte[] same = randomBytes(3000, 9);
        write(node.resolve("a.sst"), same);
        write(node.resolve("b.sst"), same);
        write(node.resolve("deep/c.sst"), same);
        // Shares its first chunk with d.sst but not its second.
        byte[] big = randomBytes(2 * CHUNK, 10);
        write(node.resolve("d.sst"), big);
        byte[] bigPrefix = Arrays.copyOf(big, CHUNK + 1);
        write(node.resolve("e.sst"), bigPrefix);

        PushResult r = push(store, Fixtures.options(4, 8, 64L << 20), node("n1", node));

        // Counts are of distinct chunks: the 4 objects are all new, none was stored before; the
        // backup references them 7 times (a, b, c; d twice; e twice).
        assertThat(r.chunksNew()).isEqualTo(1 + 2 + 1);
        assertThat(r.chunksReused()).isZero();
        assertThat(r.chunkReferences()).isEqualTo(3 + 2 + 2);
        assertThat(r.bytesUploaded()).isEqualTo(3000 + 2L * CHUNK + 1);
        assertThat(keys(store, RepositoryLayout.CHUNKS)).hasSize(4);
        // Sent once, not sent again and answered "already there": 4 chunk PUTs and the manifest.
        assertThat(r.requests().put() - PushGuard.PUTS_PER_PUSH).isEqualTo(4 + 1);
        assertThat(entry(store, r.backupId(), "n1", "a.sst").chunks())
                .isEqualTo(entry(store, r.backupId(), "n1", "deep/c.sst").chunks());
    }

    @Test
    void aFileLargerThanTheChunkSizeIsSplitAndRestoresIdentically() throws Exception {
        byte[] big = randomBytes(3 * CHUNK + CHUNK / 2, 11);
        byte[] exact = randomBytes(2 * CHUNK, 12);
        write(node.resolve("big.sst"), big);
        write(node.resolve("exact.sst"), exact);

        PushResult r = push(store, node("n1", node));

        Entry bigEntry = entry(store, r.backupId(), "n1", "big.sst");
        assertThat(bigEntry.size()).isEqualTo(big.length);
        assertThat(bigEntry.chunks()).extracting(ChunkRef::length).containsExactly(CHUNK, CHUNK, CHUNK, CHUNK / 2);
        for (int i = 0; i < 4; i++) {
            int length = bigEntry.chunks().get(i).length();
            assertThat(bigEntry.chunks().get(i).hash()).isEqualTo(Sha256.digest(big, i * CHUNK, length));
        }
        // Manifest version 2 (format 3): the file's identity comes from its chunks, its bytes are hashed once.
        assertThat(bigEntry.sha256()).isEqualTo(Entry.derivedIdentity(bigEntry.chunks()));
        // Exactly two chunks: no empty third chunk at the end.
        assertThat(entry(store, r.backupId(), "n1", "exact.sst").chunks()).extracting(ChunkRef::length)
                .containsExactly(CHUNK, CHUNK);
        assertThat(r.chunksNew()).isEqualTo(6);

        Path target = dir.resolve("restored");
        RestoreResult restored = restore(store, r.backupId(), target);
        assertThat(restored.failures()).isEmpty();
        assertSameTree(dir.resolve("src"), target);
    }

    @Test
    void zeroByteFilesHaveNoChunksAndRestoreEmpty() throws Exception {
        write(node.resolve("empty"), new byte[0]);
        write(node.resolve("sub/also-empty"), new byte[0]);

        PushResult r = push(store, node("n1", node));

        Entry empty = entry(store, r.backupId(), "n1", "empty");
        assertThat(empty.type()).isEqualTo(EntryType.FILE);
        assertThat(empty.size()).isZero();
        assertThat(empty.chunks()).isEmpty();
        assertThat(empty.sha256()).isEqualTo(Entry.derivedIdentity(List.of()));
        assertThat(r.chunksNew()).isZero();
        assertThat(r.files()).isEqualTo(2);
        assertThat(keys(store, RepositoryLayout.CHUNKS)).isEmpty();

        Path target = dir.resolve("restored");
        assertThat(restore(store, r.backupId(), target).complete()).isTrue();
        assertThat(target.resolve("n1/empty")).isRegularFile().isEmptyFile();
        assertThat(target.resolve("n1/sub/also-empty")).isRegularFile().isEmptyFile();
    }

    @Test
    void dryRunWritesNothingButReportsWhatItWouldUpload() {
        Source[] sources = sample();

        PushResult r = push(store, Fixtures.options().withDryRun(true), sources);

        assertThat(r.dryRun()).isTrue();
        assertThat(r.chunksNew()).isEqualTo(SAMPLE_CHUNKS);
        assertThat(r.bytesUploaded()).isEqualTo(SAMPLE_BYTES);
        assertThat(r.requests().put()).isZero();
        assertThat(keys(store, "")).containsExactly(RepositoryLayout.CONFIG);
        assertThat(Repository.open(store).listBackupIds()).isEmpty();
    }

    @Test
    void dryRunAfterAPushReportsOnlyTheNewChunks() {
        Source[] sources = sample();
        PushResult first = push(store, sources);
        write(node.resolve("000009.sst"), randomBytes(4321, 99));
        List<String> before = keys(store, "");

        PushResult r = push(store, Fixtures.options().withDryRun(true), sources);

        assertThat(r.chunksNew()).isEqualTo(1);
        assertThat(r.bytesUploaded()).isEqualTo(4321);
        assertThat(r.chunksReused()).isEqualTo(SAMPLE_CHUNKS);
        assertThat(keys(store, "")).isEqualTo(before);
        assertThat(Repository.open(store).listBackupIds()).containsExactly(first.backupId());
    }

    /**
     * Holds every chunk upload until released. With 2 chunk buffers, the reader is then stuck in
     * the middle of a larger file: the test changes the file at a known point of the read.
     */
    private static final class HeldUploads extends DelegatingStore {
        final CountDownLatch entered = new CountDownLatch(2);
        final CountDownLatch release = new CountDownLatch(1);

        HeldUploads(ObjectStore delegate) {
            super(delegate);
        }

        @Override
        public PutOutcome putIfAbsent(String key, Payload payload) {
            if (key.startsWith(RepositoryLayout.CHUNKS)) {
                entered.countDown();
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new StoreException(StoreException.Kind.IO, "interrupted");
                }
            }
            return delegate.putIfAbsent(key, payload);
        }
    }

    private interface Change {
        void apply(Path file) throws IOException;
    }

    private void assertChangeWhileReadingIsDetected(Change change) throws Exception {
        Path file = write(node.resolve("live.sst"), randomBytes(8 * CHUNK, 21));
        HeldUploads held = new HeldUploads(store);
        CompletableFuture<PushResult> running = CompletableFuture.supplyAsync(
                () -> push(held, Fixtures.options(1, 2, 2L * CHUNK), node("n1", node)));
        assertThat(held.entered.await(20, TimeUnit.SECONDS)).as("two uploads started").isTrue();

        change.apply(file);
        held.release.countDown();

        assertThatThrownBy(() -> running.get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(BackupException.class, e -> {
                    assertThat(e.getMessage()).contains(file.toString()).contains("changed while being read");
                });
        assertThat(keys(store, RepositoryLayout.MANIFESTS)).isEmpty();
    }

    @Test
    void aFileAppendedToWhileReadIsDetectedAndNoBackupIsCommitted() throws Exception {
        assertChangeWhileReadingIsDetected(f -> Files.write(f, randomBytes(100, 1), StandardOpenOption.APPEND));
    }

    @Test
    void aFileRewrittenInPlaceWhileReadIsDetected() throws Exception {
        // Same size, and the bytes changed were already read: only the identity check can see it.
        assertChangeWhileReadingIsDetected(f -> {
            try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                raf.seek(0);
                raf.write(randomBytes(16, 2));
            }
        });
    }

    @Test
    void aFileTruncatedWhileReadIsDetected() throws Exception {
        assertChangeWhileReadingIsDetected(f -> {
            try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                raf.setLength(3L * CHUNK);
            }
        });
    }

    /** Throws on the n-th chunk put (1-based); other puts go through. */
    private static final class FailingPut extends DelegatingStore {
        private final int failOn;
        private final AtomicInteger chunkPuts = new AtomicInteger();

        FailingPut(ObjectStore delegate, int failOn) {
            super(delegate);
            this.failOn = failOn;
        }

        @Override
        public PutOutcome putIfAbsent(String key, Payload payload) {
            if (key.startsWith(RepositoryLayout.CHUNKS) && chunkPuts.incrementAndGet() == failOn) {
                throw new StoreException(StoreException.Kind.IO, "Cannot write " + key + ": injected failure");
            }
            return delegate.putIfAbsent(key, payload);
        }
    }

    @Test
    void anUploadFailureFailsThePushCommitsNothingAndARerunUploadsOnlyWhatIsMissing() throws Exception {
        for (int i = 0; i < 6; i++) {
            write(node.resolve("f" + i + ".sst"), randomBytes(1000 + i, 30 + i));
        }

        assertThatThrownBy(() -> push(new FailingPut(store, 3), Fixtures.options(1, 1, 64L << 20), node("n1", node)))
                .satisfiesAnyOf(
                        e -> assertThat(e).isInstanceOfSatisfying(StoreException.class,
                                se -> assertThat(se.kind()).isEqualTo(StoreException.Kind.IO)),
                        e -> assertThat(e).isInstanceOfSatisfying(BackupException.class,
                                be -> assertThat(be.reason()).isEqualTo(Reason.IO)))
                .hasMessageContaining("injected failure");
        assertThat(keys(store, RepositoryLayout.MANIFESTS)).isEmpty();
        int stored = keys(store, RepositoryLayout.CHUNKS).size();
        assertThat(stored).isBetween(2, 5);

        PushResult rerun = push(store, node("n1", node));

        assertThat(rerun.chunksNew()).isEqualTo(6 - stored);
        assertThat(rerun.chunksReused()).isEqualTo(stored);
        assertThat(keys(store, RepositoryLayout.CHUNKS)).hasSize(6);
        Path target = dir.resolve("restored");
        assertThat(restore(store, rerun.backupId(), target).complete()).isTrue();
        assertSameTree(dir.resolve("src"), target);
    }

    /** Records how many puts run at once. */
    private static final class ConcurrencyProbe extends DelegatingStore {
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger max = new AtomicInteger();

        ConcurrencyProbe(ObjectStore delegate) {
            super(delegate);
        }

        @Override
        public PutOutcome putIfAbsent(String key, Payload payload) {
            int now = inFlight.incrementAndGet();
            max.accumulateAndGet(now, Math::max);
            try {
                Thread.sleep(1);
                return delegate.putIfAbsent(key, payload);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StoreException(StoreException.Kind.IO, "interrupted");
            } finally {
                inFlight.decrementAndGet();
            }
        }
    }

    @Test
    void memoryIsBoundedByInFlightBytesWithoutDeadlock() {
        byte[] big = randomBytes(50 * CHUNK, 40);
        write(node.resolve("big.sst"), big);
        write(node.resolve("big2.sst"), randomBytes(7 * CHUNK + 3, 41));
        write(node.resolve("small.sst"), randomBytes(10, 42));
        ConcurrencyProbe probe = new ConcurrencyProbe(store);

        PushResult r = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> push(probe, Fixtures.options(3, 16, 2L * CHUNK), node("n1", node)));

        assertThat(r.chunksNew()).isEqualTo(50 + 8 + 1);
        // Every upload holds one of the 2 chunk buffers: no more than 2 chunk puts at once.
        assertThat(probe.max.get()).isBetween(1, 2);
        Entry bigEntry = entry(store, r.backupId(), "n1", "big.sst");
        assertThat(bigEntry.chunks()).hasSize(50);
        for (int i = 0; i < 50; i++) {
            assertThat(bigEntry.chunks().get(i).hash()).isEqualTo(Sha256.digest(big, i * CHUNK, CHUNK));
        }
        assertThat(bigEntry.sha256()).isEqualTo(Entry.derivedIdentity(bigEntry.chunks()));
    }

    @Test
    void anInFlightBoundBelowOneChunkStillWorks() {
        write(node.resolve("big.sst"), randomBytes(5 * CHUNK, 43));

        PushResult r = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> push(store, Fixtures.options(2, 4, 1), node("n1", node)));

        assertThat(r.chunksNew()).isEqualTo(5);
    }

    @Test
    void symlinksAreStoredAsLinksAndNeverFollowed() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        write(outside.resolve("secret.sst"), randomBytes(500, 50));
        write(node.resolve("real.sst"), randomBytes(10, 51));
        Files.createSymbolicLink(node.resolve("out"), outside);
        Files.createSymbolicLink(node.resolve("CURRENT"), Path.of("real.sst"));

        PushResult r = push(store, node("n1", node));

        List<Entry> entries = entries(store, r.backupId());
        assertThat(entries).extracting(Entry::path).containsExactly("CURRENT", "out", "real.sst");
        assertThat(entry(store, r.backupId(), "n1", "out").type()).isEqualTo(EntryType.SYMLINK);
        assertThat(entry(store, r.backupId(), "n1", "out").linkTarget()).isEqualTo(outside.toString());
        assertThat(entry(store, r.backupId(), "n1", "CURRENT").linkTarget()).isEqualTo("real.sst");
        assertThat(r.symlinks()).isEqualTo(2);
        assertThat(r.bytesScanned()).isEqualTo(10);
        assertThat(r.chunksNew()).isEqualTo(1);
    }

    @Test
    void linksPointingOutsideTheirSourceAreCountedNotRefused() throws Exception {
        write(node.resolve("real.sst"), randomBytes(10, 52));
        Files.createDirectories(node.resolve("sub"));
        Files.createSymbolicLink(node.resolve("abs"), Path.of("/etc/passwd"));
        Files.createSymbolicLink(node.resolve("sub/up"), Path.of("../../x"));
        Files.createSymbolicLink(node.resolve("c"), Path.of("."));
        Files.createSymbolicLink(node.resolve("via-c"), Path.of("c/../x"));
        // Inside: beside, up and down again, to itself.
        Files.createSymbolicLink(node.resolve("sub/down"), Path.of("../real.sst"));
        Files.createSymbolicLink(node.resolve("CURRENT"), Path.of("real.sst"));

        PushResult r = push(store, node("n1", node));

        assertThat(r.symlinks()).isEqualTo(6);
        assertThat(r.symlinksOutside()).isEqualTo(3);
        assertThat(entry(store, r.backupId(), "n1", "abs").linkTarget()).isEqualTo("/etc/passwd");
    }

    @Test
    void aFifoIsSkippedWithAWarningAndNeverRead() {
        write(node.resolve("a.sst"), randomBytes(10, 60));
        Path fifo = node.resolve("pipe");
        assumeTrue(Fixtures.mkfifo(fifo), "mkfifo is not available");

        PushResult r = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> push(store, node("n1", node)));

        assertThat(r.files()).isEqualTo(1);
        assertThat(r.warnings()).singleElement().asString().contains(fifo.toString());
        assertThat(entries(store, r.backupId())).extracting(Entry::path).containsExactly("a.sst");
    }

    @Test
    void anUnreadableFileFailsThePushNamingIt() throws Exception {
        Path locked = write(node.resolve("locked.sst"), randomBytes(10, 61));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        assumeTrue(!Files.isReadable(locked), "this user reads files whatever their mode, e.g. root");

        assertThatThrownBy(() -> push(store, node("n1", node)))
                .isInstanceOfSatisfying(BackupException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.INVALID_INPUT);
                    assertThat(e.getMessage()).contains(locked.toString());
                });
        assertThat(keys(store, RepositoryLayout.MANIFESTS)).isEmpty();
    }

    @Test
    void twoSourcesWithTheSameTokenAreRefusedBeforeAnythingIsRead() {
        write(node.resolve("a.sst"), randomBytes(10, 62));

        assertThatThrownBy(() -> push(store, node("n1", node), node("n1", node)))
                .isInstanceOfSatisfying(BackupException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_INPUT));
        assertThat(keys(store, "")).containsExactly(RepositoryLayout.CONFIG);
    }

    @Test
    void theManifestRecordsModesAndNanosecondMtimes() throws Exception {
        Path file = write(node.resolve("a.sst"), randomBytes(10, 63));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        long mtime = 1_764_058_389_123_456_789L;
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.from(mtime, TimeUnit.NANOSECONDS));
        long actual = Files.getLastModifiedTime(file).to(TimeUnit.NANOSECONDS);

        PushResult r = push(store, node("n1", node));

        Entry e = entry(store, r.backupId(), "n1", "a.sst");
        assertThat(e.mode()).isEqualTo(0640);
        assertThat(e.mtimeNanos()).isEqualTo(actual);
    }
}
