package dev.s3backup.core.verify;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.repo.RepositoryLayout;
import dev.s3backup.core.restore.RestoreCheck;
import dev.s3backup.core.store.ObjectInfo;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.Payload;
import dev.s3backup.core.store.StoreException;
import dev.s3backup.core.verify.VerifyOptions.ReadData;
import dev.s3backup.core.verify.VerifyResult.BackupStatus;
import dev.s3backup.core.verify.VerifyResult.ChunkProblem;
import dev.s3backup.core.verify.VerifyResult.Dependent;
import dev.s3backup.core.verify.VerifyResult.Level;
import dev.s3backup.core.verify.VerifyResult.Subset;
import dev.s3backup.manifest.BackupId;
import dev.s3backup.manifest.ChunkRef;
import dev.s3backup.manifest.Entry;
import dev.s3backup.manifest.EntryType;
import dev.s3backup.manifest.ManifestCodec;
import dev.s3backup.manifest.ManifestFormatException;
import dev.s3backup.manifest.ManifestReader;
import dev.s3backup.manifest.Node;
import dev.s3backup.manifest.Sha256;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;

/**
 * Verifies backups in tiers, and remembers what it verified.
 *
 * <p>Tier 1 reads no chunk data: every selected manifest is downloaded and read through (its
 * checksum verified, every chunk length within the repository's chunk size), then the chunks are
 * checked against a listing of {@code chunks/}: one LIST request per 1,000 chunk objects, never a
 * request per chunk. A chunk that is not listed is missing; one listed with another size than the
 * manifests give is damaged.
 *
 * <p>Tier 2 ({@link ReadData}) downloads chunks and re-hashes them against their address: all of
 * them, or a share that rotates round the hash ring so that consecutive runs cover everything.
 * With a max age, chunks that a logged run verified more recently are skipped.
 *
 * <p>Every run writes one create-only log object under {@code verify/} (see {@link VerifyLog}).
 * Problems are returned as data: each failed chunk is listed with every backup and file that
 * uses it. Single use: create one per run.
 */
public final class Verifier {
    /** Above this many referenced chunks, the automatic listing uses 256 prefixes on 16 threads. */
    public static final int PARALLEL_LISTING_THRESHOLD = 2_000_000;
    private static final int AUTO_LIST_THREADS = 16;
    /** 2^64 / golden ratio: successive multiples spread evenly round the ring. */
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final int READ_BUFFER = 64 << 10;
    private static final long PRESIZE_LIMIT = 1 << 20;

    private final Repository repository;
    private final VerifyOptions options;
    private final Clock clock;
    private final VerifyProgress progress;
    private final RandomGenerator random;

    private final ChunkTable table = new ChunkTable();
    /** Readable manifests, downloaded once and read locally as often as needed. */
    private final Map<String, Path> manifests = new LinkedHashMap<>();
    private final Map<String, String> manifestProblems = new HashMap<>();
    private final Map<Integer, ProblemInfo> problems = new ConcurrentHashMap<>();
    private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
    private long otherObjects;
    private long skippedRecent;

    private record ProblemInfo(ChunkProblem.Kind kind, String detail) {
    }

    public Verifier(Repository repository, VerifyOptions options, Clock clock, VerifyProgress progress) {
        this(repository, options, clock, progress, RandomGenerator.getDefault());
    }

    Verifier(Repository repository, VerifyOptions options, Clock clock, VerifyProgress progress,
             RandomGenerator random) {
        this.repository = repository;
        this.options = options;
        this.clock = clock;
        this.progress = progress;
        this.random = random;
    }

