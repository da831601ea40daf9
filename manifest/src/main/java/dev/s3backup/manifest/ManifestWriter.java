package dev.s3backup.manifest;

import java.io.Closeable;
import java.io.IOException;

/**
 * Streams one manifest out: the header is written on creation, then entries one at a time,
 * then {@link #finish()} writes the totals and the integrity trailer. Nothing is buffered
 * beyond a small window, so a million entries cost no more memory than ten.
 */
public interface ManifestWriter extends Closeable {
    void write(Entry entry) throws IOException;

    /** Writes the trailer and flushes; returns the totals over every entry written. */
    Totals finish() throws IOException;
}
