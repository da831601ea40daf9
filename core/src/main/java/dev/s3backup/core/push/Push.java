package dev.s3backup.core.push;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.core.cache.HashCache;
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
import dev.s3backup.manifest.ManifestCodec;
import dev.s3backup.manifest.ManifestHeader;
import dev.s3backup.manifest.ManifestReader;
import dev.s3backup.manifest.ManifestWriter;
import dev.s3backup.manifest.Node;
import dev.s3backup.manifest.Sha256;
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
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
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

/**
 * Pushes sources into a repository in one pass over the bytes: each file is read once, every
 * chunk hashed as it is read; chunks known present (in the parent backup, or earlier in this
 * push) are skipped, the others uploaded from the same buffer with their SHA-256 so the store
 * can verify them. The manifest is written last, create-only: a backup exists only once every
 * chunk it names is durable.
 */
public final class Push {
    /** Files whose entries may wait, completed or not, before the manifest writer catches up. */
    private static final int FILE_WINDOW = 256;

    private final Repository repository;
    private final PushOptions options;
    private final Clock clock;
    private final PushProgress progress;
    private final List<String> warnings = java.util.Collections.synchronizedList(new ArrayList<>());
    private final Set<Sha256> seenInPush = ConcurrentHashMap.newKeySet();
    private final LongAdder chunksNew = new LongAdder();
    private final LongAdder chunksReused = new LongAdder();
    private final LongAdder filesFromCache = new LongAdder();
    private Set<Sha256> knownPresent = Set.of();
    private HashCache hashCache = HashCache.disabled();

    public Push(Repository repository, PushOptions options, Clock clock, PushProgress progress) {
        this.repository = repository;
        this.options = options;
        this.clock = clock;
        this.progress = progress;
    }

    /** Skips reading files whose identity the cache knows; the cache is saved after the commit. */
    public Push useHashCache(HashCache cache) {
        this.hashCache = cache;
        return this;
    }