    /**
     * Runs the verification.
     *
     * @throws BackupException NOT_FOUND when a backup asked for does not exist; IO or
     *     ACCESS_DENIED when the repository cannot be listed or read at all. Damage is never
     *     thrown: it is in the result.
     */
    public VerifyResult run() {
        long startNanos = System.nanoTime();
        Instant started = clock.instant();
        String runId = BackupId.generate(started, random);
        List<String> ids = selectBackups();
        progress.manifestsTotal.set(ids.size());
        Path work;
        try {
            work = Files.createTempDirectory("s3backup-verify-");
        } catch (IOException e) {
            throw new BackupException(Reason.IO, "Cannot verify: cannot create a temporary directory: " + e.getMessage(), e);
        }
        try {
            progress.phase.set("reading manifests");
            for (String id : ids) {
                readManifest(id, work);
                progress.manifestsRead.increment();
            }
            progress.phase.set("listing chunks");
            listChunks();
            Subset subset = null;
            if (options.readData().reads()) {
                subset = selectAndRead(started);
            }
            Map<Integer, List<Dependent>> dependents = findDependents();
            Set<String> deleted = deletedMeanwhile(dependents);
            List<ChunkProblem> chunkProblems = new ArrayList<>();
            for (Map.Entry<Integer, ProblemInfo> p : problems.entrySet()) {
                int slot = p.getKey();
                List<Dependent> deps = dependents.getOrDefault(slot, List.of());
                if (!deleted.isEmpty()) {
                    deps = deps.stream().filter(d -> !deleted.contains(d.backupId())).toList();
                    if (deps.isEmpty()) {
                        continue; // only backups that no longer exist used it: GC may take it
                    }
                }
                chunkProblems.add(new ChunkProblem(table.hash(slot), p.getValue().kind(), table.length(slot),
                        p.getValue().detail(), deps));
            }
            ids = ids.stream().filter(id -> !deleted.contains(id)).toList();
            chunkProblems.sort(Comparator.comparing(ChunkProblem::hash));
            List<BackupStatus> statuses = statuses(ids, chunkProblems);
            long present = 0;
            for (int slot = 0; slot < table.capacity(); slot++) {
                if (table.used(slot) && table.has(slot, ChunkTable.PRESENT)) {
                    present++;
                }
            }
            long read = progress.chunksRead();
            Level level = switch (options.readData().mode()) {
                case NONE -> Level.EXISTENCE;
                case ALL -> Level.READ_ALL;
                case PERCENT, COUNT -> Level.READ_SUBSET;
            };
            VerifyResult draft = new VerifyResult(runId, level, started, statuses, table.size(), present, otherObjects,
                    read, progress.bytesRead(), skippedRecent, subset, chunkProblems, null, warnings,
                    Duration.ZERO, repository.requests().snapshot());
            String logKey = null;
            if (options.writeLog()) {
                progress.phase.set("writing log");
                logKey = writeLog(draft, work);
            }
            return new VerifyResult(runId, level, started, statuses, table.size(), present, otherObjects, read,
                    progress.bytesRead(), skippedRecent, subset, chunkProblems, logKey, List.copyOf(warnings),
                    Duration.ofNanos(System.nanoTime() - startNanos), repository.requests().snapshot());
        } finally {
            deleteTree(work);
        }
    }

    private List<String> selectBackups() {
        if (options.backups().isEmpty()) {
            return repository.listBackupIds();
        }
        Set<String> ids = new TreeSet<>();
        for (String b : options.backups()) {
            ids.add(repository.resolve(b));
        }
        return new ArrayList<>(ids);
    }

    // ---- tier 1: manifests ----

    private void readManifest(String id, Path work) {
        Path file;
        try {
            file = repository.downloadManifest(id, work);
        } catch (BackupException e) {
            if (e.reason() == Reason.NOT_FOUND) {
                warnings.add("Backup " + id + " disappeared while verify ran (deleted by a prune?); it was not verified");
                return;
            }
            throw e;
        }
        long[] chunkRefs = new long[1];
        String problem = manifestProblem(file, chunkRefs);
        if (problem != null) {
            manifestProblems.put(id, problem);
            deleteQuietly(file);
            return;
        }
        // About this many distinct chunks are coming (other backups mostly share them). Capped:
        // references to one chunk repeated (zeros, packs) must not reserve memory for nothing.
        table.ensureCapacity(Math.min(chunkRefs[0], PRESIZE_LIMIT));
        forEachFile(id, file, e -> {
            for (ChunkRef c : e.chunks()) {
                table.add(c.hash(), c.length());
            }
        });
        manifests.put(id, file);
    }

