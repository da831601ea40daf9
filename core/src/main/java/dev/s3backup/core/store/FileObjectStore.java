package dev.s3backup.core.store;

import java.io.IOException;
import dev.s3backup.core.io.LimitedInputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An {@link ObjectStore} over a local directory (a disk or a NAS mount): the key
 * {@code chunks/ab/abcd} is the file {@code <root>/chunks/ab/abcd}.
 *
 * <p>How the contract is met:
 * <ul>
 *   <li><b>No partial objects.</b> A put writes the body to a fresh file in {@code <root>/.tmp/},
 *       verifies its SHA-256 when the payload carries one, fsyncs it, and only then gives it its
 *       final name. A crash leaves at most a stray file in {@code .tmp/}, never a short object.</li>
 *   <li><b>Create-only.</b> The final name is given with {@code link(2)} (a hard link), which fails
 *       when the name exists, so of many concurrent writers of one key exactly one creates it and
 *       the others see {@link PutOutcome#ALREADY_EXISTED}. On filesystems without hard links the
 *       store falls back to an atomic rename under a lock, see {@link #putIfAbsent}.</li>
 *   <li><b>Durability.</b> After publishing, the parent directory is fsynced (and, the first time
 *       this store touches a directory, every ancestor up to the root) so the name survives a
 *       power loss.</li>
 * </ul>
 *
 * <p>Listing walks the tree in key order, so a page costs reading the directories it passes
 * through, not the whole repository. Deleting never removes directories: an empty
 * {@code chunks/ab/} is cheaper to keep than to race with a concurrent writer.
 *
 * <p>A key and a longer key below it ({@code a} and {@code a/b}) cannot both exist here, as a name
 * cannot be a file and a directory at once; the second put fails with {@link StoreException.Kind#IO}.
 * The repository layout never does this.
 */
public final class FileObjectStore implements ObjectStore {

    /** Keys per {@link #list} page, as S3 returns. */
    public static final int DEFAULT_PAGE_SIZE = 1000;

    private static final String TMP = ObjectKeys.RESERVED_SEGMENT;
    /** Age after which {@link #removeStaleUploads} may remove a stray upload. */
    public static final Duration STALE_UPLOAD_AGE = Duration.ofHours(24);
    private static final String PUBLISH_LOCK = "publish.lock";
    private static final int COPY_BUFFER = 64 * 1024;
    private static final boolean WINDOWS =
            System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");

    private final Path root;
    private final Path tmpDir;
    private final int pageSize;
    private final String description;
    private volatile boolean hardLinks;
    private final Object renameMonitor = new Object();
    /** Directories whose entry in their parent has been fsynced by this store. */
    private final Set<Path> durableDirs = ConcurrentHashMap.newKeySet();

    /** A store rooted at {@code root}; the directory is created by the first put. */
    public FileObjectStore(Path root) {
        this(root, DEFAULT_PAGE_SIZE);
    }

    /** As {@link #FileObjectStore(Path)}, with at most {@code pageSize} keys per listing page. */
    public FileObjectStore(Path root, int pageSize) {
        this(root, pageSize, true);
    }

    /** {@code hardLinks = false} forces the rename fallback, for its tests. */
    FileObjectStore(Path root, int pageSize, boolean hardLinks) {
        Objects.requireNonNull(root, "root");
        if (pageSize < 1) {
            throw new IllegalArgumentException("pageSize must be >= 1: " + pageSize);
        }
        this.root = root.toAbsolutePath().normalize();
        this.tmpDir = this.root.resolve(TMP);
        this.pageSize = pageSize;
        this.hardLinks = hardLinks;
        this.description = this.root.toUri().toString();
    }

    /**
     * Removes uploads a killed process left in {@code .tmp/} ({@code put-*.part}) that were last
     * modified more than {@code minAge} ago. A live put writes its temp file and publishes it within
     * moments, so a day-old one belongs to nobody; the published object is a separate hard link
     * (or was renamed away), so removing the temp name never touches an object. Errors are
     * swallowed: cleaning must not fail the command that opened the store.
     *
     * @return how many files were deleted
     */
    public int removeStaleUploads(Duration minAge) {
        int removed = 0;
        Instant cutoff = Instant.now().minus(minAge);
        try (DirectoryStream<Path> parts = Files.newDirectoryStream(tmpDir, "put-*.part")) {
            for (Path part : parts) {
                try {
                    BasicFileAttributes attrs = Files.readAttributes(part, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    if (attrs.isRegularFile() && attrs.lastModifiedTime().toInstant().isBefore(cutoff)
                            && Files.deleteIfExists(part)) {
                        removed++;
                    }
                } catch (IOException | RuntimeException e) {
                    // removed by another process, or not ours to remove: leave it
                }
            }
        } catch (IOException | RuntimeException e) {
            // no .tmp/ yet, or a read-only repository: nothing to clean this time
        }
        return removed;
    }

    /** The directory this store keeps its objects in. */
    public Path root() {
        return root;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Publishing uses {@code Files.createLink(final, temp)}, which is atomic and fails if the
     * final name exists. Where the filesystem refuses hard links (FAT, some FUSE and SMB mounts)
     * the store instead renames the temp file with {@code ATOMIC_MOVE} after checking that the
     * final name is free. A rename replaces an existing file, so the check and the rename run
     * under an exclusive lock on {@code .tmp/publish.lock}, held by every writer that uses this
     * class: a {@link FileLock} (an OS lock, released if the process dies, so a crash cannot leave
     * it stuck) across processes and a monitor within this JVM. The fallback is therefore
     * create-only among s3backup writers (on NFS only if its lock manager works); another program
     * renaming into the repository at the same moment could still be overwritten.
     */
    @Override
    public PutOutcome putIfAbsent(String key, Payload payload) {
        ObjectKeys.requireValidKey(key);
        Objects.requireNonNull(payload, "payload");
        if (payload.retention() != null) {
            // Storing it unprotected would be a silent lie about the lock.
            throw new UnsupportedOperationException("Cannot write " + description + key + " under retention: a file:// "
                    + "store has no Object Lock (it needs an S3 bucket created with Object Lock enabled)");
        }
        Path target = resolve(key);
        if (Files.isRegularFile(target)) {
            return PutOutcome.ALREADY_EXISTED;
        }
        Path temp = null;
        try {
            temp = writeTemp(key, payload);
            Path parent = target.getParent();
            Files.createDirectories(parent);
            PutOutcome outcome = publish(key, temp, target);
            if (outcome == PutOutcome.CREATED) {
                syncDirectories(parent);
            }
            return outcome;
        } catch (IOException e) {
            throw failure("write", key, e);
        } finally {
            if (temp != null) {
                deleteTemp(temp);
            }
        }
    }

    private Path writeTemp(String key, Payload payload) throws IOException {
        Files.createDirectories(tmpDir);
        Path temp = Files.createTempFile(tmpDir, "put-", ".part");
        byte[] expected = payload.sha256();
        MessageDigest digest = expected == null ? null : sha256();
        long written = 0;
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            byte[] array = payload.array();
            if (array != null) {
                int length = (int) payload.length();
                // In slices: the JDK copies a heap buffer through a temporary direct buffer as large
                // as the write, and eight 64 MiB chunks at once exhausted the direct memory.
                for (int at = 0; at < length; ) {
                    ByteBuffer buffer = ByteBuffer.wrap(array, payload.arrayOffset() + at,
                            Math.min(COPY_BUFFER, length - at));
                    while (buffer.hasRemaining()) {
                        int n = out.write(buffer);
                        written += n;
                        at += n;
                    }
                }
                if (digest != null) {
                    digest.update(array, payload.arrayOffset(), length);
                }
            } else {
                try (InputStream in = payload.open()) {
                    byte[] buffer = new byte[COPY_BUFFER];
                    int n;
                    while ((n = in.read(buffer)) > 0) {
                        ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
                        while (chunk.hasRemaining()) {
                            out.write(chunk);
                        }
                        if (digest != null) {
                            digest.update(buffer, 0, n);
                        }
                        written += n;
                    }
                }
            }
            out.force(true);
        } catch (IOException | RuntimeException e) {
            deleteTemp(temp);
            throw e;
        }
        if (written != payload.length()) {
            deleteTemp(temp);
            throw new StoreException(StoreException.Kind.IO, "Cannot write " + location(key)
                    + ": payload changed while it was read (" + written + " bytes, expected " + payload.length() + ")");
        }
        if (digest != null) {
            byte[] actual = digest.digest();
            if (!MessageDigest.isEqual(actual, expected)) {
                deleteTemp(temp);
                throw new StoreException(StoreException.Kind.INTEGRITY, "Cannot write " + location(key)
                        + ": content does not match its SHA-256 (expected " + HexFormat.of().formatHex(expected)
                        + ", got " + HexFormat.of().formatHex(actual) + ")");
            }
        }
        return temp;
    }

    private PutOutcome publish(String key, Path temp, Path target) throws IOException {
        if (hardLinks) {
            try {
                Files.createLink(target, temp);
                return PutOutcome.CREATED;
            } catch (FileAlreadyExistsException e) {
                return existing(key, target);
            } catch (UnsupportedOperationException e) {
                hardLinks = false;
            } catch (FileSystemException e) {
                if (!linksRefused(e)) {
                    throw e;
                }
                hardLinks = false;
            }
        }
        return publishByRename(key, temp, target);
    }

    private PutOutcome publishByRename(String key, Path temp, Path target) throws IOException {
        synchronized (renameMonitor) {
            try (FileChannel lockFile = FileChannel.open(tmpDir.resolve(PUBLISH_LOCK),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = lockFile.lock()) {
                if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    return existing(key, target);
                }
                try {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    throw new StoreException(StoreException.Kind.IO, "Cannot write " + location(key)
                            + ": the filesystem supports neither hard links nor atomic rename", e);
                }
                return PutOutcome.CREATED;
            }
        }
    }

    private PutOutcome existing(String key, Path target) {
        if (Files.isDirectory(target)) {
            throw new StoreException(StoreException.Kind.IO, "Cannot write " + location(key)
                    + ": a directory of that name is in the way");
        }
        return PutOutcome.ALREADY_EXISTED;
    }

    /** EPERM/ENOTSUP from link(2): the filesystem has no hard links, so the rename fallback applies. */
    private static boolean linksRefused(FileSystemException e) {
        if (e instanceof AccessDeniedException || e instanceof NoSuchFileException) {
            return false;
        }
        String reason = String.valueOf(e.getReason()).toLowerCase(Locale.ROOT);
        return reason.contains("not permitted") || reason.contains("not supported");
    }

    /** fsyncs {@code dir}, then each ancestor whose entry for its child this store has not yet synced. */
    private void syncDirectories(Path dir) throws IOException {
        fsyncDirectory(dir);
        for (Path d = dir; d != null && d.startsWith(root) && !durableDirs.contains(d); d = d.getParent()) {
            Path parent = d.getParent();
            if (parent != null) {
                fsyncDirectory(parent);
            }
            durableDirs.add(d);
        }
    }

    private static void fsyncDirectory(Path dir) throws IOException {
        if (WINDOWS) {
            // Windows cannot open a directory as a channel; NTFS journals the rename/link itself.
            return;
        }
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private static void deleteTemp(Path temp) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            // Only a stray file in .tmp/ is left behind; the object's outcome is already decided
            // and reporting this as a failed put would make the caller retry a write that worked.
        }
    }

    @Override
    public InputStream get(String key) {
        ObjectKeys.requireValidKey(key);
        Path path = resolve(key);
        try {
            if (Files.isDirectory(path)) {
                throw notFound(key);
            }
            return Files.newInputStream(path);
        } catch (IOException e) {
            throw failure("read", key, e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>A range reaching past the end stops at the end; one starting at or after the end is empty.
     */
    @Override
    public InputStream getRange(String key, long offset, long length) {
        ObjectKeys.requireValidKey(key);
        checkRange(offset, length);
        Path path = resolve(key);
        SeekableByteChannel channel = null;
        try {
            if (Files.isDirectory(path)) {
                throw notFound(key);
            }
            channel = Files.newByteChannel(path, StandardOpenOption.READ);
            long size = channel.size();
            long start = Math.min(offset, size);
            channel.position(start);
            return new LimitedInputStream(Channels.newInputStream(channel), Math.min(length, size - start));
        } catch (IOException e) {
            closeQuietly(channel);
            throw failure("read", key, e);
        }
    }

    static void checkRange(long offset, long length) {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("Invalid range: offset " + offset + ", length " + length);
        }
    }

    @Override
    public Optional<ObjectInfo> head(String key) {
        ObjectKeys.requireValidKey(key);
        try {
            BasicFileAttributes attributes = Files.readAttributes(resolve(key), BasicFileAttributes.class);
            if (!attributes.isRegularFile()) {
                return Optional.empty();
            }
            return Optional.of(new ObjectInfo(key, attributes.size(), attributes.lastModifiedTime().toInstant()));
        } catch (IOException e) {
            if (isMissing(e)) {
                return Optional.empty();
            }
            throw failure("read", key, e);
        }
    }

    @Override
    public ListPage list(String prefix, String continuation) {
        ObjectKeys.requireValidPrefix(prefix);
        // Every matching key lies below the prefix's last complete directory.
        String dirKey = prefix.substring(0, prefix.lastIndexOf('/') + 1);
        List<ObjectInfo> found = new ArrayList<>(Math.min(pageSize, 1024) + 1);
        try {
            walk(dirKey.isEmpty() ? root : resolve(dirKey.substring(0, dirKey.length() - 1)),
                    dirKey, prefix, continuation, found);
        } catch (IOException e) {
            throw failure("list", prefix, e);
        }
        if (found.size() > pageSize) {
            List<ObjectInfo> page = found.subList(0, pageSize);
            return new ListPage(page, page.get(pageSize - 1).key());
        }
        return new ListPage(found, null);
    }

    private record Entry(String sortKey, Path path, BasicFileAttributes attributes) {
    }

    /** Appends, in key order, the objects below {@code dir} that match, until one past a page. */
    private void walk(Path dir, String dirKey, String prefix, String after, List<ObjectInfo> out) throws IOException {
        List<Entry> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path child : stream) {
                String name = child.getFileName().toString();
                if (dirKey.isEmpty() && name.equals(TMP)) {
                    continue;
                }
                BasicFileAttributes attributes;
                try {
                    attributes = Files.readAttributes(child, BasicFileAttributes.class);
                } catch (IOException e) {
                    if (isMissing(e)) {
                        continue;
                    }
                    throw e;
                }
                if (attributes.isDirectory()) {
                    // Sorting a directory as "name/" puts its keys exactly where they belong among siblings.
                    String sortKey = dirKey + name + "/";
                    boolean matches = prefix.startsWith(sortKey) || sortKey.startsWith(prefix);
                    boolean allBefore = after != null && sortKey.compareTo(after) < 0 && !after.startsWith(sortKey);
                    if (matches && !allBefore) {
                        entries.add(new Entry(sortKey, child, attributes));
                    }
                } else if (attributes.isRegularFile()) {
                    String key = dirKey + name;
                    if (key.startsWith(prefix) && (after == null || key.compareTo(after) > 0)
                            && ObjectKeys.isValidKey(key)) {
                        entries.add(new Entry(key, child, attributes));
                    }
                }
            }
        } catch (NoSuchFileException e) {
            return;
        } catch (FileSystemException e) {
            if (isMissing(e)) {
                return;
            }
            throw e;
        }
        entries.sort(Comparator.comparing(Entry::sortKey));
        for (Entry entry : entries) {
            if (out.size() > pageSize) {
                return;
            }
            if (entry.attributes().isDirectory()) {
                walk(entry.path(), entry.sortKey(), prefix, after, out);
            } else {
                out.add(new ObjectInfo(entry.sortKey(), entry.attributes().size(),
                        entry.attributes().lastModifiedTime().toInstant()));
            }
        }
    }

    @Override
    public DeleteResult delete(Collection<String> keys) {
        keys.forEach(ObjectKeys::requireValidKey);
        int deleted = 0;
        Map<String, String> failed = new LinkedHashMap<>();
        for (String key : keys) {
            Path path = resolve(key);
            try {
                if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                    Files.deleteIfExists(path);
                }
                deleted++;
            } catch (IOException e) {
                if (isMissing(e)) {
                    deleted++;
                } else {
                    failed.put(key, reason(e));
                }
            }
        }
        return new DeleteResult(deleted, failed);
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public String toString() {
        return "FileObjectStore[" + description + "]";
    }

    private Path resolve(String key) {
        return root.resolve(key);
    }

    private String location(String key) {
        return description + key;
    }

    private StoreException notFound(String key) {
        return new StoreException(StoreException.Kind.NOT_FOUND, "Cannot read " + location(key) + ": no such object");
    }

    private StoreException failure(String verb, String key, IOException e) {
        if (isMissing(e) && !verb.equals("write")) {
            return new StoreException(StoreException.Kind.NOT_FOUND,
                    "Cannot " + verb + " " + location(key) + ": no such object", e);
        }
        if (e instanceof AccessDeniedException) {
            return new StoreException(StoreException.Kind.ACCESS_DENIED,
                    "Cannot " + verb + " " + location(key) + ": permission denied (" + reason(e) + ")", e);
        }
        return new StoreException(StoreException.Kind.IO, "Cannot " + verb + " " + location(key) + ": " + reason(e), e);
    }

    /** NoSuchFile, or ENOTDIR when a path component is a file: either way there is no such object there. */
    private static boolean isMissing(IOException e) {
        if (e instanceof NoSuchFileException || e instanceof NotDirectoryException) {
            return true;
        }
        return e instanceof FileSystemException fse && !(e instanceof AccessDeniedException)
                && "Not a directory".equals(fse.getReason());
    }

    private static String reason(IOException e) {
        if (e instanceof FileSystemException fse) {
            String reason = fse.getReason();
            String file = fse.getFile();
            if (reason == null) {
                reason = e instanceof AccessDeniedException ? "permission denied" : e.getClass().getSimpleName();
            }
            return file == null ? reason : reason + ": " + file;
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java platform has SHA-256", e);
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable != null) {
            try {
                closeable.close();
            } catch (Exception e) {
                // The read already failed; that failure is the one the caller needs to see.
            }
        }
    }
}
