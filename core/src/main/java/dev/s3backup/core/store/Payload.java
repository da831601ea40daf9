package dev.s3backup.core.store;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The body of a write: bytes in memory (a chunk) or a local file (a large manifest), with its
 * SHA-256 when the caller already computed it, so the store can have it verified end to end,
 * and the retention the new object gets, if any ({@link #withRetention}).
 */
public final class Payload {
    private final byte[] bytes;
    private final int offset;
    private final int length;
    private final Path file;
    private final long fileLength;
    private final byte[] sha256;
    private final Retention retention;

    private Payload(byte[] bytes, int offset, int length, Path file, long fileLength, byte[] sha256) {
        this(bytes, offset, length, file, fileLength, sha256, null);
    }

    private Payload(byte[] bytes, int offset, int length, Path file, long fileLength, byte[] sha256,
                    Retention retention) {
        this.retention = retention;
        this.bytes = bytes;
        this.offset = offset;
        this.length = length;
        this.file = file;
        this.fileLength = fileLength;
        this.sha256 = sha256 == null ? null : sha256.clone();
        if (this.sha256 != null && this.sha256.length != 32) {
            throw new IllegalArgumentException("SHA-256 must be 32 bytes, got " + sha256.length);
        }
    }

    /** {@code bytes[offset, offset+length)}; the array must not change until the put returns. */
    public static Payload of(byte[] bytes, int offset, int length, byte[] sha256) {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        return new Payload(bytes, offset, length, null, -1, sha256);
    }

    public static Payload of(byte[] bytes) {
        return of(bytes, 0, bytes.length, null);
    }

    public static Payload ofFile(Path file, byte[] sha256) {
        try {
            return new Payload(null, 0, 0, file, Files.size(file), sha256);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read payload file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The same body, created under {@code retention} (null: none). A store that cannot keep
     * objects under retention refuses such a write instead of storing it unprotected.
     */
    public Payload withRetention(Retention newRetention) {
        return new Payload(bytes, offset, length, file, fileLength, sha256, newRetention);
    }

    /** The retention the object is created under, or null. */
    public Retention retention() {
        return retention;
    }

    public long length() {
        return file != null ? fileLength : length;
    }

    /** The precomputed SHA-256 of the body, or null. */
    public byte[] sha256() {
        return sha256 == null ? null : sha256.clone();
    }

    /** The in-memory array when this payload is backed by one, else null. */
    public byte[] array() {
        return bytes;
    }

    public int arrayOffset() {
        return offset;
    }

    /** The backing file when this payload is backed by one, else null. */
    public Path file() {
        return file;
    }

    /** A fresh stream over the body; may be called again for a retry. */
    public InputStream open() throws IOException {
        return file != null ? Files.newInputStream(file) : new ByteArrayInputStream(bytes, offset, length);
    }
}