    /**
     * Why the manifest cannot be used, or null when it reads through and restore would accept it:
     * the same {@link RestoreCheck} restore runs, so "intact" means "restores".
     */
    private String manifestProblem(Path file, long[] chunkRefs) {
        try (ManifestReader reader = openLocal(file)) {
            RestoreCheck check = new RestoreCheck(repository.config().chunkSize(),
                    reader.header().nodes().stream().map(Node::token).toList());
            for (Entry e = reader.next(); e != null; e = reader.next()) {
                String problem = check.add(e);
                if (problem != null) {
                    return problem;
                }
            }
            chunkRefs[0] = reader.totals().chunkRefs();
            return check.finish();
        } catch (ManifestFormatException e) {
            return "its manifest is damaged: " + e.getMessage();
        } catch (IOException | UncheckedIOException e) {
            throw new BackupException(Reason.IO, "Cannot read a downloaded manifest " + file + ": " + e.getMessage(), e);
        }
    }

    private interface FileVisitor {
        void file(Entry e);
    }

    private void forEachFile(String id, Path file, FileVisitor visitor) {
        try (ManifestReader reader = openLocal(file)) {
            for (Entry e = reader.next(); e != null; e = reader.next()) {
                if (e.type() == EntryType.FILE) {
                    visitor.file(e);
                }
            }
        } catch (ManifestFormatException e) {
            // It read through once already: the local copy changed under us.
            throw new BackupException(Reason.IO, "Cannot re-read the local copy of backup " + id + ": " + e.getMessage(), e);
        } catch (IOException | UncheckedIOException e) {
            throw new BackupException(Reason.IO, "Cannot re-read the local copy of backup " + id + ": " + e.getMessage(), e);
        }
    }

    private static ManifestReader openLocal(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        try {
            return ManifestCodec.newReader(in);
        } catch (RuntimeException e) {
            in.close();
            throw e;
        }
    }

    static String dest(Entry e) {
        return e.node().isEmpty() ? e.path() : e.node() + "/" + e.path();
    }

    // ---- tier 1: the listing ----

    private void listChunks() {
        int threads = options.listThreads() != 0 ? options.listThreads()
                : table.size() > PARALLEL_LISTING_THRESHOLD ? AUTO_LIST_THREADS : 1;
        Map<Integer, Long> wrongSizes = new ConcurrentHashMap<>();
        if (threads == 1) {
            otherObjects = listPrefix(RepositoryLayout.CHUNKS, wrongSizes);
        } else {
            ExecutorService pool = Executors.newFixedThreadPool(threads, daemon("s3backup-verify-list"));
            try {
                List<Future<Long>> parts = new ArrayList<>();
                for (int p = 0; p < 256; p++) {
                    String prefix = RepositoryLayout.CHUNKS + String.format("%02x/", p);
                    parts.add(pool.submit(() -> listPrefix(prefix, wrongSizes)));
                }
                for (Future<Long> part : parts) {
                    otherObjects += part.get();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BackupException(Reason.IO, "Cannot verify: interrupted while listing chunks", e);
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                if (e.getCause() instanceof Error err) {
                    throw new IllegalStateException("Cannot list chunks: " + err, err);
                }
                throw new BackupException(Reason.IO, "Cannot list chunks: " + e.getCause(), e.getCause());
            } finally {
                pool.shutdownNow();
            }
        }
        for (int slot = 0; slot < table.capacity(); slot++) {
            if (!table.used(slot)) {
                continue;
            }
            Long actual = wrongSizes.get(slot);
            if (actual != null) {
                problem(slot, ChunkProblem.Kind.WRONG_SIZE, "the store holds " + actual + " bytes, the manifests say "
                        + table.length(slot));
            } else if (!table.has(slot, ChunkTable.PRESENT)) {
                problem(slot, ChunkProblem.Kind.MISSING, "no object " + RepositoryLayout.chunkKey(table.hash(slot)));
            } else if (table.has(slot, ChunkTable.CONFLICT)) {
                problem(slot, ChunkProblem.Kind.CONFLICTING_LENGTHS, "the manifests give it different lengths; the store "
                        + "holds " + table.length(slot) + " bytes, so the files that say otherwise cannot be restored");
            }
        }
    }

    /** Marks the listed chunks; returns the number of objects below the prefix that no verified backup uses. */
    private long listPrefix(String prefix, Map<Integer, Long> wrongSizes) {
        long other = 0;
        ObjectStore store = repository.store();
        for (Iterator<ObjectInfo> it = store.listAll(prefix); it.hasNext(); ) {
            ObjectInfo o = it.next();
            progress.chunksListed.increment();
            byte[] hash = parseChunkKey(o.key());
            int slot = hash == null ? -1 : table.slotOf(hash);
            if (slot < 0) {
                other++;
            } else if (repository.chunkSizeMatches(o.size(), table.length(slot))) {
                table.set(slot, ChunkTable.PRESENT);
            } else {
                wrongSizes.put(slot, o.size());
            }
        }
        return other;
    }

    /** The hash of a key {@code chunks/ab/ab...} (64 lowercase hex digits), or null for any other key. */
    static byte[] parseChunkKey(String key) {
        int base = RepositoryLayout.CHUNKS.length();
        if (key.length() != base + 3 + 64 || !key.startsWith(RepositoryLayout.CHUNKS) || key.charAt(base + 2) != '/'
                || key.charAt(base) != key.charAt(base + 3) || key.charAt(base + 1) != key.charAt(base + 4)) {
            return null;
        }
        byte[] hash = new byte[Sha256.BYTES];
        for (int i = 0; i < Sha256.BYTES; i++) {
            int hi = hexDigit(key.charAt(base + 3 + 2 * i));
            int lo = hexDigit(key.charAt(base + 4 + 2 * i));
            if (hi < 0 || lo < 0) {
                return null;
            }
            hash[i] = (byte) (hi << 4 | lo);
        }
        return hash;
    }

    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    }

