package dev.s3backup.core.push;

import dev.s3backup.manifest.Sha256;
import java.security.MessageDigest;

/**
 * Hashes one file chunk by chunk: each chunk's SHA-256 (its content address) and the whole
 * file's. A file that fits in one chunk has the same bytes as that chunk, so its file hash is
 * the chunk's hash and its bytes are hashed once, not twice; only a file of several chunks pays
 * for the second pass. Not thread-safe: one per file being read.
 */
final class FileHasher {
    private static final Sha256 EMPTY = Sha256.digest(new byte[0], 0, 0);

    private final MessageDigest whole;
    private Sha256 firstChunk;
    private int chunks;

    /** @param expectedSize the file's size when it was opened; a file that then grows fails elsewhere */
    FileHasher(long expectedSize, int chunkSize) {
        this.whole = expectedSize <= chunkSize ? null : Sha256.newDigest();
    }

    /** Hashes the next chunk, {@code buffer[0, length)}, and returns its content address. */
    Sha256 chunk(byte[] buffer, int length) {
        if (whole != null) {
            whole.update(buffer, 0, length);
        }
        Sha256 hash = Sha256.digest(buffer, 0, length);
        if (chunks++ == 0) {
            firstChunk = hash;
        }
        return hash;
    }

    /** The SHA-256 of everything passed to {@link #chunk}; call once, after the last chunk. */
    Sha256 fileHash() {
        if (whole != null) {
            return Sha256.of(whole.digest());
        }
        if (chunks > 1) {
            throw new IllegalStateException("a file expected to fit in one chunk had " + chunks);
        }
        return chunks == 0 ? EMPTY : firstChunk;
    }
}
