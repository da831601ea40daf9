package dev.s3backup.core.push;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.core.cache.HashCache;
import dev.s3backup.core.cache.ResumeJournal;
import dev.s3backup.core.gc.PushGuard;
import dev.s3backup.core.repo.ManifestSpool;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.repo.RepositoryLayout;
import dev.s3backup.core.source.FileIdentity;
import dev.s3backup.core.source.Source;
import dev.s3backup.core.source.SourceFile;
import dev.s3backup.core.source.SourceScanner;
import dev.s3backup.core.store.ObjectStore.PutOutcome;
import dev.s3backup.core.store.Payload;
import dev.s3backup.manifest.BackupId;
import dev.s3backup.manifest.ChunkRef;
import dev.s3backup.manifest.Entry;
import dev.s3backup.manifest.EntryType;
import dev.s3backup.manifest.ManifestCodec;
import dev.s3backup.manifest.ManifestHeader;
import dev.s3backup.manifest.ManifestReader;
import dev.s3backup.manifest.ManifestWriter;
import dev.s3backup.manifest.Node;
import dev.s3backup.manifest.Sha256;
import dev.s3backup.manifest.Sha256Set;
import dev.s3backup.manifest.Totals;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Pushes sources into a repository in one pass over the bytes: each file is read once, every
 * chunk hashed as it is read; chunks known present (in the parent backup, or earlier in this
 * push) are skipped, the others uploaded from the same buffer with their SHA-256 so the store
 * can verify them. The manifest is written last, create-only: a backup exists only once every
 * chunk it names is durable.
 */
public final class Push {
    /** Chunks' worth of files read ahead of the manifest writer ({@link EntryWindow}): a pack uploads while the next fills. */
    private static final int WINDOW_CHUNKS = 2;
    /** Files smaller than this are packed together; see docs/DECISIONS.md. */
    public static final int PACK_THRESHOLD = 256 << 10;
    /** How often the hash cache is saved during a push, at least (see {@link #checkpointEvery}). */
    public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(15);
    /** A checkpoint may take at most this share of the time: a large cache is saved less often. */
    private static final int CHECKPOINT_COST_FACTOR = 20;

    private final Repository repository;
    private final PushOptions options;
    private final Clock clock;
    private final PushProgress progress;
    private final List<String> warnings = java.util.Collections.synchronizedList(new ArrayList<>());
    private final Set<Sha256> seenInPush = ConcurrentHashMap.newKeySet();
    private final LongAdder chunksNew = new LongAdder();
    private final LongAdder chunksResumed = new LongAdder();
    private final LongAdder filesFromCache = new LongAdder();
    private final OutsideLinks outsideLinks = new OutsideLinks();
    /** Chunks of the resume journal this push asked the store about: used, or found gone. */
    private final Set<Sha256> journalConsulted = ConcurrentHashMap.newKeySet();
    private final ChunkCounts counts = new ChunkCounts();
    private volatile CommitStage stage;
    private Consumer<String> onInterrupt = line -> System.err.println("s3backup: " + line);
    /**
     * Small files by content, of the parent backup and of this push's stored packs: an unchanged
     * or duplicate one points at the existing slice.
     */
    private final SmallFileIndex knownSmallFiles = new SmallFileIndex();
    /** Small files of this push whose pack is not stored yet; they move to knownSmallFiles then. */
    private final Map<Sha256, CompletableFuture<SmallFileIndex.Slice>> smallFilesInPush = new ConcurrentHashMap<>();
    private final List<CompletableFuture<?>> packUploads = java.util.Collections.synchronizedList(new ArrayList<>());
    private Sha256Set knownPresent = new Sha256Set();
    private HashCache hashCache = HashCache.disabled();
    private ResumeJournal journal = ResumeJournal.disabled();
    private Duration checkpointInterval = DEFAULT_CHECKPOINT_INTERVAL;
    private Packer packer;
    private int packBelow = PACK_THRESHOLD;
    private PushGuard guard = PushGuard.leases();
    private ManifestHeader parentHeader;
    /** Object Lock of this push; null when the repository has none or on a dry run. */
    private PushLock lock;