    private void problem(int slot, ChunkProblem.Kind kind, String detail) {
        if (problems.putIfAbsent(slot, new ProblemInfo(kind, detail)) == null) {
            table.set(slot, ChunkTable.BAD);
        }
    }

    // ---- tier 2 ----

    private Subset selectAndRead(Instant started) {
        ReadData readData = options.readData();
        Long cursor = consultLog(started);
        List<Integer> candidates = new ArrayList<>();
        long present = 0;
        for (int slot = 0; slot < table.capacity(); slot++) {
            if (table.used(slot) && table.has(slot, ChunkTable.PRESENT) && !table.has(slot, ChunkTable.BAD)) {
                present++;
                if (table.has(slot, ChunkTable.RECENT)) {
                    skippedRecent++;
                } else {
                    candidates.add(slot);
                }
            }
        }
        long want = switch (readData.mode()) {
            case ALL, NONE -> candidates.size();
            case PERCENT -> (long) Math.ceil(readData.percent() / 100.0 * present);
            case COUNT -> readData.count();
        };
        Subset subset = null;
        List<Integer> selected = candidates;
        if (readData.subset()) {
            long start = cursor != null ? cursor : started.getEpochSecond() / 86_400 * GOLDEN;
            if (want >= candidates.size()) {
                subset = new Subset(start, start, true);
            } else {
                long[] positions = new long[candidates.size()];
                for (int i = 0; i < positions.length; i++) {
                    // Flipping the sign bit makes signed order the unsigned order of the ring.
                    positions[i] = table.position(candidates.get(i)) ^ Long.MIN_VALUE;
                }
                Arrays.sort(positions);
                int first = Arrays.binarySearch(positions, start ^ Long.MIN_VALUE);
                if (first < 0) {
                    first = -first - 1;
                }
                int last = (int) ((first + want - 1) % positions.length);
                long end = (positions[last] ^ Long.MIN_VALUE) + 1;
                subset = new Subset(start, end, false);
                selected = new ArrayList<>();
                for (int slot : candidates) {
                    if (onArc(table.position(slot), start, end)) {
                        selected.add(slot);
                    }
                }
            }
        }
        progress.phase.set("reading chunks");
        progress.chunksToRead.set(selected.size());
        readAll(selected);
        return subset;
    }

