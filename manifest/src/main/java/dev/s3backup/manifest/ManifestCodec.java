package dev.s3backup.manifest;

import java.io.InputStream;
import java.io.OutputStream;

/** Entry point of the manifest format: writes the current version, reads every known version. */
public final class ManifestCodec {
    public static final int CURRENT_VERSION = 1;

    private ManifestCodec() {
    }

    /** Writes the header immediately; the caller writes entries, then calls finish(). */
    public static ManifestWriter newWriter(OutputStream out, ManifestHeader header) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Reads the magic and version, then the header, and returns a reader positioned at the first entry. */
    public static ManifestReader newReader(InputStream in) {
        throw new UnsupportedOperationException("TODO");
    }
}
