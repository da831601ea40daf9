package dev.s3backup.core.snapshot;

import java.nio.file.Path;

/**
 * Writes a consistent copy of a store into a directory that does not exist yet, as RocksDB's
 * {@code Checkpoint.createCheckpoint(path)} does (hard links for SST files, copies of the rest).
 * Used instead of s3backup's own hard-linking for stores that can snapshot themselves.
 */
@FunctionalInterface
public interface Checkpointer {
    void checkpoint(Path target) throws Exception;
}