    static boolean onArc(long position, long start, long end) {
        if (Long.compareUnsigned(start, end) <= 0) {
            return Long.compareUnsigned(position, start) >= 0 && Long.compareUnsigned(position, end) < 0;
        }
        return Long.compareUnsigned(position, start) >= 0 || Long.compareUnsigned(position, end) < 0;
    }

    /**
     * Reads the logs this run needs: with a max age, every log of a run started within it (its
     * verified chunks are not due); for a subset, the newest log that records where the previous
     * subset ended. Returns that cursor, or null.
     */
    private Long consultLog(Instant started) {
        boolean subset = options.readData().subset();
        Instant cutoff = options.maxAge() == null ? null : started.minus(options.maxAge());
        if (cutoff == null && !subset) {
            return null;
        }
        List<String> runs = VerifyLog.runIds(repository.store());
        Long cursor = null;
        for (int i = runs.size() - 1; i >= 0; i--) {
            String runId = runs.get(i);
            boolean recent = cutoff != null && !BackupId.timeOf(runId).isBefore(cutoff);
            boolean needCursor = subset && cursor == null;
            if (!recent && !needCursor) {
                break;
            }
            int[][] verified = {new int[64]};
            int[] count = {0};
            VerifyLog.Header header;
            try (InputStream in = repository.store().get(VerifyLog.key(runId))) {
                header = VerifyLog.read(in, hash -> {
                    if (!recent) {
                        return;
                    }
                    int slot = table.slotOf(hash);
                    if (slot >= 0) {
                        if (count[0] == verified[0].length) {
                            verified[0] = Arrays.copyOf(verified[0], count[0] * 2);
                        }
                        verified[0][count[0]++] = slot;
                    }
                });
            } catch (VerifyLog.DamagedLogException e) {
                warnings.add("Ignoring verification log " + VerifyLog.key(runId) + ": " + e.getMessage()
                        + "; the chunks it lists count as not verified");
                continue;
            } catch (StoreException e) {
                if (e.kind() == StoreException.Kind.NOT_FOUND) {
                    continue; // removed since the listing: as if it never was
                }
                throw e;
            } catch (IOException e) {
                throw new BackupException(Reason.IO, "Cannot read verification log " + VerifyLog.key(runId) + ": "
                        + e.getMessage(), e);
            }
            for (int j = 0; j < count[0]; j++) {
                table.set(verified[0][j], ChunkTable.RECENT);
            }
            if (needCursor) {
                try {
                    cursor = header.subsetEnd();
                } catch (NumberFormatException e) {
                    warnings.add("Ignoring the subset position in " + VerifyLog.key(runId) + ": " + e.getMessage());
                }
            }
        }
        return cursor;
    }