    public Push(Repository repository, PushOptions options, Clock clock, PushProgress progress) {
        this.repository = repository;
        this.options = options;
        this.clock = clock;
        this.progress = progress;
    }

    /**
     * Skips reading files whose identity the cache knows. The cache is saved at checkpoints during
     * the push and after the commit, so a push killed midway does not read those files again.
     */
    public Push useHashCache(HashCache cache) {
        this.hashCache = cache;
        return this;
    }

    /**
     * Records every chunk stored as the uploads complete. A chunk this push is about to upload that
     * an interrupted earlier push recorded is confirmed with a HEAD (after the lease) and not
     * uploaded again; records this push does not need cost nothing and are kept for a later push.
     * Not used by a dry run.
     */
    public Push useResumeJournal(ResumeJournal resumeJournal) {
        this.journal = java.util.Objects.requireNonNull(resumeJournal, "resumeJournal");
        return this;
    }

    /** How often the hash cache is checkpointed while pushing (at least; a slow save spaces them out). */
    public Push checkpointEvery(Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("checkpoint interval must be > 0: " + interval);
        }
        this.checkpointInterval = interval;
        return this;
    }

    /** Files smaller than this many bytes are packed together (0: every file gets chunks of its own). */
    public Push packSmallFilesBelow(int bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("pack threshold must be >= 0: " + bytes);
        }
        this.packBelow = bytes;
        return this;
    }

    /**
     * The protocol that keeps a concurrent gc from removing chunks this push relies on (default:
     * {@link PushGuard#leases()}; see docs/RETENTION.md).
     */
    public Push guardedBy(PushGuard guard) {
        this.guard = java.util.Objects.requireNonNull(guard, "guard");
        return this;
    }

    /**
     * Where the one line goes that says what a push stopped by SIGINT/SIGTERM left (its lease
     * released, its journal kept); default: standard error.
     */
    public Push onInterrupt(Consumer<String> sink) {
        this.onInterrupt = java.util.Objects.requireNonNull(sink, "sink");
        return this;
    }

    public PushResult run(List<Source> sources) {
        Instant start = clock.instant();
        long startNanos = System.nanoTime();
        Source.requireDistinct(sources);
        if (options.dryRun()) {
            journal = ResumeJournal.disabled();
        }
        // Before the parent is read: from here on, a gc that deletes a chunk this push relies on is
        // seen. Every path out of the push, a signal's included, ends the lease.
        PushResult result;
        CommitStage opened;
        // The signal hook exists before the lease does, so a SIGINT while it is written removes it too.
        try (CommitStage stage = CommitStage.create(repository, journal, options.dryRun() ? null : onInterrupt)) {
            this.stage = stage;
            opened = stage;
            stage.begin(options.dryRun() ? PushGuard.NONE : guard);
            result = push(sources, start, startNanos, stage);
        }
        String leftBehind = opened.leftBehind();
        return leftBehind == null ? result : result.withWarning(leftBehind);
    }

    /** The running push's lease, journal and commit; tests play a signal's hook on it. */
    CommitStage stage() {
        return stage;
    }

    private PushResult push(List<Source> sources, Instant start, long startNanos, CommitStage stage) {
        String parent = repository.latestId().orElse(null);
        if (parent != null) {
            knownPresent = chunksOf(parent);
        }
        List<SourceFile> files = new SourceScanner(warnings::add).scan(sources);
        lock = options.dryRun() ? null : PushLock.of(repository, start, parentHeader);
        Map<String, String> headerProperties = new java.util.TreeMap<>(options.properties());
        if (lock != null) {
            headerProperties.putAll(lock.headerProperties());
        }
        progress.totalFiles.set(files.stream().filter(f -> f.type() == dev.s3backup.manifest.EntryType.FILE).count());
        progress.totalBytes.set(files.stream().mapToLong(SourceFile::size).sum());

        String id = BackupId.generate(start, new SecureRandom());
        List<Node> nodes = sources.stream().filter(s -> !s.looseFile())
                .map(s -> new Node(s.token(), s.path().toAbsolutePath().toString())).toList();
        ManifestHeader header = new ManifestHeader(id, options.name(), start, options.toolVersion(), options.host(),
                parent, nodes, headerProperties);

        Path manifestFile = null;
        ExecutorService readers = Executors.newFixedThreadPool(options.readThreads(), daemon("s3backup-read"));
        ExecutorService uploaders = Executors.newFixedThreadPool(options.uploadThreads(), daemon("s3backup-upload"));
        Checkpoints checkpoints = null;
        Totals totals;
        try {
            int chunkSize = repository.config().chunkSize();
            int buffers = (int) Math.max(2, Math.min(Integer.MAX_VALUE, options.maxInFlightBytes() / chunkSize));
            BufferPool pool = new BufferPool(chunkSize, buffers);
            packer = new Packer(chunkSize, pool, repository::address, (ref, buffer) -> storePack(ref, buffer, pool, uploaders));
            checkpoints = options.dryRun() ? null : new Checkpoints();
            manifestFile = ManifestSpool.create(Path.of(System.getProperty("java.io.tmpdir")));
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(manifestFile), 1 << 16);
                 ManifestWriter writer = ManifestCodec.newWriter(out, header, repository.config().manifestVersion())) {
                EntryWindow window = new EntryWindow((long) WINDOW_CHUNKS * chunkSize, chunkSize, packer::seal);
                for (SourceFile file : files) {
                    while (!window.admits(file.size())) {
                        write(writer, window.takeOldest());
                    }
                    window.add(file.size(), entryOf(file, pool, readers, uploaders));
                }
                while (!window.isEmpty()) {
                    write(writer, window.takeOldest());
                }
                packer.seal();
                awaitPackUploads();
                totals = writer.finish();
            }
            if (lock != null) {
                lockReusedChunks(manifestFile, uploaders);
            }
            if (!options.dryRun()) {
                stage.commit(id, manifestFile, lock == null ? null : lock.forManifest(), this::journalLeftOver);
                checkpoints.stop();
                saveHashCache();
            }
        } catch (IOException e) {
            throw new BackupException(Reason.IO, "Cannot write the manifest of backup " + id + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackupException(Reason.IO, "Cannot push: interrupted", e);
        } finally {
            if (checkpoints != null) {
                checkpoints.stop();
            }
            readers.shutdownNow();
            uploaders.shutdownNow();
            awaitQuietly(readers);
            awaitQuietly(uploaders);
            deleteQuietly(manifestFile);
        }
        long created = chunksNew.sum();
        return new PushResult(id, parent, options.dryRun(), totals.files(), totals.directories(), totals.symlinks(),
                outsideLinks.count(),
                progress.bytesScanned(), progress.bytesUploaded(), created, counts.distinct() - created,
                Duration.ofNanos(System.nanoTime() - startNanos), repository.requests().snapshot(), warnings,
                filesFromCache.sum(), chunksResumed.sum(), lock == null ? 0 : lock.extended(),
                lock == null ? null : lock.backupUntil(), counts.references());
    }

    /** Records of the journal this committed push neither used nor found gone: another push's, kept for it. */
    private List<ChunkRef> journalLeftOver() {
        return journal.previous().stream()
                .filter(c -> !journalConsulted.contains(c.hash()) && !counts.names(c.hash())).toList();
    }

    /**
     * Whether a chunk this push is about to upload was stored by an interrupted earlier push and
     * is still there (one HEAD, after the lease: a gc that deletes it later is caught before the
     * commit, as for any chunk found by a HEAD; docs/RETENTION.md).
     */
    private boolean resumed(Sha256 hash, int length) {
        if (!journal.mayHold(hash) || !journalConsulted.add(hash)) {
            return false;
        }
        Optional<dev.s3backup.core.store.ObjectInfo> info = repository.store().head(RepositoryLayout.chunkKey(hash));
        if (info.isEmpty() || !repository.chunkSizeMatches(info.get().size(), length)) {
            return false; // collected since: uploaded again
        }
        if (lock != null && lock.suffices(info.get().retainUntil())) {
            lock.covered(hash);
        }
        journal.record(hash, length);
        chunksResumed.increment();
        return true;
    }

    /**
     * Saves the hash cache now and then while the push runs, on a thread of its own; a save that
     * takes long (a large cache) spaces the next one out, so checkpoints cost at most about
     * 1/{@value #CHECKPOINT_COST_FACTOR} of the time.
     */
    private final class Checkpoints {
        private final java.util.concurrent.ScheduledExecutorService timer =
                Executors.newSingleThreadScheduledExecutor(daemon("s3backup-checkpoint"));

        Checkpoints() {
            schedule(checkpointInterval);
        }

        private void schedule(Duration delay) {
            try {
                timer.schedule(this::save, delay.toNanos(), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // stopped meanwhile
            }
        }

        private void save() {
            long start = System.nanoTime();
            try {
                hashCache.save();
            } catch (IOException | RuntimeException e) {
                warnings.add("could not checkpoint the hash cache: " + e.getMessage());
                return;
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            Duration spaced = took.multipliedBy(CHECKPOINT_COST_FACTOR);
            schedule(spaced.compareTo(checkpointInterval) > 0 ? spaced : checkpointInterval);
        }

        /** Waits for a save in progress, so the final save is the last one written. */
        void stop() {
            timer.shutdownNow();
            awaitQuietly(timer);
        }
    }

    /**
     * Before the commit: every chunk the manifest names that this push neither wrote nor saw
     * locked long enough is extended, so the locked backup never depends on a chunk whose lock
     * ends first (parallel, as uploads are).
     */
    private void lockReusedChunks(Path manifestFile, ExecutorService workers) throws IOException {
        lock.ensureConfig();
        Sha256Set seen = new Sha256Set();
        List<CompletableFuture<Void>> batch = new ArrayList<>();
        try (ManifestReader reader = ManifestCodec.newReader(Files.newInputStream(manifestFile))) {
            for (Entry e = reader.next(); e != null; e = reader.next()) {
                for (ChunkRef c : e.chunks()) {
                    if (!seen.add(c.hash())) {
                        continue;
                    }
                    Sha256 hash = c.hash();
                    boolean inParent = knownPresent.contains(hash);
                    batch.add(CompletableFuture.runAsync(() -> lock.ensure(hash, inParent), workers));
                    if (batch.size() >= 1000) {
                        joinAll(batch);
                    }
                }
            }
        }
        joinAll(batch);
    }

    private static void joinAll(List<CompletableFuture<Void>> futures) {
        try {
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            throw unwrap(e.getCause());
        } finally {
            futures.clear();
        }
    }

    private void saveHashCache() {
        try {
            hashCache.save();
        } catch (IOException | RuntimeException e) {
            // The backup is committed; a lost cache only means reading the files next time.
            warnings.add("could not save the hash cache: " + e.getMessage());
        }
    }

    /** The manifest refuses what it cannot represent safely (a name that is not valid Unicode, say). */
    private void write(ManifestWriter writer, Entry entry) throws IOException {
        outsideLinks.add(entry);
        counts.add(entry);
        try {
            writer.write(entry);
        } catch (IllegalArgumentException e) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot back up " + entry.node() + "/" + entry.path()
                    + ": " + e.getMessage(), e);
        }
    }

    /** Chunks referenced by a committed backup: known present, so never uploaded or checked again. */
    private Sha256Set chunksOf(String backupId) {
        Sha256Set chunks = new Sha256Set();
        try (ManifestReader reader = repository.openManifest(backupId)) {
            parentHeader = reader.header();
            for (Entry e = reader.next(); e != null; e = reader.next()) {
                for (ChunkRef c : e.chunks()) {
                    chunks.add(c.hash());
                }
                if (e.packed()) {
                    knownSmallFiles.add(e.sha256(), e.chunks().get(0), e.packOffset());
                }
            }
        } catch (IOException e) {
            throw new BackupException(Reason.IO, "Cannot read parent backup " + backupId + ": " + e.getMessage(), e);
        }
        return chunks;
    }

    /** Completes when the file is read, with the future of its entry (complete once its chunks are stored). */
    private CompletableFuture<CompletableFuture<Entry>> entryOf(SourceFile file, BufferPool pool,
                                                                ExecutorService readers, ExecutorService uploaders) {
        try {
            switch (file.type()) {
                case DIRECTORY -> {
                    FileIdentity id = FileIdentity.of(file.path());
                    return CompletableFuture.completedFuture(CompletableFuture.completedFuture(
                            Entry.directory(file.node(), file.relativePath(), id.mode(), id.mtimeNanos())));
                }
                case SYMLINK -> {
                    FileIdentity id = FileIdentity.of(file.path());
                    String target = Files.readSymbolicLink(file.path()).toString();
                    return CompletableFuture.completedFuture(CompletableFuture.completedFuture(
                            Entry.symlink(file.node(), file.relativePath(), id.mtimeNanos(), target)));
                }
                default -> {
                    return CompletableFuture.supplyAsync(() -> readFile(file, pool, uploaders), readers);
                }
            }
        } catch (IOException e) {
            throw sourceFailure(file.path(), e);
        }
    }

    /** Reads and hashes one file; the returned future completes when all its new chunks are stored. */
    private CompletableFuture<Entry> readFile(SourceFile file, BufferPool pool, ExecutorService uploaders) {
        Path path = file.path();
        int chunkSize = repository.config().chunkSize();
        List<ChunkRef> chunks = new ArrayList<>();
        List<CompletableFuture<Void>> uploads = new ArrayList<>();
        long read = 0;
        FileIdentity before;
        long readStart = HashCache.now();
        try {
            // Before the open: a file replaced between the two then shows as a changed identity.
            before = FileIdentity.of(path);
        } catch (IOException e) {
            throw sourceFailure(path, e);
        }
        Optional<HashCache.CachedFile> cached = hashCache.lookup(before);
        if (cached.isPresent() && allPresent(cached.get().chunks())) {
            HashCache.CachedFile c = cached.get();
            progress.filesDone.increment();
            progress.bytesCached.add(before.size());
            filesFromCache.increment();
            return CompletableFuture.completedFuture(new Entry(file.node(), file.relativePath(), EntryType.FILE,
                    before.mode(), before.mtimeNanos(), before.size(), c.sha256(), c.chunks(), null, c.packOffset()));
        }
        if (before.size() > 0 && before.size() < Math.min(packBelow, chunkSize)) {
            return readSmallFile(file, before, readStart);
        }
        FileHasher hasher = new FileHasher(repository.newAddressDigest(), before.size(), chunkSize,
                repository.config().manifestVersion());
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            while (true) {
                byte[] buffer = pool.acquire();
                int n = readFully(channel, buffer);
                if (n == 0) {
                    pool.release(buffer);
                    break;
                }
                Sha256 hash = hasher.chunk(buffer, n);
                chunks.add(new ChunkRef(hash, n));
                read += n;
                progress.bytesScanned.add(n);
                if (knownPresent.contains(hash) || !seenInPush.add(hash)) {
                    pool.release(buffer);
                } else {
                    uploads.add(CompletableFuture.runAsync(() -> store(hash, buffer, n, pool), uploaders));
                }
                if (n < chunkSize) {
                    break;
                }
            }
            FileIdentity after = FileIdentity.of(path);
            if (!after.equals(before) || read != before.size()) {
                throw new BackupException(Reason.IO, "Cannot back up " + path + ": it changed while being read "
                        + "(size " + before.size() + " -> " + after.size() + ", read " + read + " bytes); "
                        + "back up a snapshot, not live files");
            }
        } catch (IOException e) {
            throw sourceFailure(path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackupException(Reason.IO, "Cannot back up " + path + ": interrupted", e);
        }
        progress.filesDone.increment();
        Sha256 fileHash = hasher.fileHash(chunks);
        Entry entry = Entry.file(file.node(), file.relativePath(), before.mode(), before.mtimeNanos(), read,
                fileHash, chunks);
        // Cached only once its chunks are stored: a checkpoint then never names a chunk still in flight.
        return CompletableFuture.allOf(uploads.toArray(CompletableFuture[]::new)).thenApply(v -> {
            hashCache.put(before, readStart, fileHash, chunks);
            return entry;
        });
    }

    /**
     * Reads a small file whole and stores it as a slice of a pack shared with other small files,
     * unless the parent backup or this push already holds the same content.
     */
    private CompletableFuture<Entry> readSmallFile(SourceFile file, FileIdentity before, long readStart) {
        Path path = file.path();
        byte[] data = new byte[(int) before.size()];
        int n;
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            n = readFully(channel, data);
            FileIdentity after = FileIdentity.of(path);
            if (!after.equals(before) || n != before.size() || channel.read(ByteBuffer.allocate(1)) >= 0) {
                throw new BackupException(Reason.IO, "Cannot back up " + path + ": it changed while being read "
                        + "(size " + before.size() + " -> " + after.size() + "); back up a snapshot, not live files");
            }
        } catch (IOException e) {
            throw sourceFailure(path, e);
        }
        Sha256 sha = repository.address(data, 0, n);
        progress.bytesScanned.add(n);
        progress.filesDone.increment();
        CompletableFuture<SmallFileIndex.Slice> where;
        SmallFileIndex.Slice known = knownSmallFiles.get(sha);
        if (known != null) {
            where = CompletableFuture.completedFuture(known);
        } else {
            CompletableFuture<SmallFileIndex.Slice> mine = new CompletableFuture<>();
            CompletableFuture<SmallFileIndex.Slice> earlier = smallFilesInPush.putIfAbsent(sha, mine);
            if (earlier != null) {
                where = earlier;
            } else {
                try {
                    Packer.Slice slice = packer.append(data, n);
                    slice.pack().thenApply(ref -> new SmallFileIndex.Slice(ref, slice.offset())).whenComplete((pf, e) -> {
                        if (e != null) {
                            mine.completeExceptionally(e);
                        } else {
                            // Known from now on; a file that misses both meanwhile is only packed twice.
                            knownSmallFiles.add(sha, pf.pack(), pf.offset());
                            smallFilesInPush.remove(sha);
                            mine.complete(pf);
                        }
                    });
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new BackupException(Reason.IO, "Cannot back up " + path + ": interrupted", e);
                }
                where = mine;
            }
        }
        return where.thenApply(pf -> {
            hashCache.put(before, readStart, sha, List.of(pf.pack()), pf.offset());
            return Entry.packed(file.node(), file.relativePath(), before.mode(), before.mtimeNanos(), n, sha,
                    pf.pack(), pf.offset());
        });
    }

    /** A sealed pack is a chunk like any other: stored once, skipped if already present. */
    private CompletableFuture<?> storePack(ChunkRef ref, byte[] buffer, BufferPool pool, ExecutorService uploaders) {
        Sha256 hash = ref.hash();
        if (knownPresent.contains(hash) || !seenInPush.add(hash)) {
            pool.release(buffer);
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<?> upload = CompletableFuture.runAsync(() -> store(hash, buffer, ref.length(), pool), uploaders);
        packUploads.add(upload);
        return upload;
    }

    /**
     * Whether every chunk of a cached file is known to be stored: referenced by the parent,
     * already in this push, or confirmed by a HEAD (the cache outlives backups that may have
     * been forgotten and collected, so it is a hint for reading, never proof of presence).
     */
    private boolean allPresent(List<ChunkRef> chunks) {
        for (ChunkRef c : chunks) {
            if (knownPresent.contains(c.hash()) || seenInPush.contains(c.hash())) {
                continue;
            }
            Optional<dev.s3backup.core.store.ObjectInfo> info = repository.store().head(RepositoryLayout.chunkKey(c.hash()));
            if (info.isEmpty()) {
                return false;
            }
            if (lock != null && lock.suffices(info.get().retainUntil())) {
                lock.covered(c.hash());
            }
            if (seenInPush.add(c.hash())) {
                journal.record(c.hash(), c.length());
            }
        }
        return true;
    }

    private void store(Sha256 hash, byte[] buffer, int length, BufferPool pool) {
        try {
            String key = RepositoryLayout.chunkKey(hash);
            boolean created;
            if (resumed(hash, length)) {
                created = false;
            } else if (options.dryRun()) {
                created = repository.store().head(key).isEmpty();
            } else {
                Payload payload = Payload.of(buffer, 0, length, repository.uploadChecksum(hash))
                        .withRetention(lock == null ? null : lock.forNewChunk());
                created = repository.store().putIfAbsent(key, payload) == PutOutcome.CREATED;
                if (created && lock != null) {
                    lock.covered(hash);
                }
                journal.record(hash, length);
            }
            if (created) {
                chunksNew.increment();
                progress.bytesUploaded.add(length);
            }
        } finally {
            pool.release(buffer);
        }
    }

    /**
     * Reading into a heap buffer, the JDK copies through a temporary direct buffer as large as the
     * read, kept per thread: whole 64 MiB chunks exhausted the direct memory (its limit is the heap
     * size) and failed a push with --chunk-size 64MiB. Slices of 1 MiB keep that buffer small.
     */
    private static final int READ_SLICE = 1 << 20;

    private static int readFully(FileChannel channel, byte[] buffer) throws IOException {
        int filled = 0;
        while (filled < buffer.length) {
            int n = channel.read(ByteBuffer.wrap(buffer, filled, Math.min(READ_SLICE, buffer.length - filled)));
            if (n < 0) {
                break;
            }
            filled += n;
        }
        return filled;
    }

    private static BackupException sourceFailure(Path path, IOException e) {
        if (e instanceof AccessDeniedException) {
            return new BackupException(Reason.INVALID_INPUT, "Cannot read " + path + ": permission denied", e);
        }
        if (e instanceof NoSuchFileException) {
            return new BackupException(Reason.IO, "Cannot read " + path + ": it disappeared during the backup; "
                    + "back up a snapshot, not live files", e);
        }
        return new BackupException(Reason.IO, "Cannot read " + path + ": " + e.getMessage(), e);
    }

    private void awaitPackUploads() {
        List<CompletableFuture<?>> uploads;
        synchronized (packUploads) {
            uploads = new ArrayList<>(packUploads);
        }
        try {
            CompletableFuture.allOf(uploads.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            throw unwrap(e.getCause());
        }
    }

    static RuntimeException unwrap(Throwable cause) {
        if (cause instanceof CompletionException ce && ce.getCause() != null) {
            cause = ce.getCause();
        }
        if (cause instanceof RuntimeException re) {
            return re;
        }
        if (cause instanceof Error err) {
            throw err;
        }
        return new UncheckedIOException(new IOException(cause));
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    private static void awaitQuietly(ExecutorService executor) {
        try {
            executor.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a temp file left in the temp directory loses nothing
            }
        }
    }
}
