package dev.s3backup.core.restore;

import static dev.s3backup.core.push.Fixtures.assertSameTree;
import static dev.s3backup.core.push.Fixtures.entry;
import static dev.s3backup.core.push.Fixtures.loose;
import static dev.s3backup.core.push.Fixtures.node;
import static dev.s3backup.core.push.Fixtures.push;
import static dev.s3backup.core.push.Fixtures.randomBytes;
import static dev.s3backup.core.push.Fixtures.restore;
import static dev.s3backup.core.push.Fixtures.tree;
import static dev.s3backup.core.push.Fixtures.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.core.push.DelegatingStore;
import dev.s3backup.core.push.PushResult;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.repo.RepositoryConfig;
import dev.s3backup.core.repo.RepositoryLayout;
import dev.s3backup.core.store.FileObjectStore;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.manifest.BackupId;
import dev.s3backup.manifest.ChunkRef;
import dev.s3backup.manifest.Entry;
import dev.s3backup.manifest.ManifestCodec;
import dev.s3backup.manifest.ManifestHeader;
import dev.s3backup.manifest.ManifestWriter;
import dev.s3backup.manifest.Node;
import dev.s3backup.manifest.Sha256;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RestoreTest {
    private static final int CHUNK = RepositoryConfig.MIN_CHUNK_SIZE;

    @TempDir
    Path dir;

    private FileObjectStore store;
    private Path src;
    private Path target;

    @BeforeEach
    void setUp() throws IOException {
        store = new FileObjectStore(dir.resolve("repo"));
        Repository.init(store, CHUNK);
        src = Files.createDirectories(dir.resolve("src"));
        target = dir.resolve("target");
    }

    /** Two nodes and a loose file, HyperDex-style. */
    private PushResult pushCluster() throws IOException {
        Path n1 = src.resolve("1");
        Path n2 = src.resolve("2");
        write(n1.resolve("000001.sst"), randomBytes(2 * CHUNK + 17, 1));
        write(n1.resolve("000002.sst"), randomBytes(500, 2));
        write(n1.resolve("data/CURRENT"), "MANIFEST-000005\n".getBytes(StandardCharsets.UTF_8));
        write(n1.resolve("empty"), new byte[0]);
        Files.createSymbolicLink(n1.resolve("LATEST"), Path.of("data/CURRENT"));
        write(n2.resolve("000001.sst"), randomBytes(3000, 3));
        write(n2.resolve("000002.sst"), randomBytes(500, 2));
        Path coordinator = write(src.resolve("coordinator.bin"), randomBytes(99, 4));
        return push(store, node("1", n1), node("2", n2), loose(coordinator));
    }

    @Test
    void restoresEveryByteLinkAndTheLayoutOfNodesAndLooseFiles() throws Exception {
        PushResult pushed = pushCluster();

        RestoreResult r = restore(store, Repository.LATEST, target);

        assertThat(r.failures()).isEmpty();
        assertThat(r.complete()).isTrue();
        assertThat(r.backupId()).isEqualTo(pushed.backupId());
        assertThat(r.files()).isEqualTo(7);
        assertThat(r.symlinks()).isEqualTo(1);
        assertThat(r.directories()).isEqualTo(1);
        assertThat(r.bytesWritten()).isEqualTo(2L * CHUNK + 17 + 500 + 16 + 3000 + 500 + 99);
        assertSameTree(src, target);
        assertThat(Files.isSymbolicLink(target.resolve("1/LATEST"))).isTrue();
        assertThat(Files.readSymbolicLink(target.resolve("1/LATEST"))).isEqualTo(Path.of("data/CURRENT"));
        assertThat(target.resolve("1/LATEST")).hasSameBinaryContentAs(src.resolve("1/data/CURRENT"));
    }

    @Test
    void everyDirectoryThatReceivedAnEntryIsSyncedOnceAfterItsLastEntry() throws Exception {
        pushCluster();
        Map<Path, List<String>> synced = new ConcurrentHashMap<>();
        List<Path> syncs = Collections.synchronizedList(new ArrayList<>());
        Restore restore = new Restore(Repository.open(store), RestoreOptions.defaults(), new RestoreProgress())
                .syncDirectoriesWith(d -> {
                    syncs.add(d);
                    synced.put(d, tree(d).stream().filter(p -> !p.contains("/")).toList());
                });

        RestoreResult r = restore.run(Repository.LATEST, target);

        assertThat(r.complete()).isTrue();
        Path root = target.toRealPath();
        assertThat(syncs).doesNotHaveDuplicates().containsExactlyInAnyOrder(
                root.getParent(), root, root.resolve("1"), root.resolve("1/data"), root.resolve("2"));
        // Synced once complete: what each directory held then is what it holds at the end.
        for (Map.Entry<Path, List<String>> d : synced.entrySet()) {
            if (!d.getKey().equals(root.getParent())) {
                assertThat(d.getValue()).as(d.getKey().toString())
                        .isEqualTo(tree(d.getKey()).stream().filter(p -> !p.contains("/")).toList());
            }
        }
    }

    /**
     * The files' data is made durable once, for the whole restore, instead of an fsync per file
     * (200,000 journal commits for 200,000 small files): after every file is in place, before the
     * first directory sync, with every directory that received a file.
     */
    @Test
    void filesAreSyncedTogetherAfterTheLastFileAndBeforeTheDirectories() throws Exception {
        pushCluster();
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        Map<String, List<String>> seenByFileSync = new ConcurrentHashMap<>();
        Restore restore = new Restore(Repository.open(store), RestoreOptions.defaults(), new RestoreProgress())
                .syncFileDataWith(directories -> {
                    order.add("files");
                    seenByFileSync.put("tree", tree(target));
                    seenByFileSync.put("directories", directories.stream().map(Path::toString).sorted().toList());
                })
                .syncDirectoriesWith(d -> order.add("directory"));

        RestoreResult r = restore.run(Repository.LATEST, target);

        assertThat(r.complete()).isTrue();
        assertThat(order).first().isEqualTo("files");
        assertThat(order).filteredOn("files"::equals).hasSize(1);
        assertThat(order).hasSize(6);
        Path root = target.toRealPath();
        assertThat(seenByFileSync.get("tree")).as("every file in place when the data is synced")
                .containsAll(tree(src));
        assertThat(seenByFileSync.get("directories")).contains(root.toString(), root.resolve("1").toString(),
                root.resolve("1/data").toString(), root.resolve("2").toString());
    }

    /** The real sync: `sync -f` of the restored directories (where the command exists; else fsync per file). */
    @Test
    void theDefaultFileSyncRunsAndRestoresEveryFile() throws Exception {
        pushCluster();
        FileDataSync syncfs = FileDataSync.syncfs();
        if (syncfs == null) {
            System.out.println("NOTICE: no sync command on this machine; restore fsyncs each file");
        } else {
            syncfs.sync(List.of(src, src.resolve("1")));
        }
        RestoreResult r = restore(store, Repository.LATEST, target);
        assertThat(r.complete()).isTrue();
        assertSameTree(src, target);
        RestoreResult perFile = new Restore(Repository.open(store), RestoreOptions.defaults(), new RestoreProgress())
                .syncFileDataWith(null).run(Repository.LATEST, dir.resolve("per-file"));
        assertThat(perFile.complete()).isTrue();
        assertSameTree(src, dir.resolve("per-file"));
    }

    @Test
    void aDirectoryThatCannotBeSyncedFailsTheRestoreNamingIt() throws Exception {
        pushCluster();
        Path failing = target.resolve("1/data");
        Restore restore = new Restore(Repository.open(store), RestoreOptions.defaults(), new RestoreProgress())
                .syncDirectoriesWith(d -> {
                    if (d.endsWith("1/data")) {
                        throw new IOException("Input/output error");
                    }
                });

        assertThatThrownBy(() -> restore.run(Repository.LATEST, target))
                .isInstanceOfSatisfying(BackupException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.IO);
                    assertThat(e.getMessage()).contains("Cannot sync directory", failing.toString(), "Input/output error");
                });
    }

    @Test
    void emptyDirectoriesAndAnEmptyNodeAreRestoredNotDropped() throws Exception {
        Path n = src.resolve("n");
        write(n.resolve("a.sst"), randomBytes(10, 1));
        Files.createDirectories(n.resolve("empty/deeper"));
        Path m = Files.createDirectories(src.resolve("m"));
        push(store, node("n", n), node("m", m));

        RestoreResult r = restore(store, Repository.LATEST, target);

        assertThat(r.complete()).isTrue();
        assertThat(target.resolve("n/empty/deeper")).isEmptyDirectory();
        assertThat(target.resolve("m")).isEmptyDirectory();
        assertSameTree(src, target);
        RestoreResult onlyM = restore(store, Repository.LATEST, dir.resolve("only-m"), new RestoreOptions("m", false, 2));
        assertThat(onlyM.complete()).isTrue();
        assertThat(tree(dir.resolve("only-m"))).containsExactly("m");
    }

    @Test
    void restoresModesAndNanosecondMtimes() throws Exception {
        Path n = src.resolve("n");
        Path rw = write(n.resolve("0640.sst"), randomBytes(10, 5));
        Path exe = write(n.resolve("bin/0755"), randomBytes(10, 6));
        Path ro = write(n.resolve("ro/0444"), randomBytes(10, 7));
        Path roDir = n.resolve("ro");
        Path binDir = n.resolve("bin");
        Files.setPosixFilePermissions(rw, PosixFilePermissions.fromString("rw-r-----"));
        Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r--r--r--"));
        Files.setPosixFilePermissions(binDir, PosixFilePermissions.fromString("rwxr-x---"));
        long base = 1_764_058_389_123_456_789L;
        for (Path p : List.of(rw, exe, ro)) {
            Files.setLastModifiedTime(p, FileTime.from(base += 1_000_001_111L, TimeUnit.NANOSECONDS));
        }
        Files.setLastModifiedTime(binDir, FileTime.from(base += 7, TimeUnit.NANOSECONDS));
        Files.setLastModifiedTime(roDir, FileTime.from(base += 7, TimeUnit.NANOSECONDS));
        // A read-only directory last, so restore must fill it before locking it.
        Files.setPosixFilePermissions(roDir, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            push(store, node("n", n));

            RestoreResult r = restore(store, Repository.LATEST, target);

            assertThat(r.failures()).isEmpty();
            for (String rel : List.of("0640.sst", "bin/0755", "ro/0444", "bin", "ro")) {
                Path original = n.resolve(rel);
                Path restored = target.resolve("n").resolve(rel);
                assertThat(Files.getPosixFilePermissions(restored)).as(rel)
                        .isEqualTo(Files.getPosixFilePermissions(original));
                assertThat(Files.getLastModifiedTime(restored)).as(rel).isEqualTo(Files.getLastModifiedTime(original));
            }
            assertThat(Files.getLastModifiedTime(target.resolve("n/0640.sst")).to(TimeUnit.NANOSECONDS) % 1000)
                    .as("sub-microsecond digits survive (ext4, tmpfs and xfs keep them)")
                    .isEqualTo(Files.getLastModifiedTime(rw).to(TimeUnit.NANOSECONDS) % 1000);
        } finally {
            Files.setPosixFilePermissions(roDir, PosixFilePermissions.fromString("rwxr-xr-x"));
            if (Files.isDirectory(target.resolve("n/ro"))) {
                Files.setPosixFilePermissions(target.resolve("n/ro"), PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
    }

    @Test
    void restoresOneNodeOnly() throws Exception {
        pushCluster();

        RestoreResult r = restore(store, Repository.LATEST, target, new RestoreOptions("2", false, 4));

        assertThat(r.failures()).isEmpty();
        assertThat(tree(target)).containsExactly("2", "2/000001.sst", "2/000002.sst");
        assertSameTree(src.resolve("2"), target.resolve("2"));
        assertThat(r.files()).isEqualTo(2);
    }

    @Test
    void anUnknownNodeIsNotFoundAndNothingIsWritten() throws Exception {
        pushCluster();

        assertThatThrownBy(() -> restore(store, Repository.LATEST, target, new RestoreOptions("9", false, 4)))
                .isInstanceOfSatisfying(BackupException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND);
                    assertThat(e.getMessage()).contains("'9'").contains("1").contains("2");
                });
        assertThat(target).doesNotExist();
    }

    @Test
    void anUnknownBackupIsNotFound() throws Exception {
        pushCluster();
        String other = BackupId.generate(Instant.parse("2020-01-01T00:00:00Z"), new SplittableRandom(5));

        assertThatThrownBy(() -> restore(store, other, target))
                .isInstanceOfSatisfying(BackupException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND));
        assertThat(target).doesNotExist();
    }

    @Test
    void aNonEmptyTargetIsRefusedWithoutForceAndNothingIsWritten() throws Exception {
        pushCluster();
        Path mine = write(target.resolve("mine.txt"), "keep me".getBytes(StandardCharsets.UTF_8));

        assertThatThrownBy(() -> restore(store, Repository.LATEST, target))
                .isInstanceOfSatisfying(BackupException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.INVALID_INPUT);
                    assertThat(e.getMessage()).contains(target.toString()).contains("not empty").contains("force");
                });
        assertThat(tree(target)).containsExactly("mine.txt");
        assertThat(mine).hasContent("keep me");
    }

    @Test
    void aNonEmptyTargetIsRestoredIntoWithForce() throws Exception {
        pushCluster();
        write(target.resolve("mine.txt"), "keep me".getBytes(StandardCharsets.UTF_8));
        // A stale file of the backup is replaced.
        write(target.resolve("1/000002.sst"), "stale".getBytes(StandardCharsets.UTF_8));

        RestoreResult r = restore(store, Repository.LATEST, target, new RestoreOptions(null, true, 4));

        assertThat(r.failures()).isEmpty();
        assertThat(target.resolve("mine.txt")).hasContent("keep me");
        assertThat(target.resolve("1/000002.sst")).hasSameBinaryContentAs(src.resolve("1/000002.sst"));
        Files.delete(target.resolve("mine.txt"));
        assertSameTree(src, target);
    }

    @Test
    void aDeltaRestoreRemovesTheTemporaryCopyAKilledRestoreLeftBesideAFinishedFile() throws Exception {
        pushCluster();
        assertThat(restore(store, Repository.LATEST, target).complete()).isTrue();
        // A restore with --force killed while rewriting 1/000001.sst: the old file is complete, its copy is not.
        Path partial = target.resolve("1/.000001.sst.s3backup-partial");
        write(partial, randomBytes(100, 9));

        RestoreResult r = restore(store, Repository.LATEST, target, new RestoreOptions(null, false, 4, true));

        assertThat(r.complete()).isTrue();
        assertThat(r.filesKept()).isEqualTo(7);
        assertThat(partial).doesNotExist();
        assertSameTree(src, target);
    }

    @Test
    void anEmptyExistingTargetIsFine() throws Exception {
        pushCluster();
        Files.createDirectories(target);

        assertThat(restore(store, Repository.LATEST, target).complete()).isTrue();
        assertSameTree(src, target);
    }

    @Test
    void aTargetThatIsAFileIsRefused() throws Exception {
        pushCluster();
        write(target, "x".getBytes(StandardCharsets.UTF_8));

        assertThatThrownBy(() -> restore(store, Repository.LATEST, target, new RestoreOptions(null, true, 4)))
                .isInstanceOfSatisfying(BackupException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_INPUT));
    }

    private Path chunkFile(PushResult pushed, String node, String path) {
        ChunkRef chunk = entry(store, pushed.backupId(), node, path).chunks().get(0);
        Path file = store.root().resolve(RepositoryLayout.chunkKey(chunk.hash()));
        assertThat(file).isRegularFile();
        return file;
    }

    @Test
    void aCorruptedChunkFailsOnlyItsFileWhichIsLeftNowhere() throws Exception {
        PushResult pushed = pushCluster();
        Path chunk = chunkFile(pushed, "2", "000001.sst");
        byte[] bytes = Files.readAllBytes(chunk);
        bytes[bytes.length / 2] ^= 0x40;
        chunk.toFile().setWritable(true);
        Files.write(chunk, bytes);

        RestoreResult r = restore(store, Repository.LATEST, target);

        assertThat(r.complete()).isFalse();
        assertThat(r.failures()).singleElement().satisfies(f -> {
            assertThat(f.path()).isEqualTo("2/000001.sst");
            assertThat(f.reason()).isEqualTo(Reason.INTEGRITY);
            assertThat(f.message()).contains("2/000001.sst").contains("corrupt");
        });
        assertThat(r.files()).isEqualTo(6);
        assertThat(target.resolve("2/000001.sst")).doesNotExist();
        assertThat(tree(target)).noneMatch(p -> p.contains("partial") || p.contains("000001.sst") && p.startsWith("2"));
        Files.delete(src.resolve("2/000001.sst"));
        assertSameTree(src, target);
    }

    @Test
    void aTruncatedChunkIsCorruptToo() throws Exception {
        PushResult pushed = pushCluster();
        Path chunk = chunkFile(pushed, "1", "000001.sst");
        byte[] bytes = Files.readAllBytes(chunk);
        Files.write(chunk, Arrays.copyOf(bytes, bytes.length - 1));

        RestoreResult r = restore(store, Repository.LATEST, target);

        assertThat(r.failures()).singleElement().satisfies(f -> {
            assertThat(f.path()).isEqualTo("1/000001.sst");
            assertThat(f.reason()).isEqualTo(Reason.INTEGRITY);
        });
        assertThat(target.resolve("1/000001.sst")).doesNotExist();
        assertThat(tree(target)).noneMatch(p -> p.endsWith(".s3backup-partial"));
    }

    @Test
    void aMissingChunkIsAnIntegrityFailureSayingSo() throws Exception {
        PushResult pushed = pushCluster();
        Files.delete(chunkFile(pushed, "1", "000002.sst"));

        RestoreResult r = restore(store, Repository.LATEST, target);

        // 1/000002.sst and 2/000002.sst share their only chunk.
        assertThat(r.failures()).extracting(RestoreResult.Failure::path)
                .containsExactlyInAnyOrder("1/000002.sst", "2/000002.sst");
        assertThat(r.failures()).allSatisfy(f -> {
            assertThat(f.reason()).isEqualTo(Reason.INTEGRITY);
            assertThat(f.message()).contains("missing");
        });
        assertThat(target.resolve("1/000002.sst")).doesNotExist();
        assertThat(target.resolve("2/000002.sst")).doesNotExist();
        assertThat(target.resolve("1/000001.sst")).hasSameBinaryContentAs(src.resolve("1/000001.sst"));
        assertThat(tree(target)).noneMatch(p -> p.endsWith(".s3backup-partial"));
    }

    /** A store whose chunk streams break mid-read with an unchecked exception, as an HTTP client's may. */
    private static final class BreakingStream extends DelegatingStore {
        private final String brokenKey;

        BreakingStream(ObjectStore delegate, String brokenKey) {
            super(delegate);
            this.brokenKey = brokenKey;
        }

        @Override
        public InputStream get(String key) {
            InputStream in = delegate.get(key);
            if (!key.equals(brokenKey)) {
                return in;
            }
            return new FilterInputStream(in) {
                @Override
                public int read(byte[] b, int off, int len) {
                    throw new IllegalStateException("connection reset by peer");
                }

                @Override
                public int read() {
                    throw new IllegalStateException("connection reset by peer");
                }
            };
        }
    }

    @Test
    void anUncheckedFailureWhileDownloadingIsReportedNotLost() throws Exception {
        PushResult pushed = pushCluster();
        ChunkRef chunk = entry(store, pushed.backupId(), "2", "000001.sst").chunks().get(0);

        RestoreResult r = restore(new BreakingStream(store, RepositoryLayout.chunkKey(chunk.hash())),
                Repository.LATEST, target);

        assertThat(r.complete()).isFalse();
        assertThat(r.failures()).singleElement().satisfies(f -> {
            assertThat(f.path()).isEqualTo("2/000001.sst");
            assertThat(f.message()).contains("connection reset by peer");
        });
        assertThat(target.resolve("2/000001.sst")).doesNotExist();
        assertThat(tree(target)).noneMatch(p -> p.endsWith(".s3backup-partial"));
    }

    @Test
    void anErrorInAWorkerFailsTheRestoreNamingTheFile() throws Exception {
        PushResult pushed = pushCluster();
        ChunkRef chunk = entry(store, pushed.backupId(), "2", "000001.sst").chunks().get(0);
        String brokenKey = RepositoryLayout.chunkKey(chunk.hash());
        ObjectStore erring = new DelegatingStore(store) {
            @Override
            public InputStream get(String key) {
                if (key.equals(brokenKey)) {
                    throw new AssertionError("injected worker error");
                }
                return super.get(key);
            }
        };

        assertThatThrownBy(() -> restore(erring, Repository.LATEST, target))
                .isNotInstanceOf(BackupException.class)
                .hasMessageContaining("2/000001.sst")
                .hasRootCauseInstanceOf(AssertionError.class)
                .hasRootCauseMessage("injected worker error");
        assertThat(target.resolve("2/000001.sst")).doesNotExist();
        assertThat(tree(target)).noneMatch(p -> p.contains(".s3backup-partial"));
    }

    private void assertRefusedBeforeWriting(String id, String... messageParts) throws IOException {
        for (boolean targetExists : new boolean[] {false, true}) {
            if (targetExists) {
                Files.createDirectories(target);
            }
            assertThatThrownBy(() -> restore(store, id, target))
                    .isInstanceOfSatisfying(BackupException.class, e -> {
                        assertThat(e.reason()).isEqualTo(Reason.INTEGRITY);
                        assertThat(e.getMessage()).contains(messageParts);
                    });
            if (targetExists) {
                assertThat(tree(target)).isEmpty();
            } else {
                assertThat(target).doesNotExist();
            }
        }
    }

    /** Restores the backup whole, then each node alone: every link comes back as the same link. */
    private void assertLinksRestoredAsThemselves(String id, Map<String, String> links) throws IOException {
        RestoreResult whole = restore(store, id, target);
        assertThat(whole.complete()).isTrue();
        assertSameTree(src, target);
        RestoreResult oneNode = restore(store, id, dir.resolve("node-only"), new RestoreOptions("n", false, 2));
        assertThat(oneNode.complete()).isTrue();
        for (Map.Entry<String, String> link : links.entrySet()) {
            for (Path root : List.of(target, dir.resolve("node-only"))) {
                Path restored = root.resolve(link.getKey());
                assertThat(Files.isSymbolicLink(restored)).as(restored.toString()).isTrue();
                assertThat(Files.readSymbolicLink(restored).toString()).isEqualTo(link.getValue());
            }
        }
    }

    @Test
    void anAbsoluteSymlinkIsRestoredAsTheSameLinkAndNotFollowed() throws Exception {
        Path n = src.resolve("n");
        write(n.resolve("a.sst"), randomBytes(10, 1));
        Path outside = Files.writeString(dir.resolve("outside.txt"), "outside");
        FileTime before = Files.getLastModifiedTime(outside);
        Files.createSymbolicLink(n.resolve("passwd"), Path.of("/etc/passwd"));
        Files.createSymbolicLink(n.resolve("outside"), outside);
        PushResult pushed = push(store, node("n", n));

        assertLinksRestoredAsThemselves(pushed.backupId(),
                Map.of("n/passwd", "/etc/passwd", "n/outside", outside.toString()));
        assertThat(outside).hasContent("outside");
        assertThat(Files.getLastModifiedTime(outside)).isEqualTo(before);
    }

    @Test
    void aSymlinkClimbingOutOfTheTargetIsRestoredAsTheSameLinkAndNotFollowed() throws Exception {
        Path n = src.resolve("n");
        write(n.resolve("a.sst"), randomBytes(10, 1));
        Files.createDirectories(n.resolve("sub"));
        Files.createSymbolicLink(n.resolve("sub/up"), Path.of("../../../x"));
        Files.createSymbolicLink(n.resolve("sub/updir"), Path.of("../../../xdir"));
        PushResult pushed = push(store, node("n", n));

        assertLinksRestoredAsThemselves(pushed.backupId(),
                Map.of("n/sub/up", "../../../x", "n/sub/updir", "../../../xdir"));
        assertThat(dir.resolve("x")).doesNotExist();
        assertThat(dir.resolve("xdir")).doesNotExist();
    }

    @Test
    void aSymlinkClimbingThroughAnotherSymlinkIsRestoredAsTheSameLinkAndNotFollowed() throws Exception {
        // Lexically n/c/../../x is <target>/x; but c is a link to ".", so the kernel resolves
        // <target>/n/c/../.. to <target>/.. and the link leaves the target.
        Path n = src.resolve("n");
        write(n.resolve("a.sst"), randomBytes(10, 1));
        Files.createSymbolicLink(n.resolve("c"), Path.of("."));
        Files.createSymbolicLink(n.resolve("a"), Path.of("c/../../x"));
        // The kernel agrees: from the source, the link reaches a file beside src/, outside it.
        Files.writeString(dir.resolve("x"), "outside");
        assertThat(n.resolve("a")).hasContent("outside");
        PushResult pushed = push(store, node("n", n));

        assertLinksRestoredAsThemselves(pushed.backupId(), Map.of("n/a", "c/../../x", "n/c", "."));
        assertThat(dir.resolve("x")).hasContent("outside");
    }

    @Test
    void withForceOrDeltaExistingLinksInTheTargetAreReplacedNeverWrittenThrough() throws Exception {
        Path n = src.resolve("n");
        byte[] content = randomBytes(10, 1);
        write(n.resolve("a.sst"), content);
        Files.createSymbolicLink(n.resolve("passwd"), Path.of("/etc/passwd"));
        push(store, node("n", n));
        for (RestoreOptions options : List.of(new RestoreOptions(null, true, 2), new RestoreOptions(null, false, 2, true))) {
            // Sentinels beside the target: a restore that writes through a link changes them.
            Path fileSentinel = Files.writeString(dir.resolve("file-sentinel"), "keep");
            Path linkSentinel = Files.writeString(dir.resolve("link-sentinel"), "keep");
            Files.createDirectories(target.resolve("n"));
            Files.deleteIfExists(target.resolve("n/a.sst"));
            Files.deleteIfExists(target.resolve("n/passwd"));
            Files.createSymbolicLink(target.resolve("n/a.sst"), fileSentinel);
            Files.createSymbolicLink(target.resolve("n/passwd"), linkSentinel);

            RestoreResult r = restore(store, Repository.LATEST, target, options);

            assertThat(r.complete()).isTrue();
            assertThat(fileSentinel).hasContent("keep");
            assertThat(linkSentinel).hasContent("keep");
            assertThat(Files.isSymbolicLink(target.resolve("n/a.sst"))).isFalse();
            assertThat(target.resolve("n/a.sst")).hasBinaryContent(content);
            assertThat(Files.readSymbolicLink(target.resolve("n/passwd"))).isEqualTo(Path.of("/etc/passwd"));
        }
    }

    @Test
    void symlinksThatStayInsideAreRestored() throws Exception {
        Path n = src.resolve("n");
        write(n.resolve("sub/a.sst"), randomBytes(10, 1));
        Files.createSymbolicLink(n.resolve("sub/same-dir"), Path.of("a.sst"));
        Files.createSymbolicLink(n.resolve("sub/up-and-down"), Path.of("../sub/a.sst"));
        Files.createSymbolicLink(n.resolve("to-other-node"), Path.of("../m/b.sst"));
        Files.createSymbolicLink(n.resolve("dangling"), Path.of("not-there"));
        Files.createSymbolicLink(n.resolve("self"), Path.of("."));
        Path m = src.resolve("m");
        write(m.resolve("b.sst"), randomBytes(10, 2));
        push(store, node("n", n), node("m", m));

        RestoreResult r = restore(store, Repository.LATEST, target);

        assertThat(r.failures()).isEmpty();
        assertSameTree(src, target);
        assertThat(target.resolve("n/to-other-node")).hasSameBinaryContentAs(m.resolve("b.sst"));
    }

    @Test
    void withForceAnExistingLinkInTheTargetDoesNotLeadRestoreOutside() throws Exception {
        Path n = src.resolve("n");
        write(n.resolve("a.sst"), randomBytes(10, 1));
        Files.createSymbolicLink(n.resolve("link"), Path.of("a.sst"));
        push(store, node("n", n));
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Files.createDirectories(target);
        Files.createSymbolicLink(target.resolve("n"), elsewhere);

        RestoreResult[] result = new RestoreResult[1];
        try {
            result[0] = restore(store, Repository.LATEST, target, new RestoreOptions(null, true, 2));
        } catch (BackupException e) {
            assertThat(e.reason()).isEqualTo(Reason.INTEGRITY);
        }

        assertThat(tree(elsewhere)).isEmpty();
        if (result[0] != null) {
            assertThat(result[0].complete()).isFalse();
        }
    }

    // ---- manifests that s3backup's own push would never write ----

    private static final Instant CREATED = Instant.parse("2026-11-25T09:00:00Z");

    private String commit(List<Node> nodes, List<Entry> entries, Map<String, String> replace) throws IOException {
        String id = BackupId.generate(CREATED, new SplittableRandom(entries.size()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ManifestWriter w = ManifestCodec.newWriter(out,
                new ManifestHeader(id, "", CREATED, "test", "host", null, nodes, Map.of()))) {
            for (Entry e : entries) {
                w.write(e);
            }
            w.finish();
        }
        byte[] manifest = out.toByteArray();
        if (!replace.isEmpty()) {
            manifest = rewriteBody(manifest, replace);
        }
        Path file = Files.write(dir.resolve("crafted-" + id), manifest);
        Repository.open(store).commitManifest(id, file);
        return id;
    }

    /**
     * Manifest v1 is magic and version (9 bytes), a zlib body, then a SHA-256 of everything before
     * it. The writer refuses unsafe paths, so an attacker's manifest is made by editing the body
     * and recomputing the checksum: a valid-looking manifest that restore must still refuse.
     */
    private static byte[] rewriteBody(byte[] manifest, Map<String, String> replace) {
        int prefix = 9;
        byte[] compressed = Arrays.copyOfRange(manifest, prefix, manifest.length - 32);
        Inflater inflater = new Inflater();
        inflater.setInput(compressed);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            while (!inflater.finished()) {
                int n = inflater.inflate(buf);
                assertThat(n > 0 || inflater.finished()).isTrue();
                body.write(buf, 0, n);
            }
        } catch (java.util.zip.DataFormatException e) {
            throw new AssertionError("manifest layout changed: " + e);
        } finally {
            inflater.end();
        }
        byte[] plain = body.toByteArray();
        for (Map.Entry<String, String> r : replace.entrySet()) {
            byte[] from = r.getKey().getBytes(StandardCharsets.UTF_8);
            byte[] to = r.getValue().getBytes(StandardCharsets.UTF_8);
            assertThat(to).hasSameSizeAs(from);
            int at = indexOf(plain, from);
            assertThat(at).as("placeholder " + r.getKey() + " in the manifest body").isNotNegative();
            System.arraycopy(to, 0, plain, at, to.length);
        }
        Deflater deflater = new Deflater();
        deflater.setInput(plain);
        deflater.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(manifest, 0, prefix);
        while (!deflater.finished()) {
            int n = deflater.deflate(buf);
            out.write(buf, 0, n);
        }
        deflater.end();
        MessageDigest sha = Sha256.newDigest();
        sha.update(out.toByteArray());
        out.writeBytes(sha.digest());
        return out.toByteArray();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private Entry storedFile(String node, String path, byte[] content) {
        Sha256 hash = Sha256.digest(content, 0, content.length);
        Repository.open(store).store().putIfAbsent(RepositoryLayout.chunkKey(hash),
                dev.s3backup.core.store.Payload.of(content, 0, content.length, hash.bytes()));
        return Entry.file(node, path, 0644, CREATED.toEpochMilli() * 1_000_000, content.length, hash,
                List.of(new ChunkRef(hash, content.length)));
    }

    @Test
    void theCraftedManifestHelperProducesAReadableManifest() throws Exception {
        String id = commit(List.of(new Node("n", "/src/n")),
                List.of(storedFile("n", "QQ/file", randomBytes(10, 1))), Map.of("QQ/file", "ok/file"));

        RestoreResult r = restore(store, id, target);

        assertThat(r.failures()).isEmpty();
        assertThat(tree(target)).containsExactly("n", "n/ok", "n/ok/file");
    }

    @Test
    void aManifestWithADotDotPathIsRefusedBeforeAnythingIsWritten() throws Exception {
        String id = commit(List.of(new Node("n", "/src/n")),
                List.of(storedFile("n", "fine.sst", randomBytes(10, 1)),
                        storedFile("n", "QQ/QQ/evil", randomBytes(10, 2))),
                Map.of("QQ/QQ/evil", "../../evil"));

        assertRefusedBeforeWriting(id, id);
        assertThat(dir.resolve("evil")).doesNotExist();
    }

    @Test
    void aManifestWithAnAbsolutePathIsRefusedBeforeAnythingIsWritten() throws Exception {
        String abs = dir.resolve("evil").toString().substring(1);
        String placeholder = "Q" + abs;
        String id = commit(List.of(new Node("n", "/src/n")),
                List.of(storedFile("", placeholder, randomBytes(10, 1)), storedFile("n", "fine", randomBytes(10, 2))),
                Map.of(placeholder, "/" + abs));

        assertRefusedBeforeWriting(id, id);
        assertThat(dir.resolve("evil")).doesNotExist();
    }

    @Test
    void aLooseFileBelowADirectoryIsRefused() throws Exception {
        String id = commit(List.of(new Node("n", "/src/n")),
                List.of(storedFile("n", "fine", randomBytes(10, 1)), storedFile("", "sub/coordinator.bin",
                        randomBytes(10, 2))), Map.of());

        assertRefusedBeforeWriting(id, "sub/coordinator.bin", "top");
    }

    @Test
    void aLooseFileNamedLikeANodeIsRefused() throws Exception {
        String id = commit(List.of(new Node("n", "/src/n")),
                List.of(storedFile("", "n", randomBytes(10, 1)), storedFile("n", "fine", randomBytes(10, 2))), Map.of());

        assertRefusedBeforeWriting(id, "'n'", "collides");
    }

    @Test
    void anEntryTwiceIsRefused() throws Exception {
        String id = commit(List.of(new Node("n", "/src/n")),
                List.of(storedFile("n", "a", randomBytes(10, 1)), storedFile("n", "a", randomBytes(10, 2))), Map.of());

        assertRefusedBeforeWriting(id, "n/a", "twice");
    }

    @Test
    void aFileBelowASymlinkIsRefused() throws Exception {
        String id = commit(List.of(new Node("n", "/src/n")),
                List.of(Entry.symlink("n", "link", 0, "sub"), Entry.directory("n", "sub", 0755, 0),
                        storedFile("n", "link/x", randomBytes(10, 1))), Map.of());

        assertRefusedBeforeWriting(id, "n/link/x", "symbolic link");
    }

    @Test
    void aFileBeforeTheSymlinkAboveItIsRefused() throws Exception {
        // The entry order that a check of "links seen so far" would miss.
        String id = commit(List.of(new Node("n", "/src/n")),
                List.of(storedFile("n", "link/passwd", randomBytes(10, 1)), Entry.symlink("n", "link", 0, "sub"),
                        Entry.directory("n", "sub", 0755, 0)), Map.of());

        assertRefusedBeforeWriting(id, "n/link/passwd", "symbolic link 'n/link'");
    }

    @Test
    void aLinkToEtcThenAFileThroughItIsRefused() throws Exception {
        String id = commit(List.of(new Node("n", "/src/n")),
                List.of(Entry.symlink("n", "a/link", 0, "/etc"), storedFile("n", "a/link/passwd", randomBytes(10, 1))),
                Map.of());

        assertRefusedBeforeWriting(id, "n/a/link");
    }

    @Test
    void aFileBelowAFileIsRefused() throws Exception {
        String id = commit(List.of(new Node("n", "/src/n")),
                List.of(storedFile("n", "a", randomBytes(10, 1)), storedFile("n", "a/b", randomBytes(10, 2))), Map.of());

        assertRefusedBeforeWriting(id, "n/a/b", "file 'n/a'");
    }

    @Test
    void aFileNamedLikeAnotherFilesTemporaryNameIsRestoredBesideIt() throws Exception {
        // A backed-up leftover of an interrupted restore, restored first: restoring "x" must
        // neither truncate it nor rename it away as if it were x's own temporary file.
        byte[] leftover = randomBytes(10, 1);
        byte[] x = randomBytes(CHUNK, 2);
        byte[] nextLeftover = randomBytes(20, 3);
        String id = commit(List.of(new Node("n", "/src/n")),
                List.of(storedFile("n", ".x.s3backup-partial", leftover),
                        storedFile("n", ".x.s3backup-partial~1", nextLeftover), storedFile("n", "x", x)), Map.of());

        for (int threads : new int[] {1, 4}) {
            Path into = dir.resolve("target-" + threads);
            RestoreResult r = restore(store, id, into, new RestoreOptions(null, false, threads));

            assertThat(r.failures()).isEmpty();
            assertThat(into.resolve("n/.x.s3backup-partial")).hasBinaryContent(leftover);
            assertThat(into.resolve("n/.x.s3backup-partial~1")).hasBinaryContent(nextLeftover);
            assertThat(into.resolve("n/x")).hasBinaryContent(x);
            assertThat(tree(into)).containsExactlyInAnyOrder("n", "n/.x.s3backup-partial", "n/.x.s3backup-partial~1",
                    "n/x");
        }
    }

    @Test
    void withForceAnExistingLinkInTheTargetLeadingOutsideCreatesNothingThere() throws Exception {
        Path n = src.resolve("n");
        write(n.resolve("deep/sub/a.sst"), randomBytes(10, 1));
        write(n.resolve("deep/b.sst"), randomBytes(10, 2));
        Files.createDirectories(n.resolve("deep/empty-dir"));
        Files.createSymbolicLink(n.resolve("deep/link"), Path.of("b.sst"));
        push(store, node("n", n));
        // A sentinel beside the target: a restore that follows the link writes into it.
        Path sentinel = Files.createDirectories(dir.resolve("sentinel"));
        Files.createDirectories(target.resolve("n"));
        Files.createSymbolicLink(target.resolve("n/deep"), sentinel);

        RestoreResult[] result = new RestoreResult[1];
        try {
            result[0] = restore(store, Repository.LATEST, target, new RestoreOptions(null, true, 2));
        } catch (BackupException e) {
            assertThat(e.reason()).isEqualTo(Reason.INTEGRITY);
            assertThat(e.getMessage()).contains("leads outside");
        }

        assertThat(tree(sentinel)).isEmpty();
        if (result[0] != null) {
            assertThat(result[0].complete()).isFalse();
        }
    }

    @Test
    void withForceAnExistingLinkInTheTargetLeadingInsideIsFollowed() throws Exception {
        Path n = src.resolve("n");
        write(n.resolve("deep/a.sst"), randomBytes(10, 1));
        push(store, node("n", n));
        Path inside = Files.createDirectories(target.resolve("elsewhere"));
        Files.createDirectories(target.resolve("n"));
        Files.createSymbolicLink(target.resolve("n/deep"), inside);

        RestoreResult r = restore(store, Repository.LATEST, target, new RestoreOptions(null, true, 2));

        assertThat(r.failures()).isEmpty();
        assertThat(inside.resolve("a.sst")).hasBinaryContent(randomBytes(10, 1));
    }

    @Test
    void aChunkLargerThanTheRepositoryChunkSizeIsRefused() throws Exception {
        String id = commit(List.of(new Node("n", "/src/n")),
                List.of(storedFile("n", "huge", randomBytes(CHUNK + 1, 1))), Map.of());

        assertRefusedBeforeWriting(id, "n/huge", "chunk");
    }

    @Test
    void aFileWhoseChunksDoNotMakeItsHashFailsItsFileOnly() throws Exception {
        Entry good = storedFile("n", "good", randomBytes(10, 1));
        Entry other = storedFile("n", "other", randomBytes(10, 2));
        // Chunks that verify one by one, but the whole-file hash is another file's.
        Entry lying = Entry.file("n", "lying", 0644, 0, 10, good.sha256(), other.chunks());
        String id = commit(List.of(new Node("n", "/src/n")), List.of(good, lying, other), Map.of());

        RestoreResult r = restore(store, id, target);

        assertThat(r.failures()).singleElement().satisfies(f -> {
            assertThat(f.path()).isEqualTo("n/lying");
            assertThat(f.reason()).isEqualTo(Reason.INTEGRITY);
        });
        assertThat(tree(target)).containsExactly("n", "n/good", "n/other");
    }

    @Test
    void aGarbledManifestIsAnIntegrityFailureAndNothingIsWritten() throws Exception {
        String id = BackupId.generate(CREATED, new SplittableRandom(77));
        Repository.open(store).commitManifest(id, Files.write(dir.resolve("garbage"), randomBytes(300, 1)));

        assertRefusedBeforeWriting(id, id);
    }

    @Test
    void aTruncatedManifestIsAnIntegrityFailureAndNothingIsWritten() throws Exception {
        pushCluster();
        String good = Repository.open(store).resolve(Repository.LATEST);
        byte[] bytes = Files.readAllBytes(store.root().resolve(RepositoryLayout.manifestKey(good)));
        String id = BackupId.generate(CREATED.plusSeconds(1_000_000), new SplittableRandom(78));
        Repository.open(store).commitManifest(id,
                Files.write(dir.resolve("truncated"), Arrays.copyOf(bytes, bytes.length - 40)));

        assertRefusedBeforeWriting(id, id);
    }
}
