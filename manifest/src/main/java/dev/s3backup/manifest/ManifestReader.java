package dev.s3backup.manifest;

import java.io.Closeable;
import java.io.IOException;

/**
 * Streams one manifest in. Every decoding problem (unknown version, truncation, bad checksum,
 * values out of range) is a {@link ManifestFormatException} with a message naming it.
 */
public interface ManifestReader extends Closeable {
    int formatVersion();

    ManifestHeader header();

    /**
     * The next entry, or null after the last one. Returning null means the trailer was read
     * and the whole manifest verified; a truncated manifest throws instead. The checksum comes
     * after the entries it covers, so a caller that acts irreversibly on an entry should first
     * read the manifest through once (it streams, so that is cheap).
     *
     * @throws IOException only when the underlying stream fails, never for bad data
     */
    Entry next() throws IOException;

    /** The totals from the trailer; only valid after {@link #next()} returned null. */
    Totals totals();
}
