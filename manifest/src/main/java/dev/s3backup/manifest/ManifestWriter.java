package dev.s3backup.manifest;

import java.io.Closeable;
import java.io.IOException;

/**
 * Streams one manifest out: the header is written on creation, then entries one at a time,
 * then {@link #finish()} writes the totals and the integrity trailer. Nothing is buffered
 * beyond a small window, so a million entries cost no more memory than ten.
 */
public interface ManifestWriter extends Closeable {
    /**
     * Appends one entry; entries may come in any order (sorted by node, then path, compresses best).
     *
     * @throws IllegalArgumentException if the entry breaks a rule of the format: a path that
     *     {@link ManifestPaths} refuses, a node not in the header, a field its type does not have
     *     (a size, hash or chunks on a non-file; a target on a non-symlink), an empty symlink
     *     target or one holding NUL; in version 2, a file of several chunks whose hash is not
     *     {@link Entry#derivedIdentity} (no other can be stored). Nothing of it is written and the writer stays usable.
     */
    void write(Entry entry) throws IOException;

    /** Writes the trailer and flushes; returns the totals over every entry written. */
    Totals finish() throws IOException;
}