    public PushResult run(List<Source> sources) {
        Instant start = clock.instant();
        long startNanos = System.nanoTime();
        Source.requireDistinct(sources);
        String parent = repository.latestId().orElse(null);
        if (parent != null) {
            knownPresent = chunksOf(parent);
        }
        List<SourceFile> files = new SourceScanner(warnings::add).scan(sources);
        progress.totalFiles.set(files.stream().filter(f -> f.type() == dev.s3backup.manifest.EntryType.FILE).count());
        progress.totalBytes.set(files.stream().mapToLong(SourceFile::size).sum());

        String id = BackupId.generate(start, new SecureRandom());
        List<Node> nodes = sources.stream().filter(s -> !s.looseFile())
                .map(s -> new Node(s.token(), s.path().toAbsolutePath().toString())).toList();
        ManifestHeader header = new ManifestHeader(id, options.name(), start, options.toolVersion(), options.host(),
                parent, nodes, options.properties());

        Path manifestFile = null;
        ExecutorService readers = Executors.newFixedThreadPool(options.readThreads(), daemon("s3backup-read"));
        ExecutorService uploaders = Executors.newFixedThreadPool(options.uploadThreads(), daemon("s3backup-upload"));
        int chunkSize = repository.config().chunkSize();
        int buffers = (int) Math.max(2, Math.min(Integer.MAX_VALUE, options.maxInFlightBytes() / chunkSize));
        BufferPool pool = new BufferPool(chunkSize, buffers);
        Totals totals;
        try {
            manifestFile = Files.createTempFile("s3backup-manifest-", ".tmp");
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(manifestFile), 1 << 16);
                 ManifestWriter writer = ManifestCodec.newWriter(out, header)) {
                Deque<CompletableFuture<Entry>> pending = new ArrayDeque<>();
                for (SourceFile file : files) {
                    pending.add(entryOf(file, pool, readers, uploaders));
                    while (pending.size() > FILE_WINDOW) {
                        write(writer, await(pending.poll()));
                    }
                }
                while (!pending.isEmpty()) {
                    write(writer, await(pending.poll()));
                }
                totals = writer.finish();
            }
            if (!options.dryRun()) {
                repository.commitManifest(id, manifestFile);
                saveHashCache();
            }
        } catch (IOException e) {
            throw new BackupException(Reason.IO, "Cannot write the manifest of backup " + id + ": " + e.getMessage(), e);
        } finally {
            readers.shutdownNow();
            uploaders.shutdownNow();
            awaitQuietly(readers);
            awaitQuietly(uploaders);
            deleteQuietly(manifestFile);
        }
        return new PushResult(id, parent, options.dryRun(), totals.files(), totals.directories(), totals.symlinks(),
                progress.bytesScanned(), progress.bytesUploaded(), chunksNew.sum(), chunksReused.sum(),
                Duration.ofNanos(System.nanoTime() - startNanos), repository.requests().snapshot(), warnings,
                filesFromCache.sum());
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
    private static void write(ManifestWriter writer, Entry entry) throws IOException {
        try {
            writer.write(entry);
        } catch (IllegalArgumentException e) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot back up " + entry.node() + "/" + entry.path()
                    + ": " + e.getMessage(), e);
        }
    }

    /** Chunks referenced by a committed backup: known present, so never uploaded or checked again. */
    private Set<Sha256> chunksOf(String backupId) {
        Set<Sha256> chunks = new HashSet<>();
        try (ManifestReader reader = repository.openManifest(backupId)) {
            for (Entry e = reader.next(); e != null; e = reader.next()) {
                for (ChunkRef c : e.chunks()) {
                    chunks.add(c.hash());
                }
            }
        } catch (IOException e) {
            throw new BackupException(Reason.IO, "Cannot read parent backup " + backupId + ": " + e.getMessage(), e);
        }
        return chunks;
    }

    private CompletableFuture<Entry> entryOf(SourceFile file, BufferPool pool, ExecutorService readers,
                                             ExecutorService uploaders) {
        try {
            switch (file.type()) {
                case DIRECTORY -> {
                    FileIdentity id = FileIdentity.of(file.path());
                    return CompletableFuture.completedFuture(
                            Entry.directory(file.node(), file.relativePath(), id.mode(), id.mtimeNanos()));
                }
                case SYMLINK -> {
                    FileIdentity id = FileIdentity.of(file.path());
                    String target = Files.readSymbolicLink(file.path()).toString();
                    return CompletableFuture.completedFuture(
                            Entry.symlink(file.node(), file.relativePath(), id.mtimeNanos(), target));
                }
                default -> {
                    return CompletableFuture.supplyAsync(() -> readFile(file, pool, uploaders), readers)
                            .thenCompose(f -> f);
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
        MessageDigest fileDigest = Sha256.newDigest();
        long read = 0;
        FileIdentity before;
        try {
            // Before the open: a file replaced between the two then shows as a changed identity.
            before = FileIdentity.of(path);
        } catch (IOException e) {
            throw sourceFailure(path, e);
        }
        Optional<HashCache.CachedFile> cached = hashCache.lookup(before);
        if (cached.isPresent() && allPresent(cached.get().chunks())) {
            progress.filesDone.increment();
            progress.bytesCached.add(before.size());
            filesFromCache.increment();
            chunksReused.add(cached.get().chunks().size());
            return CompletableFuture.completedFuture(Entry.file(file.node(), file.relativePath(), before.mode(),
                    before.mtimeNanos(), before.size(), cached.get().sha256(), cached.get().chunks()));
        }
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            while (true) {
                byte[] buffer = pool.acquire();
                int n = readFully(channel, buffer);
                if (n == 0) {
                    pool.release(buffer);
                    break;
                }
                fileDigest.update(buffer, 0, n);
                Sha256 hash = Sha256.digest(buffer, 0, n);
                chunks.add(new ChunkRef(hash, n));
                read += n;
                progress.bytesScanned.add(n);
                if (knownPresent.contains(hash) || !seenInPush.add(hash)) {
                    chunksReused.increment();
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
        Sha256 fileHash = Sha256.of(fileDigest.digest());
        hashCache.put(before, fileHash, chunks);
        Entry entry = Entry.file(file.node(), file.relativePath(), before.mode(), before.mtimeNanos(), read,
                fileHash, chunks);
        return CompletableFuture.allOf(uploads.toArray(CompletableFuture[]::new)).thenApply(v -> entry);
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
            if (repository.store().head(RepositoryLayout.chunkKey(c.hash())).isEmpty()) {
                return false;
            }
            seenInPush.add(c.hash());
        }
        return true;
    }

    private void store(Sha256 hash, byte[] buffer, int length, BufferPool pool) {
        try {
            String key = RepositoryLayout.chunkKey(hash);
            boolean created;
            if (options.dryRun()) {
                created = repository.store().head(key).isEmpty();
            } else {
                created = repository.store().putIfAbsent(key, Payload.of(buffer, 0, length, hash.bytes()))
                        == PutOutcome.CREATED;
            }
            if (created) {
                chunksNew.increment();
                progress.bytesUploaded.add(length);
            } else {
                chunksReused.increment();
            }
        } finally {
            pool.release(buffer);
        }
    }

    private static int readFully(FileChannel channel, byte[] buffer) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(buffer);
        while (bb.hasRemaining()) {
            if (channel.read(bb) < 0) {
                break;
            }
        }
        return bb.position();
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

    private static Entry await(CompletableFuture<Entry> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new UncheckedIOException(new IOException(cause));
        }
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