    private void readAll(List<Integer> slots) {
        ExecutorService pool = Executors.newFixedThreadPool(options.threads(), daemon("s3backup-verify-read"));
        // Bounds the queued tasks, and so the memory, however many chunks are read.
        Semaphore window = new Semaphore(options.threads() * 4);
        AtomicReference<RuntimeException> fatal = new AtomicReference<>();
        try {
            for (int slot : slots) {
                if (fatal.get() != null) {
                    break;
                }
                window.acquireUninterruptibly();
                pool.execute(() -> {
                    try {
                        readChunk(slot);
                    } catch (RuntimeException e) {
                        fatal.compareAndSet(null, e);
                    } catch (Error e) {
                        // Uncaught, it would end only this worker thread and leave the chunk unjudged.
                        fatal.compareAndSet(null, new IllegalStateException("Cannot verify chunk " + table.hash(slot)
                                + ": " + e, e));
                    } finally {
                        window.release();
                    }
                });
            }
        } finally {
            pool.shutdown();
            try {
                while (!pool.awaitTermination(1, TimeUnit.SECONDS)) {
                    // chunks in flight finish or fail on their own
                }
            } catch (InterruptedException e) {
                pool.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        if (fatal.get() != null) {
            throw fatal.get();
        }
    }

    private void readChunk(int slot) {
        Sha256 hash = table.hash(slot);
        int expected = table.length(slot);
        MessageDigest digest = repository.newAddressDigest();
        long n = 0;
        try (InputStream in = repository.openChunk(hash)) {
            byte[] buffer = new byte[READ_BUFFER];
            // Whole buffers, not whatever a socket read returns: SHA-256 is faster on big blocks.
            for (int r = in.readNBytes(buffer, 0, buffer.length); r > 0; r = in.readNBytes(buffer, 0, buffer.length)) {
                digest.update(buffer, 0, r);
                n += r;
                progress.bytesRead.add(r);
            }
        } catch (BackupException e) {
            if (e.reason() == Reason.NOT_FOUND) {
                problem(slot, ChunkProblem.Kind.MISSING, "it was listed, then disappeared before it could be read");
                return;
            }
            if (e.reason() == Reason.INTEGRITY) { // a sealed chunk that fails authentication
                problem(slot, ChunkProblem.Kind.CORRUPT, e.getMessage());
                return;
            }
            throw e;
        } catch (StoreException e) {
            switch (e.kind()) {
                case NOT_FOUND -> problem(slot, ChunkProblem.Kind.MISSING, "it disappeared while being read");
                case INTEGRITY -> problem(slot, ChunkProblem.Kind.CORRUPT, e.getMessage());
                case ACCESS_DENIED -> throw e;
                case IO -> problem(slot, ChunkProblem.Kind.UNREADABLE, e.getMessage());
            }
            return;
        } catch (IOException | RuntimeException e) {
            // An HTTP client's stream fails unchecked; on a worker thread it would vanish.
            problem(slot, ChunkProblem.Kind.UNREADABLE, e.toString());
            return;
        } finally {
            progress.chunksRead.increment();
        }
        if (n != expected) {
            problem(slot, ChunkProblem.Kind.CORRUPT, "it holds " + n + " bytes when read, the manifests say " + expected);
        } else if (!Sha256.of(digest.digest()).equals(hash)) {
            problem(slot, ChunkProblem.Kind.CORRUPT, "its content does not match its hash");
        } else {
            table.set(slot, ChunkTable.READ_OK);
        }
    }

    // ---- the report ----

    /** Every file of every readable manifest that uses a failed chunk, once per chunk and file. */
    private Map<Integer, List<Dependent>> findDependents() {
        Map<Integer, List<Dependent>> dependents = new HashMap<>();
        if (problems.isEmpty()) {
            return dependents;
        }
        for (Map.Entry<String, Path> m : manifests.entrySet()) {
            String id = m.getKey();
            forEachFile(id, m.getValue(), e -> {
                Set<Integer> seen = null;
                for (ChunkRef c : e.chunks()) {
                    int slot = table.slotOf(c.hash());
                    if (slot >= 0 && table.has(slot, ChunkTable.BAD)) {
                        if (seen == null) {
                            seen = new HashSet<>();
                        }
                        if (seen.add(slot)) {
                            dependents.computeIfAbsent(slot, k -> new ArrayList<>()).add(new Dependent(id, dest(e)));
                        }
                    }
                }
            });
        }
        return dependents;
    }

    /**
     * Backups with problems whose manifest is gone by now: a prune ran while we verified, and
     * garbage collection may already have removed their chunks. Their problems are not damage.
     * One HEAD per affected backup, and only when something was found.
     */
    private Set<String> deletedMeanwhile(Map<Integer, List<Dependent>> dependents) {
        Set<String> affected = new TreeSet<>();
        dependents.values().forEach(list -> list.forEach(d -> affected.add(d.backupId())));
        Set<String> deleted = new HashSet<>();
        for (String id : affected) {
            if (repository.store().head(RepositoryLayout.manifestKey(id)).isEmpty()) {
                deleted.add(id);
                manifests.remove(id);
                warnings.add("Backup " + id + " was deleted while verify ran (by a prune?); its missing chunks "
                        + "are not reported");
            }
        }
        return deleted;
    }

    private List<BackupStatus> statuses(List<String> ids, List<ChunkProblem> chunkProblems) {
        Map<String, Set<String>> damaged = new TreeMap<>();
        Map<String, Set<String>> unverified = new TreeMap<>();
        for (ChunkProblem p : chunkProblems) {
            Map<String, Set<String>> into = p.kind().reason() == Reason.INTEGRITY ? damaged : unverified;
            for (Dependent d : p.dependents()) {
                into.computeIfAbsent(d.backupId(), k -> new TreeSet<>()).add(d.path());
            }
        }
        List<BackupStatus> statuses = new ArrayList<>();
        for (String id : ids) {
            if (!manifests.containsKey(id) && !manifestProblems.containsKey(id)) {
                continue; // disappeared: warned about
            }
            Set<String> bad = damaged.getOrDefault(id, Set.of());
            Set<String> unsure = new LinkedHashSet<>(unverified.getOrDefault(id, Set.of()));
            unsure.removeAll(bad);
            statuses.add(new BackupStatus(id, manifestProblems.get(id), new ArrayList<>(bad), new ArrayList<>(unsure)));
        }
        return statuses;
    }

    private String writeLog(VerifyResult r, Path work) {
        Map<String, String> header = new LinkedHashMap<>();
        header.put("run", r.runId());
        header.put("started", r.started().toString());
        header.put("finished", clock.instant().toString());
        header.put("host", options.host());
        header.put("tool-version", options.toolVersion());
        header.put("repository-id", repository.config().repositoryId());
        header.put("level", switch (r.level()) {
            case EXISTENCE -> "existence";
            case READ_ALL -> "read-all";
            case READ_SUBSET -> "read-subset";
        });
        header.put("read-data", options.readData().toString());
        header.put("max-age", options.maxAge() == null ? "none" : options.maxAge().toString());
        header.put("backups", String.valueOf(r.backups().size()));
        header.put("chunks-referenced", String.valueOf(r.chunksReferenced()));
        header.put("chunks-present", String.valueOf(r.chunksPresent()));
        header.put("chunks-read", String.valueOf(r.chunksRead()));
        header.put("bytes-read", String.valueOf(r.bytesRead()));
        header.put("chunks-skipped-recent", String.valueOf(r.chunksSkippedRecent()));
        header.put("problems", String.valueOf(r.problems().size()));
        header.put("result", r.ok() ? "ok" : "failed");
        if (r.subset() != null) {
            header.put("subset-start", Subset.hex(r.subset().start()));
            header.put("subset-end", Subset.hex(r.subset().end()));
        }
        List<String> backupLines = r.backups().stream().map(b -> b.id() + " "
                + (b.manifestProblem() != null || !b.damagedFiles().isEmpty() ? "damaged"
                : b.unverifiedFiles().isEmpty() ? "ok" : "unverified")).toList();
        List<String> bad = r.problems().stream().map(p -> p.hash().hex() + " " + p.kind().label()).toList();
        String key = VerifyLog.key(r.runId());
        try {
            Path file = work.resolve("log");
            MessageDigest digest = Sha256.newDigest();
            try (OutputStream out = new java.security.DigestOutputStream(Files.newOutputStream(file), digest)) {
                VerifyLog.write(out, header, backupLines, sink -> {
                    for (int slot = 0; slot < table.capacity(); slot++) {
                        if (table.used(slot) && table.has(slot, ChunkTable.READ_OK)) {
                            sink.accept(table.hash(slot));
                        }
                    }
                }, bad);
            }
            if (repository.store().putIfAbsent(key, Payload.ofFile(file, digest.digest()))
                    == ObjectStore.PutOutcome.ALREADY_EXISTED) {
                warnings.add("Cannot write verification log " + key + ": an object with this key already exists");
                return null;
            }
            return key;
        } catch (IOException e) {
            warnings.add("Cannot write verification log " + key + ": " + e.getMessage()
                    + "; the next run will read again what this one verified");
        } catch (StoreException e) {
            warnings.add("Cannot write verification log " + key + ": " + e.getMessage()
                    + (e.kind() == StoreException.Kind.ACCESS_DENIED ? " (read-only credentials? use --no-log)" : "")
                    + "; the next run will read again what this one verified");
        }
        return null;
    }

    // ---- helpers ----

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a temporary copy of a manifest; the directory is removed at the end anyway
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(Verifier::deleteQuietly);
        } catch (IOException ignored) {
            // temporary copies of manifests, in the system's temporary directory
        }
    }
}
