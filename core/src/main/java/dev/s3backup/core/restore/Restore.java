package dev.s3backup.core.restore;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.core.repo.ContentCheck;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.store.StoreException;
import dev.s3backup.manifest.ChunkRef;
import dev.s3backup.manifest.Entry;
import dev.s3backup.manifest.ManifestCodec;
import dev.s3backup.manifest.ManifestFormatException;
import dev.s3backup.manifest.ManifestHeader;
import dev.s3backup.manifest.ManifestReader;
import dev.s3backup.manifest.Node;
import dev.s3backup.manifest.Sha256;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Restores a backup into a directory: one directory per node token, loose files beside them,
 * as HyperDex's backup-manager lays out a backup. The manifest is checked completely before
 * anything is written (no path may leave the target). Every chunk is verified against its hash
 * before use, every file against its whole-file hash; a file appears under its final name only
 * once complete and verified.
 */
public final class Restore {
    private static final ThreadLocal<byte[]> STREAM_BUFFER = ThreadLocal.withInitial(() -> new byte[256 << 10]);
    /** Verified packs kept for the small files that follow; a few chunks' worth. */
    private static final long PACK_CACHE_BYTES = 32L << 20;

    private final Repository repository;
    private final RestoreOptions options;
    private final RestoreProgress progress;
    private final List<RestoreResult.Failure> failures = Collections.synchronizedList(new ArrayList<>());
    private final LongAdder filesRestored = new LongAdder();
    private final LongAdder filesKept = new LongAdder();
    /** The first Error of a worker (a bug, or out of memory): it ends the restore, never a file quietly. */
    private final AtomicReference<IllegalStateException> broken = new AtomicReference<>();
    private DirectorySync directorySync = new DirectorySync(DirectorySync.FSYNC);
    /**
     * A file at least this large is fsynced as soon as it is written, before its rename: its
     * writeback then overlaps the next downloads instead of all of it waiting for the one sync at
     * the end (a 1 GiB restore of 4 MiB SSTs was ~40 % slower with only the sync at the end). The
     * sync at the end is for the many small files, where one fsync each cost more than the data.
     */
    static final long SYNC_ALONE_BYTES = 1 << 20;

    /** Files' data made durable together at the end; null: each file fsynced before its rename. */
    private FileDataSync fileDataSync = FileDataSync.syncfs();
    /** Directories this restore made or checked: the next file in one needs no mkdir or stat. */
    private final Set<String> directoriesReady = ConcurrentHashMap.newKeySet();
    /** The access time of restored files: when the restore began, read once instead of once per file. */
    private FileTime accessTime;
    private final Cache<Sha256, byte[]> packs = Caffeine.newBuilder().maximumWeight(PACK_CACHE_BYTES)
            .weigher((Sha256 k, byte[] v) -> v.length).executor(Runnable::run).build();

    public Restore(Repository repository, RestoreOptions options, RestoreProgress progress) {
        this.repository = repository;
        this.options = options;
        this.progress = progress;
    }

    /** Tests watch when the files' data is synced; null fsyncs each file before its rename. */
    Restore syncFileDataWith(FileDataSync sync) {
        this.fileDataSync = sync;
        return this;
    }

    /** Tests watch which directories are synced, and when. */
    Restore syncDirectoriesWith(DirectorySync.Fsync fsync) {
        this.directorySync = new DirectorySync(fsync);
        return this;
    }

