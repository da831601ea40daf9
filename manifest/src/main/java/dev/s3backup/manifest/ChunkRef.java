package dev.s3backup.manifest;

import java.util.Objects;

/** One chunk of a file, in file order: its content address and its length in bytes. */
public record ChunkRef(Sha256 hash, int length) {
    public ChunkRef {
        Objects.requireNonNull(hash, "hash");
        if (length <= 0) {
            throw new IllegalArgumentException("chunk length must be > 0: " + length);
        }
    }
}
