package dev.s3backup.manifest;

/** A manifest that cannot be decoded: unknown version, truncated, garbled or inconsistent. */
public class ManifestFormatException extends RuntimeException {
    public ManifestFormatException(String message) {
        super(message);
    }

    public ManifestFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
