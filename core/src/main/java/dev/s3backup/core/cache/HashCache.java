package dev.s3backup.core.cache;

import dev.s3backup.core.io.AtomicReplace;
import dev.s3backup.core.io.LimitedInputStream;
import dev.s3backup.core.source.FileIdentity;
import dev.s3backup.manifest.ChunkRef;
import dev.s3backup.manifest.Sha256;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Remembers, per repository, the hash and chunk list of every file pushed, keyed by the file's
 * identity (device, inode, size, mtime in ns), so an unchanged file is never read again. A
 * hard-linked snapshot keeps the inode, so consecutive snapshots of a node hit the cache.
 *
 * <p>ctime is not part of the key: creating a hard link updates the inode's ctime, so a key
 * with ctime would miss on every new snapshot. Size and mtime in nanoseconds on the same inode
 * catch every ordinary change; see docs/DECISIONS.md.
 *
 * <p>The file is rewritten whole, atomically (temp file, fsync, rename): at checkpoints during a
 * push (so a push killed midway does not read again what it already read; entries are added only
 * once a file's chunks are stored) and after the commit. A damaged, truncated, foreign (other repository or chunk size) or unknown-version
 * file is ignored with a warning and rebuilt; it is never trusted.
 *
 * <p>"Racy clean" (git's term): a file whose mtime is not safely older than the moment its read
 * began could be rewritten, same size, within the same timestamp tick after the read, and keep
 * its identity. Such a file is not recorded ({@link #put}); the next push reads it again and
 * records it once its mtime is old enough. See docs/DECISIONS.md §10.
 *
 * <p>Entries live in primitive arrays ({@link CacheTable}, ~{@value CacheTable#BYTES_PER_FILE}
 * bytes per small file), at most {@code maxEntries} of them.
 */
public final class HashCache {
    public static final long DEFAULT_MAX_ENTRIES = 250_000;
    private static final byte[] MAGIC = "S3BKHC\n".getBytes(StandardCharsets.US_ASCII);
    /** 3: entries are never racy (version 2 files may hold racy ones, so they are rebuilt once). */
    private static final int VERSION = 3;
    /**
     * How much older than the start of its read a file's mtime must be to be recorded: the coarsest
     * timestamp granularity of common file systems (FAT: 2 s; ext4 and XFS stamp from a clock that
     * ticks every few ms), with room for the rounding of either.
     */
    public static final long RACY_MARGIN_NANOS = 2_000_000_000L;

    /**
     * A file's content as last pushed.
     *
     * @param packOffset where a small file starts in its one chunk (a pack), or -1
     */
    public record CachedFile(Sha256 sha256, List<ChunkRef> chunks, long packOffset) {
        public CachedFile {
            chunks = List.copyOf(chunks);
        }
    }

    private final Path file;
    private final String repositoryId;
    private final int chunkSize;
    private final boolean rehash;
    private final CacheTable entries;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();

    private HashCache(Path file, String repositoryId, int chunkSize, long maxEntries, boolean rehash) {
        this.file = file;
        this.repositoryId = repositoryId;
        this.chunkSize = chunkSize;
        this.rehash = rehash;
        this.entries = new CacheTable(maxEntries);
    }

    /** A cache that remembers nothing and saves nothing. */
    public static HashCache disabled() {
        return new HashCache(null, "", 1, 0, true);
    }

    /**
     * Loads the cache file if there is a valid one for this repository.
     *
     * @param rehash ignore what the file says (every file is read), but save what this push learns
     */
    public static HashCache open(Path file, String repositoryId, int chunkSize, long maxEntries, boolean rehash,
                                 Consumer<String> warnings) {
        HashCache cache = new HashCache(file, repositoryId, chunkSize, maxEntries, rehash);
        if (!rehash) {
            try {
                cache.load();
            } catch (NoSuchFileException e) {
                // first push from this host: nothing cached yet
            } catch (IOException | RuntimeException e) {
                cache.entries.clear();
                warnings.accept("ignoring hash cache " + file + " (" + e.getMessage() + "); every file will be read");
            }
        }
        return cache;
    }

    /** {@code $XDG_CACHE_HOME/s3backup} or {@code ~/.cache/s3backup}. */
    public static Path defaultDirectory() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("s3backup");
    }

    public static Path fileFor(Path directory, String repositoryId) {
        return directory.resolve(repositoryId + ".hashcache");
    }

    public Optional<CachedFile> lookup(FileIdentity identity) {
        if (rehash || identity.inode() == 0) {
            return Optional.empty();
        }
        CachedFile hit;
        synchronized (entries) {
            hit = entries.get(identity.device(), identity.inode(), identity.size(), identity.mtimeNanos());
        }
        (hit == null ? misses : hits).increment();
        return Optional.ofNullable(hit);
    }

    /**
     * The time on the clock file systems stamp files with (this host's), as nanoseconds since the
     * epoch: taken by a caller just before it takes the identity of a file it is about to read.
     */
    public static long now() {
        Instant t = Instant.now();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    public void put(FileIdentity identity, long readStartNanos, Sha256 sha256, List<ChunkRef> chunks) {
        put(identity, readStartNanos, sha256, chunks, -1);
    }

    /**
     * Records what a file held when it was read, unless its mtime is within
     * {@link #RACY_MARGIN_NANOS} of the start of that read (see the class comment).
     *
     * @param readStartNanos {@link #now()} taken before the identity of the file was
     * @param packOffset where a small file starts in its pack, or -1 for a file of its own chunks
     */
    public void put(FileIdentity identity, long readStartNanos, Sha256 sha256, List<ChunkRef> chunks, long packOffset) {
        if (file == null || identity.inode() == 0 || identity.mtimeNanos() > readStartNanos - RACY_MARGIN_NANOS) {
            return;
        }
        synchronized (entries) {
            entries.put(identity.device(), identity.inode(), identity.size(), identity.mtimeNanos(), sha256, chunks,
                    packOffset);
        }
    }

    public long hits() {
        return hits.sum();
    }

    public long misses() {
        return misses.sum();
    }

    /**
     * Writes the cache atomically; a crash leaves the old file or the new one, never a mix. May be
     * called while other threads add entries (a checkpoint): it writes a consistent copy.
     */
    public synchronized void save() throws IOException {
        if (file == null) {
            return;
        }
        Files.createDirectories(file.getParent());
        Path temp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
        try {
            try (OutputStream raw = Files.newOutputStream(temp, StandardOpenOption.WRITE)) {
                MessageDigest digest = Sha256.newDigest();
                DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new DigestOutputStream(raw, digest), 1 << 16));
                out.write(MAGIC);
                out.writeInt(VERSION);
                out.writeUTF(repositoryId);
                out.writeInt(chunkSize);
                // Puts wait while the entries are written (to the page cache: ~0.1 s per 100,000),
                // so the count matches them; the fsync below runs without the lock.
                synchronized (entries) {
                    out.writeLong(entries.size());
                    entries.forEach((device, inode, size, mtime, f) -> {
                        out.writeLong(device);
                        out.writeLong(inode);
                        out.writeLong(size);
                        out.writeLong(mtime);
                        out.write(f.sha256().bytes());
                        out.writeLong(f.packOffset());
                        out.writeInt(f.chunks().size());
                        for (ChunkRef c : f.chunks()) {
                            out.write(c.hash().bytes());
                            out.writeInt(c.length());
                        }
                    });
                }
                out.flush();
                raw.write(digest.digest());
            }
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            AtomicReplace.move(temp, file);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private void load() throws IOException {
        long length = Files.size(file);
        if (length < MAGIC.length + 32) {
            throw new IOException("too short to be a hash cache");
        }
        MessageDigest digest = Sha256.newDigest();
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            // The body is everything but the last 32 bytes, which hold its SHA-256.
            InputStream limited = new LimitedInputStream(raw, length - 32);
            DataInputStream in = new DataInputStream(new DigestInputStream(limited, digest));
            byte[] magic = in.readNBytes(MAGIC.length);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new IOException("not a hash cache file");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new IOException("cache format " + version + " is not " + VERSION);
            }
            String repo = in.readUTF();
            int fileChunkSize = in.readInt();
            if (!repo.equals(repositoryId) || fileChunkSize != chunkSize) {
                throw new IOException("written for another repository or chunk size");
            }
            long count = in.readLong();
            // Each entry takes at least 80 bytes: a lying count fails here, not in an allocation.
            if (count < 0 || count > length / 72) {
                throw new IOException("damaged (entry count " + count + ")");
            }
            for (long i = 0; i < count; i++) {
                long device = in.readLong();
                long inode = in.readLong();
                long size = in.readLong();
                long mtime = in.readLong();
                Sha256 fileHash = Sha256.of(in.readNBytes(32));
                long packOffset = in.readLong();
                int chunks = in.readInt();
                if (chunks < 0 || size < 0 || chunks > size / chunkSize + 1) {
                    throw new IOException("damaged (entry " + i + ")");
                }
                List<ChunkRef> refs = new ArrayList<>(chunks);
                long sum = 0;
                for (int c = 0; c < chunks; c++) {
                    ChunkRef ref = new ChunkRef(Sha256.of(in.readNBytes(32)), in.readInt());
                    sum += ref.length();
                    refs.add(ref);
                }
                boolean consistent = packOffset < 0 ? packOffset == -1 && sum == size
                        : chunks == 1 && packOffset + size <= sum;
                if (!consistent) {
                    throw new IOException("damaged (entry " + i + " sizes do not add up)");
                }
                // Beyond the bound: read on only to check the trailer (the first entries are
                // the ones the last push touched).
                if (!entries.full()) {
                    entries.put(device, inode, size, mtime, fileHash, refs, packOffset);
                }
            }
            if (in.read() != -1) {
                throw new IOException("damaged (trailing bytes)");
            }
            byte[] expected = raw.readNBytes(32);
            if (!Arrays.equals(expected, digest.digest())) {
                throw new IOException("damaged (checksum mismatch)");
            }
        } catch (EOFException e) {
            throw new IOException("truncated", e);
        } catch (IllegalArgumentException e) {
            throw new IOException("damaged (" + e.getMessage() + ")", e);
        }
        entries.untouchAll();
    }
}
