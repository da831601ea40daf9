package dev.s3backup.core.push;

import dev.s3backup.manifest.ChunkRef;
import dev.s3backup.manifest.Entry;
import dev.s3backup.manifest.Sha256;
import java.security.MessageDigest;
import java.util.List;

/**
 * Hashes one file chunk by chunk: each chunk's content address, and the file's identity as the
 * manifest version defines it. A file that fits in one chunk has that chunk's address as its
 * identity in every version. A larger (or empty) file's identity is derived from its chunk list
 * in version 2 ({@link Entry#derivedIdentity}), so each byte is hashed once; only version 1
 * stores a whole-file SHA-256 and pays for a second pass over the file. Not thread-safe: one
 * per file being read.
 */
final class FileHasher {
    private final MessageDigest chunkDigest;
    private final MessageDigest whole;
    private final int manifestVersion;
    private Sha256 firstChunk;
    private int chunks;

    /**
     * @param addressDigest a fresh digest of the repository's content addresses, for this file only
     * @param expectedSize the file's size when it was opened; a file that then grows fails elsewhere
     */
    FileHasher(MessageDigest addressDigest, long expectedSize, int chunkSize, int manifestVersion) {
        this.chunkDigest = addressDigest;
        this.manifestVersion = manifestVersion;
        // Version 1 defines a multi-chunk file's hash as the plain SHA-256 of its bytes.
        this.whole = manifestVersion == 1 && expectedSize > chunkSize ? Sha256.newDigest() : null;
    }

    /** Hashes the next chunk, {@code buffer[0, length)}, and returns its content address. */
    Sha256 chunk(byte[] buffer, int length) {
        if (whole != null) {
            whole.update(buffer, 0, length);
        }
        chunkDigest.update(buffer, 0, length);
        Sha256 hash = Sha256.of(chunkDigest.digest());
        if (chunks++ == 0) {
            firstChunk = hash;
        }
        return hash;
    }

    /** The file's identity, given the chunks {@link #chunk} returned in order; call once, after the last. */
    Sha256 fileHash(List<ChunkRef> refs) {
        if (refs.size() != chunks) {
            throw new IllegalStateException("hashed " + chunks + " chunks, given " + refs.size());
        }
        if (whole != null) {
            return Sha256.of(whole.digest());
        }
        if (chunks == 1) {
            return firstChunk;
        }
        if (manifestVersion >= 2) {
            return Entry.derivedIdentity(refs);
        }
        if (chunks > 1) {
            throw new IllegalStateException("a file expected to fit in one chunk had " + chunks);
        }
        // An empty file in version 1: the hash of no bytes.
        return Sha256.of(chunkDigest.digest());
    }
}