    public RestoreResult run(String idOrLatest, Path target) {
        long startNanos = System.nanoTime();
        accessTime = FileTime.from(Instant.now());
        String id = repository.resolve(idOrLatest);
        Path root = target.toAbsolutePath().normalize();
        requireUsableTarget(root);
        Path manifest = null;
        try {
            Path tempDir = Path.of(System.getProperty("java.io.tmpdir"));
            manifest = repository.downloadManifest(id, tempDir);
            Plan plan = check(id, manifest);
            progress.totalBytes.set(plan.bytes);
            progress.totalFiles.set(plan.files);
            boolean rootIsNew = !Files.exists(root, LinkOption.NOFOLLOW_LINKS);
            Files.createDirectories(root);
            Path realRoot = root.toRealPath();
            if (rootIsNew) {
                directorySync.entryAdded(realRoot);
            }
            List<Entry> directories = new ArrayList<>();
            List<Entry> symlinks = new ArrayList<>();
            restoreFiles(id, manifest, realRoot, plan.partialNames, directories, symlinks);
            for (Entry link : symlinks) {
                restoreSymlink(realRoot, link);
            }
            // Before the modes: a directory made unreadable could not be opened to be synced. The
            // files' data first, so each directory's sync makes durable only complete files.
            Set<Path> written = directorySync.changed();
            if (fileDataSync != null && !written.isEmpty()) {
                fileDataSync.sync(written);
            }
            directorySync.syncAll(options.threads());
            // Deepest first, so a read-only directory is locked only after its content is in place.
            directories.sort(Comparator.comparing((Entry e) -> destination(e)).reversed());
            for (Entry dir : directories) {
                Path path = realRoot.resolve(destination(dir));
                setModeAndTime(path, dir);
            }
            return new RestoreResult(id, filesRestored.sum(), directories.size(), symlinks.size(),
                    progress.bytesWritten(), Duration.ofNanos(System.nanoTime() - startNanos),
                    repository.requests().snapshot(), failures, filesKept.sum());
        } catch (ManifestFormatException e) {
            throw new BackupException(Reason.INTEGRITY, "Cannot read backup " + id + ": its manifest is damaged: "
                    + e.getMessage(), e);
        } catch (IOException e) {
            throw new BackupException(Reason.IO, "Cannot restore backup " + id + " into " + root + ": " + e.getMessage(), e);
        } finally {
            if (manifest != null) {
                try {
                    Files.deleteIfExists(manifest);
                } catch (IOException ignored) {
                    // a leftover temp file loses nothing
                }
            }
        }
    }

