package dev.s3backup.core.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.push.DelegatingStore;
import dev.s3backup.core.push.Fixtures;
import dev.s3backup.core.push.Push;
import dev.s3backup.core.push.PushProgress;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.repo.RepositoryLayout;
import dev.s3backup.core.store.InMemoryObjectStore;
import dev.s3backup.core.store.InMemoryObjectStore.Op;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.Payload;
import dev.s3backup.core.store.StoreException;
import dev.s3backup.core.verify.VerifyOptions.ReadData;
import dev.s3backup.core.verify.VerifyResult.ChunkProblem;
import dev.s3backup.core.verify.VerifyResult.Dependent;
import dev.s3backup.manifest.BackupId;
import dev.s3backup.manifest.ChunkRef;
import dev.s3backup.manifest.Entry;
import dev.s3backup.manifest.ManifestCodec;
import dev.s3backup.manifest.ManifestHeader;
import dev.s3backup.manifest.ManifestWriter;
import dev.s3backup.manifest.Node;
import dev.s3backup.manifest.Sha256;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifierTest {
    private static final Instant NOW = Instant.parse("2026-12-01T03:00:00Z");
    private static final int PAGE = 10;

    @TempDir
    Path dir;
    InMemoryObjectStore store;
    Path node;

    @BeforeEach
    void setUp() {
        store = new InMemoryObjectStore(Clock.systemUTC(), PAGE);
        Repository.init(store, 64 << 10);
        node = dir.resolve("node1");
    }

    /** Files of one chunk each: file i has chunk hash = file hash. */
    private String pushFiles(int count, long seed) {
        for (int i = 0; i < count; i++) {
            Fixtures.write(node.resolve(String.format("%06d.sst", i)), Fixtures.randomBytes(100 + i, seed * 1000 + i));
        }
        return Fixtures.push(store, Fixtures.node("n1", node)).backupId();
    }

    private VerifyResult verify(VerifyOptions options, Instant now) {
        Repository repo = Repository.open(store);
        return new Verifier(repo, options, Clock.fixed(now, ZoneOffset.UTC), new VerifyProgress(), new SplittableRandom(now.toEpochMilli())).run();
    }

    private static VerifyOptions tier1() {
        return VerifyOptions.defaults("host", "test");
    }

    private static String chunkKeyOf(byte[] content) {
        return RepositoryLayout.chunkKey(Sha256.digest(content, 0, content.length));
    }

    private String keyOfFile(String name) throws IOException {
        return chunkKeyOf(Files.readAllBytes(node.resolve(name)));
    }

    @Test
    void cleanRepositoryPassesTierOneWithOneListingPagePerPageOfChunks() {
        pushFiles(45, 1);
        VerifyResult r = verify(tier1(), NOW);
        assertThat(r.ok()).as(r.toString()).isTrue();
        assertThat(r.worstReason()).isNull();
        assertThat(r.chunksReferenced()).isEqualTo(45);
        assertThat(r.chunksPresent()).isEqualTo(45);
        assertThat(r.otherObjects()).isZero();
        assertThat(r.chunksRead()).isZero();
        // 45 chunks at 10 keys a page: 5 pages; plus 1 LIST of manifests. Config and manifest: 2 GETs. The log: 1 PUT.
        assertThat(r.requests().list()).isEqualTo(5 + 1);
        assertThat(r.requests().get()).isEqualTo(2);
        assertThat(r.requests().head()).isZero();
        assertThat(r.requests().put()).isEqualTo(1);
        assertThat(r.logKey()).startsWith("verify/" + r.runId());
        assertThat(store.keys()).contains("verify/" + r.runId());
    }

    @Test
    void deletedChunkIsMissingAndNamesEveryBackupAndFileThatUsesIt() throws IOException {
        String first = pushFiles(5, 1);
        Fixtures.write(node.resolve("extra.sst"), Fixtures.randomBytes(500, 99));
        String second = Fixtures.push(store, Fixtures.node("n1", node)).backupId();
        String key = keyOfFile("000002.sst");
        assertThat(store.remove(key)).isTrue();

        VerifyResult r = verify(tier1(), NOW);
        assertThat(r.ok()).isFalse();
        assertThat(r.worstReason()).isEqualTo(BackupException.Reason.INTEGRITY);
        assertThat(r.problems()).hasSize(1);
        ChunkProblem p = r.problems().get(0);
        assertThat(p.kind()).isEqualTo(ChunkProblem.Kind.MISSING);
        assertThat(RepositoryLayout.chunkKey(p.hash())).isEqualTo(key);
        assertThat(p.dependents()).containsExactlyInAnyOrder(new Dependent(first, "n1/000002.sst"),
                new Dependent(second, "n1/000002.sst"));
        assertThat(r.backups()).hasSize(2).allSatisfy(b -> {
            assertThat(b.manifestProblem()).isNull();
            assertThat(b.damagedFiles()).containsExactly("n1/000002.sst");
        });
    }

    @Test
    void chunkOfTheWrongSizeIsFoundByTheListingAlone() throws IOException {
        pushFiles(3, 1);
        String key = keyOfFile("000001.sst");
        store.replace(key, Arrays.copyOf(store.content(key), 50));
        VerifyResult r = verify(tier1(), NOW);
        assertThat(r.problems()).singleElement().satisfies(p -> {
            assertThat(p.kind()).isEqualTo(ChunkProblem.Kind.WRONG_SIZE);
            assertThat(p.detail()).contains("50 bytes", "101");
            assertThat(p.dependents()).extracting(Dependent::path).containsExactly("n1/000001.sst");
        });
        assertThat(r.requests().get()).as("no chunk was read").isEqualTo(2);
    }

    @Test
    void flippedByteNeedsReadDataToBeFound() throws IOException {
        pushFiles(4, 1);
        String key = keyOfFile("000003.sst");
        store.corrupt(key);
        assertThat(verify(tier1(), NOW).ok()).as("same size: tier 1 cannot see it").isTrue();

        VerifyResult r = verify(tier1().withReadData(ReadData.all()), NOW.plusSeconds(1));
        assertThat(r.chunksRead()).isEqualTo(4);
        assertThat(r.bytesRead()).isEqualTo(100 + 101 + 102 + 103);
        assertThat(r.problems()).singleElement().satisfies(p -> {
            assertThat(p.kind()).isEqualTo(ChunkProblem.Kind.CORRUPT);
            assertThat(p.detail()).contains("does not match its hash");
            assertThat(p.dependents()).extracting(Dependent::path).containsExactly("n1/000003.sst");
        });
        assertThat(r.backups().get(0).damagedFiles()).containsExactly("n1/000003.sst");
    }

    @Test
    void damagedManifestIsReportedAndTheOtherBackupsAreStillVerified() {
        String good = pushFiles(3, 1);
        String damaged = BackupId.generate(NOW.minusSeconds(60), new SplittableRandom(5));
        byte[] bytes = store.content(RepositoryLayout.manifestKey(good));
        store.replace(RepositoryLayout.manifestKey(damaged), Arrays.copyOf(bytes, bytes.length - 20));

        VerifyResult r = verify(tier1(), NOW);
        assertThat(r.ok()).isFalse();
        assertThat(r.worstReason()).isEqualTo(BackupException.Reason.INTEGRITY);
        assertThat(r.backups()).extracting(VerifyResult.BackupStatus::id).containsExactly(good, damaged);
        assertThat(r.backups().get(1).manifestProblem()).contains("damaged", "truncated");
        assertThat(r.backups().get(0).ok()).isTrue();
        assertThat(r.chunksReferenced()).isEqualTo(3);
    }

    @Test
    void manifestNamingAChunkThatNeverExistedIsMissing() throws IOException {
        pushFiles(2, 1);
        Sha256 ghost = Sha256.digest(new byte[] {1, 2, 3}, 0, 3);
        String id = BackupId.generate(NOW, new SplittableRandom(3));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ManifestWriter w = ManifestCodec.newWriter(out, new ManifestHeader(id, "", NOW, "test", "host", null,
                List.of(new Node("n1", "/x")), Map.of()))) {
            w.write(Entry.file("n1", "ghost.sst", 0644, 0, 3, ghost, List.of(new ChunkRef(ghost, 3))));
            w.finish();
        }
        store.putIfAbsent(RepositoryLayout.manifestKey(id), Payload.of(out.toByteArray()));

        VerifyResult r = verify(tier1(), NOW);
        assertThat(r.problems()).singleElement().satisfies(p -> {
            assertThat(p.kind()).isEqualTo(ChunkProblem.Kind.MISSING);
            assertThat(p.hash()).isEqualTo(ghost);
            assertThat(p.dependents()).containsExactly(new Dependent(id, "n1/ghost.sst"));
        });
    }

    /** Commits a manifest of these entries, whose files' chunks are all stored. */
    private String commitEntries(long seed, Entry... entries) throws IOException {
        String id = BackupId.generate(NOW, new SplittableRandom(seed));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ManifestWriter w = ManifestCodec.newWriter(out, new ManifestHeader(id, "", NOW, "test", "host", null,
                List.of(new Node("n1", "/x")), Map.of()))) {
            for (Entry e : entries) {
                w.write(e);
            }
            w.finish();
        }
        store.putIfAbsent(RepositoryLayout.manifestKey(id), Payload.of(out.toByteArray()));
        return id;
    }

    private Entry storedFile(String path, byte[] content) {
        Sha256 hash = Sha256.digest(content, 0, content.length);
        store.putIfAbsent(RepositoryLayout.chunkKey(hash), Payload.of(content, 0, content.length, hash.bytes()));
        return Entry.file("n1", path, 0644, 0, content.length, hash, List.of(new ChunkRef(hash, content.length)));
    }

    @Test
    void aManifestRestoreWouldRefuseIsNotRestorableThoughEveryChunkIsIntact() throws IOException {
        String below = commitEntries(5, Entry.symlink("n1", "etc", 0, "/etc"),
                storedFile("etc/passwd", Fixtures.randomBytes(10, 1)));
        String twice = commitEntries(6, storedFile("a.sst", Fixtures.randomBytes(10, 2)),
                storedFile("a.sst", Fixtures.randomBytes(10, 2)));
        String plainLink = commitEntries(7, Entry.symlink("n1", "l", 0, "x"));

        VerifyResult r = verify(tier1().withReadData(ReadData.all()), NOW);

        assertThat(r.problems()).isEmpty();
        assertThat(r.ok()).isFalse();
        assertThat(r.worstReason()).isEqualTo(BackupException.Reason.INTEGRITY);
        Map<String, String> why = new java.util.HashMap<>();
        r.backups().forEach(b -> why.put(b.id(), b.manifestProblem()));
        assertThat(why.get(below)).contains("n1/etc/passwd", "below the symbolic link 'n1/etc'");
        assertThat(why.get(twice)).contains("n1/a.sst", "twice");
        assertThat(why.get(plainLink)).isNull();
    }

    @Test
    void linksPointingAnywhereAreRestorableAndIntact() throws IOException {
        String id = commitEntries(8, Entry.symlink("n1", "passwd", 0, "/etc/passwd"),
                Entry.symlink("n1", "up", 0, "../../../x"), storedFile("a.sst", Fixtures.randomBytes(10, 3)));

        VerifyResult r = verify(tier1().withReadData(ReadData.all()), NOW);

        assertThat(r.ok()).isTrue();
        assertThat(r.backups()).singleElement().satisfies(b -> {
            assertThat(b.id()).isEqualTo(id);
            assertThat(b.ok()).isTrue();
        });
    }

    @Test
    void chunkLongerThanTheRepositoryChunkSizeMakesTheManifestUnusable() throws IOException {
        Sha256 big = Sha256.digest(new byte[] {9}, 0, 1);
        String id = BackupId.generate(NOW, new SplittableRandom(4));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int tooLong = (64 << 10) + 1;
        try (ManifestWriter w = ManifestCodec.newWriter(out, new ManifestHeader(id, "", NOW, "test", "host", null,
                List.of(new Node("n1", "/x")), Map.of()))) {
            w.write(Entry.file("n1", "big.sst", 0644, 0, tooLong, big, List.of(new ChunkRef(big, tooLong))));
            w.finish();
        }
        store.putIfAbsent(RepositoryLayout.manifestKey(id), Payload.of(out.toByteArray()));
        VerifyResult r = verify(tier1(), NOW);
        assertThat(r.backups()).singleElement().satisfies(b ->
                assertThat(b.manifestProblem()).contains("n1/big.sst", "more than the repository's chunk size"));
    }

    @Test
    void subsetRotatesSoThatConsecutiveRunsCoverEveryChunk() throws IOException {
        pushFiles(200, 7);
        Set<Sha256> seen = new HashSet<>();
        Long previousEnd = null;
        for (int run = 0; run < 4; run++) {
            VerifyResult r = verify(tier1().withReadData(ReadData.percent(25)), NOW.plus(Duration.ofHours(run)));
            assertThat(r.ok()).isTrue();
            assertThat(r.chunksRead()).as("run " + run).isEqualTo(50);
            assertThat(r.subset()).isNotNull();
            if (previousEnd != null) {
                assertThat(r.subset().start()).as("each run starts where the last ended").isEqualTo(previousEnd);
            }
            previousEnd = r.subset().end();
            List<Sha256> read = verifiedIn(r.logKey());
            assertThat(read).hasSize(50);
            assertThat(seen).as("no chunk read twice in one rotation").doesNotContainAnyElementsOf(read);
            seen.addAll(read);
        }
        assertThat(seen).hasSize(200);
    }

    @Test
    void subsetOfACountReadsExactlyThatMany() {
        pushFiles(30, 2);
        VerifyResult r = verify(tier1().withReadData(ReadData.count(7)), NOW);
        assertThat(r.chunksRead()).isEqualTo(7);
        assertThat(r.level()).isEqualTo(VerifyResult.Level.READ_SUBSET);
        VerifyResult all = verify(tier1().withReadData(ReadData.count(1000)), NOW.plusSeconds(1));
        assertThat(all.chunksRead()).isEqualTo(30);
        assertThat(all.subset().wrapped()).isTrue();
    }

    @Test
    void maxAgeSkipsChunksVerifiedRecentlyAndReadsNewOrDueOnes() throws IOException {
        pushFiles(10, 3);
        VerifyOptions readAll = tier1().withReadData(ReadData.all()).withMaxAge(Duration.ofDays(7));
        VerifyResult first = verify(readAll, NOW);
        assertThat(first.chunksRead()).isEqualTo(10);

        Fixtures.write(node.resolve("new.sst"), Fixtures.randomBytes(700, 42));
        Fixtures.push(store, Fixtures.node("n1", node));
        VerifyResult second = verify(readAll, NOW.plus(Duration.ofDays(1)));
        assertThat(second.chunksRead()).as("only the new chunk").isEqualTo(1);
        assertThat(second.chunksSkippedRecent()).isEqualTo(10);
        assertThat(verifiedIn(second.logKey())).containsExactly(Sha256.digest(Files.readAllBytes(node.resolve("new.sst")), 0, 700));

        VerifyResult third = verify(readAll, NOW.plus(Duration.ofDays(7)).plusSeconds(1));
        assertThat(third.chunksRead()).as("the first run's chunks are due again").isEqualTo(10);
        assertThat(third.chunksSkippedRecent()).isEqualTo(1);
    }

    @Test
    void corruptChunkStaysDueUntilItIsFixed() {
        pushFiles(3, 4);
        VerifyOptions readAll = tier1().withReadData(ReadData.all()).withMaxAge(Duration.ofDays(30));
        String key = store.keys().stream().filter(k -> k.startsWith("chunks/")).findFirst().orElseThrow();
        store.corrupt(key);
        assertThat(verify(readAll, NOW).problems()).hasSize(1);
        VerifyResult again = verify(readAll, NOW.plusSeconds(60));
        assertThat(again.chunksRead()).as("a corrupt chunk is never logged as verified").isEqualTo(1);
        assertThat(again.problems()).hasSize(1);
    }

    @Test
    void damagedLogIsIgnoredWithAWarning() {
        pushFiles(5, 5);
        String runId = BackupId.generate(NOW.minusSeconds(10), new SplittableRandom(1));
        store.putIfAbsent("verify/" + runId, Payload.of("not gzip".getBytes()));
        VerifyResult r = verify(tier1().withReadData(ReadData.all()).withMaxAge(Duration.ofDays(1)), NOW);
        assertThat(r.ok()).isTrue();
        assertThat(r.chunksRead()).isEqualTo(5);
        assertThat(r.warnings()).singleElement().asString().contains("verify/" + runId, "not verified");
    }

    @Test
    void truncatedLogCountsAsNotVerified() throws IOException {
        pushFiles(5, 6);
        VerifyOptions readAll = tier1().withReadData(ReadData.all()).withMaxAge(Duration.ofDays(1));
        VerifyResult first = verify(readAll, NOW);
        byte[] log = store.content(first.logKey());
        store.replace(first.logKey(), Arrays.copyOf(log, log.length - 30));
        VerifyResult second = verify(readAll, NOW.plusSeconds(5));
        assertThat(second.chunksRead()).isEqualTo(5);
        assertThat(second.warnings()).anySatisfy(w -> assertThat(w).contains(first.logKey()));
    }

    @Test
    void unreadableChunkIsAnIoProblemNotDamage() {
        pushFiles(3, 8);
        String victim = store.keys().stream().filter(k -> k.startsWith("chunks/")).findFirst().orElseThrow();
        ObjectStore failing = new DelegatingStore(store) {
            @Override
            public InputStream get(String key) {
                if (key.equals(victim)) {
                    throw new StoreException(StoreException.Kind.IO, "Cannot get " + key + ": connection reset");
                }
                return super.get(key);
            }
        };
        VerifyResult r = new Verifier(Repository.open(failing), tier1().withReadData(ReadData.all()),
                Clock.fixed(NOW, ZoneOffset.UTC), new VerifyProgress()).run();
        assertThat(r.problems()).singleElement().satisfies(p -> {
            assertThat(p.kind()).isEqualTo(ChunkProblem.Kind.UNREADABLE);
            assertThat(p.detail()).contains("connection reset");
        });
        assertThat(r.worstReason()).isEqualTo(BackupException.Reason.IO);
        assertThat(r.backups().get(0).unverifiedFiles()).hasSize(1);
        assertThat(r.backups().get(0).damagedFiles()).isEmpty();
    }

    @Test
    void anErrorWhileReadingAChunkFailsTheVerifyInsteadOfVanishing() {
        pushFiles(3, 8);
        String victim = store.keys().stream().filter(k -> k.startsWith("chunks/")).findFirst().orElseThrow();
        ObjectStore erring = new DelegatingStore(store) {
            @Override
            public InputStream get(String key) {
                if (key.equals(victim)) {
                    throw new AssertionError("injected worker error");
                }
                return super.get(key);
            }
        };
        Verifier verifier = new Verifier(Repository.open(erring), tier1().withReadData(ReadData.all()),
                Clock.fixed(NOW, ZoneOffset.UTC), new VerifyProgress());

        assertThatThrownBy(verifier::run)
                .isNotInstanceOf(BackupException.class)
                .hasMessageContaining(victim.substring(victim.lastIndexOf('/') + 1))
                .hasRootCauseMessage("injected worker error");
    }

    @Test
    void parallelListingOfTheFanOutPrefixesFindsTheSame() throws IOException {
        pushFiles(40, 9);
        store.remove(keyOfFile("000010.sst"));
        VerifyResult serial = verify(tier1(), NOW);
        VerifyResult parallel = verify(tier1().withListThreads(8), NOW.plusSeconds(1));
        assertThat(parallel.problems()).extracting(ChunkProblem::hash).containsExactlyElementsOf(
                serial.problems().stream().map(ChunkProblem::hash).toList());
        assertThat(parallel.chunksPresent()).isEqualTo(39);
    }

    @Test
    void unknownBackupIsNotFound() {
        pushFiles(1, 1);
        assertThatThrownBy(() -> verify(tier1().withBackups(List.of("20200101T000000.000Z-00000000")), NOW))
                .isInstanceOf(BackupException.class)
                .satisfies(e -> assertThat(((BackupException) e).reason()).isEqualTo(BackupException.Reason.NOT_FOUND));
    }

    @Test
    void oneBackupIsVerifiedAloneAndOtherChunksAreCountedNotFailed() throws IOException {
        String first = pushFiles(3, 1);
        Fixtures.write(node.resolve("later.sst"), Fixtures.randomBytes(300, 5));
        Fixtures.push(store, Fixtures.node("n1", node));
        VerifyResult r = verify(tier1().withBackups(List.of(first)), NOW);
        assertThat(r.ok()).isTrue();
        assertThat(r.backups()).extracting(VerifyResult.BackupStatus::id).containsExactly(first);
        assertThat(r.otherObjects()).isEqualTo(1);
    }

    @Test
    void logCanBeSkippedAndAFailedLogWriteIsAWarning() {
        pushFiles(2, 1);
        VerifyResult none = verify(tier1().withWriteLog(false), NOW);
        assertThat(none.logKey()).isNull();
        assertThat(none.requests().put()).isZero();
        assertThat(store.keys()).noneMatch(k -> k.startsWith("verify/"));

        Repository repo = Repository.open(store);
        store.failNext(Op.PUT, new StoreException(StoreException.Kind.ACCESS_DENIED, "Cannot put verify/x: access denied"));
        VerifyResult denied = new Verifier(repo, tier1(), Clock.fixed(NOW, ZoneOffset.UTC), new VerifyProgress()).run();
        assertThat(denied.ok()).isTrue();
        assertThat(denied.logKey()).isNull();
        assertThat(denied.warnings()).singleElement().asString().contains("read-only credentials", "--no-log");
    }

    @Test
    void lostPackNamesEveryFileInIt() throws IOException {
        for (int i = 0; i < 5; i++) {
            Fixtures.write(node.resolve("small-" + i), Fixtures.randomBytes(300, i));
        }
        Fixtures.write(node.resolve("big.sst"), Fixtures.randomBytes(100_000, 9));
        String id = new Push(Repository.open(store), Fixtures.options(), Fixtures.tickingClock(), new PushProgress())
                .packSmallFilesBelow(4096).run(List.of(Fixtures.node("n1", node))).backupId();
        List<String> chunkKeys = store.keys().stream().filter(k -> k.startsWith("chunks/")).toList();
        assertThat(chunkKeys).as("one pack and two chunks of big.sst").hasSize(3);
        String pack = chunkKeys.stream().filter(k -> store.content(k).length == 5 * 300).findFirst().orElseThrow();
        store.remove(pack);

        VerifyResult r = verify(tier1(), NOW);
        assertThat(r.problems()).singleElement().satisfies(p -> {
            assertThat(p.kind()).isEqualTo(ChunkProblem.Kind.MISSING);
            assertThat(p.expectedLength()).isEqualTo(1500);
            assertThat(p.dependents()).extracting(Dependent::path).containsExactlyInAnyOrder(
                    "n1/small-0", "n1/small-1", "n1/small-2", "n1/small-3", "n1/small-4");
        });
        assertThat(r.backups()).singleElement().satisfies(b -> assertThat(b.id()).isEqualTo(id));
    }

    @Test
    void backupPrunedWhileVerifyRunsIsNotReportedAsDamaged() throws IOException {
        String kept = pushFiles(3, 1);
        Fixtures.write(node.resolve("only-in-pruned.sst"), Fixtures.randomBytes(800, 77));
        String pruned = Fixtures.push(store, Fixtures.node("n1", node)).backupId();
        String uniqueChunk = keyOfFile("only-in-pruned.sst");
        java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
        ObjectStore racing = new DelegatingStore(store) {
            @Override
            public dev.s3backup.core.store.ListPage list(String prefix, String continuation) {
                if (prefix.startsWith("chunks/") && once.compareAndSet(false, true)) {
                    // A prune and a GC finish between the manifests being read and the chunks listed.
                    store.remove(RepositoryLayout.manifestKey(pruned));
                    store.remove(uniqueChunk);
                }
                return super.list(prefix, continuation);
            }
        };
        VerifyResult r = new Verifier(Repository.open(racing), tier1(), Clock.fixed(NOW, ZoneOffset.UTC),
                new VerifyProgress()).run();
        assertThat(r.ok()).as(r.toString()).isTrue();
        assertThat(r.backups()).extracting(VerifyResult.BackupStatus::id).containsExactly(kept);
        assertThat(r.warnings()).singleElement().asString().contains(pruned, "deleted while verify ran");
    }

    @Test
    void chunkKeysAreParsedStrictly() {
        String hex = "ab" + "0".repeat(62);
        assertThat(Verifier.parseChunkKey("chunks/ab/" + hex)).isNotNull();
        assertThat(Verifier.parseChunkKey("chunks/ac/" + hex)).as("wrong fan-out").isNull();
        assertThat(Verifier.parseChunkKey("chunks/AB/" + hex.toUpperCase())).isNull();
        assertThat(Verifier.parseChunkKey("chunks/ab/" + hex + "x")).isNull();
        assertThat(Verifier.parseChunkKey("chunks/ab/" + hex.substring(1) + "g")).isNull();
    }

    @Test
    void arcsWrapRoundTheRing() {
        assertThat(Verifier.onArc(5, 3, 10)).isTrue();
        assertThat(Verifier.onArc(10, 3, 10)).isFalse();
        assertThat(Verifier.onArc(-1L, -10L, 5)).as("past 2^64").isTrue();
        assertThat(Verifier.onArc(2, -10L, 5)).isTrue();
        assertThat(Verifier.onArc(7, -10L, 5)).isFalse();
    }

    private List<Sha256> verifiedIn(String logKey) throws IOException {
        List<Sha256> read = new ArrayList<>();
        try (InputStream in = store.get(logKey)) {
            VerifyLog.read(in, read::add);
        } catch (VerifyLog.DamagedLogException e) {
            throw new AssertionError(e);
        }
        return read;
    }
}
