package dev.s3backup.manifest;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Objects;

/**
 * One file, directory or symbolic link of a backup.
 *
 * @param node token of the node it belongs to, or "" for a loose file (such as
 *     {@code coordinator.bin}) that restores at the top of the target
 * @param path '/'-separated path relative to the node's directory (or the target for loose
 *     files); never absolute, never containing "." or ".." segments
 * @param mode POSIX permission bits (0-07777)
 * @param mtimeNanos modification time in nanoseconds since the epoch
 * @param size bytes of content (FILE), else 0
 * @param sha256 the file's identity (FILE), else null: the content address of its bytes for a file of
 *     one whole chunk (the chunk's address) and for a packed file; for any other file, the
 *     whole-file SHA-256 in manifest version 1, and {@link #derivedIdentity the identity derived
 *     from its chunk list} in version 2
 * @param chunks the file's content in order (FILE; empty for a 0-byte file), else empty
 * @param linkTarget the link's target exactly as read (SYMLINK), else null
 * @param packOffset for a small file packed with others into one chunk (a pack): where its bytes
 *     start in that single chunk, which may hold other files too; -1 for every other entry
 */
public record Entry(String node, String path, EntryType type, int mode, long mtimeNanos, long size,
                    Sha256 sha256, List<ChunkRef> chunks, String linkTarget, long packOffset) {
    public Entry {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(type, "type");
        chunks = List.copyOf(chunks);
        if (mode < 0 || mode > 07777) {
            throw new IllegalArgumentException("mode out of range: " + Integer.toOctalString(mode));
        }
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0: " + size);
        }
        if (packOffset < -1 || (packOffset >= 0 && type != EntryType.FILE)) {
            throw new IllegalArgumentException("invalid pack offset for " + path + ": " + packOffset);
        }
        switch (type) {
            case FILE -> {
                Objects.requireNonNull(sha256, "sha256 of a file");
                if (packOffset >= 0) {
                    if (chunks.size() != 1 || packOffset + size > chunks.get(0).length()) {
                        throw new IllegalArgumentException("packed file " + path + " must lie within its one pack");
                    }
                } else if (sumOf(chunks) != size) {
                    throw new IllegalArgumentException("chunks of " + path + " add up to " + sumOf(chunks)
                            + " bytes, not " + size);
                }
            }
            case SYMLINK -> Objects.requireNonNull(linkTarget, "target of a symlink");
            case DIRECTORY -> { }
        }
    }

    public static Entry file(String node, String path, int mode, long mtimeNanos, long size, Sha256 sha256,
                             List<ChunkRef> chunks) {
        return new Entry(node, path, EntryType.FILE, mode, mtimeNanos, size, sha256, chunks, null, -1);
    }

    /** A small file stored as bytes [offset, offset + size) of a pack shared with other small files. */
    public static Entry packed(String node, String path, int mode, long mtimeNanos, long size, Sha256 sha256,
                               ChunkRef pack, long offset) {
        return new Entry(node, path, EntryType.FILE, mode, mtimeNanos, size, sha256, List.of(pack), null, offset);
    }

    /** Whether this file's bytes are a slice of a pack rather than whole chunks of its own. */
    public boolean packed() {
        return packOffset >= 0;
    }

    /**
     * The identity of a file made of {@code chunks}, as manifest version 2 defines it:
     * SHA-256 of {@code "s3backup-file-v2"}, then for each chunk its length as 8 bytes big-endian
     * and its 32-byte address. Derived from addresses, not bytes, so no byte of the file is hashed
     * a second time, and it stays plain SHA-256 whatever function computes the addresses.
     */
    public static Sha256 derivedIdentity(List<ChunkRef> chunks) {
        MessageDigest digest = Sha256.newDigest();
        digest.update(IDENTITY_DOMAIN);
        // One buffer for many chunks: a million-chunk file is not a million tiny updates.
        ByteBuffer buffer = ByteBuffer.allocate(Math.min(chunks.size(), 1024) * (Long.BYTES + Sha256.BYTES));
        for (ChunkRef c : chunks) {
            if (!buffer.hasRemaining()) {
                digest.update(buffer.flip());
                buffer.clear();
            }
            buffer.putLong(c.length()).put(c.hash().bytes());
        }
        digest.update(buffer.flip());
        return Sha256.of(digest.digest());
    }

    /**
     * Whether this file's identity is the one {@link #derivedIdentity derived} from its chunk list
     * (every multi-chunk file of a version 2 manifest): checking each chunk against its address
     * then checks the whole file, with no hash over the file's bytes. Not for a packed file, whose
     * identity is the address of its bytes.
     */
    public boolean identityDerived() {
        return type == EntryType.FILE && !packed() && sha256.equals(derivedIdentity(chunks));
    }

    public static Entry directory(String node, String path, int mode, long mtimeNanos) {
        return new Entry(node, path, EntryType.DIRECTORY, mode, mtimeNanos, 0, null, List.of(), null, -1);
    }

    public static Entry symlink(String node, String path, long mtimeNanos, String target) {
        return new Entry(node, path, EntryType.SYMLINK, 0777, mtimeNanos, 0, null, List.of(), target, -1);
    }

    private static final byte[] IDENTITY_DOMAIN = "s3backup-file-v2".getBytes(StandardCharsets.US_ASCII);

    private static long sumOf(List<ChunkRef> chunks) {
        long sum = 0;
        for (ChunkRef c : chunks) {
            sum += c.length();
        }
        return sum;
    }
}