    private void requireUsableTarget(Path root) {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(root)) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot restore into " + root + ": it is not a directory");
        }
        if (!options.force() && !options.delta()) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
                if (entries.iterator().hasNext()) {
                    throw new BackupException(Reason.INVALID_INPUT, "Cannot restore into " + root
                            + ": it is not empty (use --force to restore into it anyway)");
                }
            } catch (IOException e) {
                throw new BackupException(Reason.IO, "Cannot read target " + root + ": " + e.getMessage(), e);
            }
        }
    }

    /** What the first pass over the manifest found; the entries themselves are streamed again. */
    private record Plan(long files, long bytes, Map<String, String> partialNames) {
    }

    /**
     * Reads the whole manifest once and refuses it, before anything is written, if any entry
     * could land outside the target, collides with another, or is otherwise unsafe ({@link RestoreCheck}).
     */
    private Plan check(String id, Path manifest) throws IOException {
        RestoreCheck check;
        try (ManifestReader reader = openLocal(id, manifest)) {
            requireNode(id, reader.header());
            check = new RestoreCheck(repository.config().chunkSize(),
                    reader.header().nodes().stream().map(Node::token).toList());
            for (Entry e = reader.next(); e != null; e = reader.next()) {
                if (selected(e)) {
                    refuseIf(id, check.add(e));
                }
            }
        }
        refuseIf(id, check.finish());
        return new Plan(check.files(), check.bytes(), check.partialNames());
    }

    private static void refuseIf(String id, String problem) {
        if (problem != null) {
            throw new BackupException(Reason.INTEGRITY, "Cannot restore backup " + id + ": " + problem
                    + "; nothing was written");
        }
    }

    private void requireNode(String id, ManifestHeader header) {
        if (options.node() == null) {
            return;
        }
        boolean present = header.nodes().stream().anyMatch(n -> n.token().equals(options.node()));
        if (!present) {
            throw new BackupException(Reason.NOT_FOUND, "Cannot restore node '" + options.node() + "': backup " + id
                    + " has nodes " + header.nodes().stream().map(Node::token).toList());
        }
    }

    private boolean selected(Entry e) {
        return options.node() == null || options.node().equals(e.node());
    }

    private static String destination(Entry e) {
        return RestoreCheck.destination(e);
    }

    private void restoreFiles(String id, Path manifest, Path root, Map<String, String> partialNames,
                              List<Entry> directories, List<Entry> symlinks) throws IOException {
        ExecutorService workers = Executors.newFixedThreadPool(options.threads(), r -> {
            Thread t = new Thread(r, "s3backup-restore");
            t.setDaemon(true);
            return t;
        });
        // Bounds the entries queued for the workers, and so the memory, whatever the backup's size.
        Semaphore window = new Semaphore(options.threads() * 4);
        try (ManifestReader reader = openLocal(id, manifest)) {
            Set<String> createdNodeDirs = new HashSet<>();
            // First: a node whose source directory was empty has no entry, and is restored all the same.
            for (Node node : reader.header().nodes()) {
                if ((options.node() == null || options.node().equals(node.token())) && createdNodeDirs.add(node.token())) {
                    createDirectoriesInside(root, node.token());
                }
            }
            for (Entry e = reader.next(); e != null && broken.get() == null; e = reader.next()) {
                if (!selected(e)) {
                    continue;
                }
                if (!e.node().isEmpty() && createdNodeDirs.add(e.node())) {
                    createDirectoriesInside(root, e.node());
                }
                Path dest = root.resolve(destination(e));
                switch (e.type()) {
                    case DIRECTORY -> {
                        createDirectoriesInside(root, destination(e));
                        directories.add(e);
                    }
                    case SYMLINK -> symlinks.add(e);
                    case FILE -> {
                        window.acquireUninterruptibly();
                        Entry file = e;
                        workers.execute(() -> {
                            try {
                                restoreFile(root, file, partialNames.get(destination(file)));
                            } finally {
                                window.release();
                            }
                        });
                    }
                }
            }
        } finally {
            workers.shutdown();
            try {
                while (!workers.awaitTermination(1, TimeUnit.SECONDS)) {
                    // waiting for the files in flight; each one ends verified or removed
                }
            } catch (InterruptedException e) {
                workers.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        if (broken.get() != null) {
            throw broken.get();
        }
    }

    /**
     * Creates {@code <root>/<relative>} one directory at a time, refusing to go through a symbolic
     * link that already exists in the target (with --force or --delta) and leads outside it:
     * checking only at the end, as {@code Files.createDirectories} and then a real-path check
     * would, creates the directories outside before noticing.
     *
     * @param relative '/'-separated, already checked safe (no '.', '..' or empty segment)
     */
    private void createDirectoriesInside(Path root, String relative) throws IOException {
        if (directoriesReady.contains(relative)) {
            return;
        }
        Path dir = root;
        for (String segment : relative.split("/")) {
            dir = dir.resolve(segment);
            try {
                Files.createDirectory(dir);
                directorySync.entryAdded(dir);
            } catch (FileAlreadyExistsException e) {
                if (Files.isSymbolicLink(dir)) {
                    if (!dir.toRealPath().startsWith(root)) {
                        throw new BackupException(Reason.INTEGRITY, "Cannot restore " + printable(relative)
                                + ": the existing symbolic link " + dir + " in the target leads outside " + root);
                    }
                } else if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                    throw new BackupException(Reason.IO, "Cannot restore " + printable(relative) + ": " + dir
                            + " exists and is not a directory");
                }
            }
        }
        directoriesReady.add(relative);
    }

    /** @param partialName the temporary name to use, if not the usual one (see {@link RestoreCheck#partialNames}) */
    private void restoreFile(Path root, Entry e, String partialName) {
        String dest = destination(e);
        Path finalPath = root.resolve(dest);
        Path partial = root.resolve(partialName != null ? partialName : RestoreCheck.partialName(dest));
        try {
            int slash = dest.lastIndexOf('/');
            if (slash > 0) {
                createDirectoriesInside(root, dest.substring(0, slash));
            }
            if (options.delta() && alreadyRestored(finalPath, e)) {
                // A restore killed while rewriting this file (with --force) left its partial copy.
                Files.deleteIfExists(partial);
                setModeAndTime(finalPath, e);
                filesKept.increment();
                filesRestored.increment();
                progress.filesDone.increment();
                return;
            }
            // A file of one whole chunk, or whose identity is derived from its chunks (manifest v2),
            // is checked by its chunks' checks and its bytes are hashed once. Otherwise (a slice of
            // a pack, a v1 multi-chunk file) the file's own digest is checked as well.
            MessageDigest fileDigest = ContentCheck.fileDigest(repository, e);
            try (FileChannel out = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS)) {
                for (ChunkRef chunk : e.chunks()) {
                    if (e.packed()) {
                        ByteBuffer bb = ByteBuffer.wrap(fetchPack(chunk), (int) e.packOffset(), (int) e.size());
                        fileDigest.update(bb.duplicate());
                        writeFully(out, bb);
                        progress.bytesWritten.add(e.size());
                    } else {
                        streamChunk(chunk, out, fileDigest);
                    }
                }
                if (fileDataSync == null || e.size() >= SYNC_ALONE_BYTES) {
                    out.force(false);
                }
            }
            if (fileDigest != null && !Sha256.of(fileDigest.digest()).equals(e.sha256())) {
                throw new BackupException(Reason.INTEGRITY, "its content does not match the file hash in the manifest");
            }
            setModeAndTime(partial, e);
            Files.move(partial, finalPath, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            directorySync.entryAdded(finalPath);
            filesRestored.increment();
            progress.filesDone.increment();
        } catch (BackupException ex) {
            fail(dest, partial, ex.reason(), ex.getMessage());
        } catch (StoreException ex) {
            fail(dest, partial, reasonOf(ex), ex.getMessage());
        } catch (IOException ex) {
            fail(dest, partial, Reason.IO, isNoSpace(ex) ? "the disk is full (" + ex.getMessage() + ")" : ex.toString());
        } catch (RuntimeException ex) {
            // A store's stream may fail unchecked (an HTTP client's does); on a worker thread it
            // would vanish and the file would be missing from a restore reported complete.
            fail(dest, partial, Reason.IO, ex.toString());
        } catch (Error ex) {
            // Uncaught, it would end only this worker thread, and the restore would report success.
            fail(dest, partial, Reason.IO, ex.toString());
            broken.compareAndSet(null, new IllegalStateException("Cannot restore " + dest + ": " + ex, ex));
        }
    }

    /** Whether the target already holds this file's exact content (size, then its hashes). */
    private boolean alreadyRestored(Path path, Entry e) throws IOException {
        if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) || Files.size(path) != e.size()) {
            return false;
        }
        try (InputStream in = Files.newInputStream(path, LinkOption.NOFOLLOW_LINKS)) {
            return ContentCheck.matches(repository, e, in, STREAM_BUFFER.get());
        }
    }

    /**
     * A pack holds many small files next to each other in the manifest: keep a few verified
     * packs in memory so each is downloaded once, not once per file.
     */
    private byte[] fetchPack(ChunkRef pack) throws IOException {
        try {
            return packs.get(pack.hash(), h -> {
                try {
                    return fetchChunk(pack);
                } catch (IOException ex) {
                    throw new java.io.UncheckedIOException(ex);
                }
            });
        } catch (java.io.UncheckedIOException ex) {
            throw ex.getCause();
        }
    }

    /**
     * Streams one chunk into the partial file through a small buffer, hashing as it goes; a
     * chunk whose length or hash is wrong fails the file, whose partial copy is then deleted,
     * so no unverified byte ever appears under a final name. {@code fileDigest} (null: none)
     * is fed the same bytes.
     */
    private void streamChunk(ChunkRef chunk, FileChannel out, MessageDigest fileDigest) throws IOException {
        MessageDigest chunkDigest = repository.newAddressDigest();
        byte[] buffer = STREAM_BUFFER.get();
        long total = 0;
        try (InputStream in = repository.openChunk(chunk.hash())) {
            int n;
            // Whole buffers, not whatever a socket read returns: SHA-256 is faster on big blocks.
            while ((n = in.readNBytes(buffer, 0, buffer.length)) > 0) {
                total += n;
                if (total > chunk.length()) {
                    break;
                }
                chunkDigest.update(buffer, 0, n);
                if (fileDigest != null) {
                    fileDigest.update(buffer, 0, n);
                }
                writeFully(out, ByteBuffer.wrap(buffer, 0, n));
                progress.bytesWritten.add(n);
            }
        } catch (BackupException ex) {
            throw chunkFailure(chunk, ex);
        }
        if (total != chunk.length() || !Sha256.of(chunkDigest.digest()).equals(chunk.hash())) {
            throw new BackupException(Reason.INTEGRITY, "chunk " + chunk.hash()
                    + " is corrupt (its content does not match its hash)");
        }
    }

    /** A chunk that is missing, or sealed and failing authentication, is an integrity failure of the files using it. */
    private static BackupException chunkFailure(ChunkRef chunk, BackupException e) {
        return switch (e.reason()) {
            case NOT_FOUND -> new BackupException(Reason.INTEGRITY, "chunk " + chunk.hash() + " is missing from the repository");
            case INTEGRITY -> new BackupException(Reason.INTEGRITY, "chunk " + chunk.hash() + " is corrupt: " + e.getMessage(), e);
            default -> e;
        };
    }

    private static void writeFully(FileChannel out, ByteBuffer bb) throws IOException {
        while (bb.hasRemaining()) {
            out.write(bb);
        }
    }

    /** Downloads one chunk and checks length and hash before any byte of it is used. */
    private byte[] fetchChunk(ChunkRef chunk) throws IOException {
        byte[] data = new byte[chunk.length()];
        int n;
        int extra;
        try (InputStream in = repository.openChunk(chunk.hash())) {
            n = in.readNBytes(data, 0, data.length);
            extra = in.read();
        } catch (BackupException e) {
            throw chunkFailure(chunk, e);
        }
        if (n != data.length || extra != -1 || !repository.address(data, 0, n).equals(chunk.hash())) {
            throw new BackupException(Reason.INTEGRITY, "chunk " + chunk.hash()
                    + " is corrupt (its content does not match its hash)");
        }
        return data;
    }

    private void fail(String dest, Path partial, Reason reason, String message) {
        try {
            Files.deleteIfExists(partial);
        } catch (IOException ignored) {
            // reported below; the partial name never looks like the real file
        }
        failures.add(new RestoreResult.Failure(dest, reason, "Cannot restore " + dest + ": " + message));
    }

    /** ENOSPC or EDQUOT: Java reports both only through the operating system's message. */
    private static boolean isNoSpace(IOException e) {
        String m = e.getMessage();
        return m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded"));
    }

    private static Reason reasonOf(StoreException e) {
        return switch (e.kind()) {
            case NOT_FOUND -> Reason.NOT_FOUND;
            case ACCESS_DENIED -> Reason.ACCESS_DENIED;
            case INTEGRITY -> Reason.INTEGRITY;
            case IO -> Reason.IO;
        };
    }

    private void restoreSymlink(Path root, Entry link) throws IOException {
        String relative = destination(link);
        Path dest = root.resolve(relative);
        int slash = relative.lastIndexOf('/');
        if (slash > 0) {
            createDirectoriesInside(root, relative.substring(0, slash));
        }
        try {
            Files.createSymbolicLink(dest, Path.of(link.linkTarget()));
        } catch (FileAlreadyExistsException e) {
            Files.delete(dest);
            Files.createSymbolicLink(dest, Path.of(link.linkTarget()));
        }
        directorySync.entryAdded(dest);
    }

    private void setModeAndTime(Path path, Entry e) throws IOException {
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] all = PosixFilePermission.values();
        for (int i = 0; i < all.length; i++) {
            if ((e.mode() & (1 << (8 - i))) != 0) {
                perms.add(all[i]);
            }
        }
        try {
            Files.setPosixFilePermissions(path, perms);
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system: modes cannot be kept
        }
        // Both times: with the access time left out, the JDK reads the file's attributes to keep it.
        Files.getFileAttributeView(path, BasicFileAttributeView.class)
                .setTimes(FileTime.from(e.mtimeNanos(), TimeUnit.NANOSECONDS), accessTime, null);
    }

    private ManifestReader openLocal(String id, Path manifest) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(manifest), 1 << 16);
        try {
            return ManifestCodec.newReader(in);
        } catch (ManifestFormatException e) {
            in.close();
            throw new BackupException(Reason.INTEGRITY, "Cannot read backup " + id + ": its manifest is damaged: "
                    + e.getMessage(), e);
        }
    }

    private static String printable(String s) {
        return RestoreCheck.printable(s);
    }
}
