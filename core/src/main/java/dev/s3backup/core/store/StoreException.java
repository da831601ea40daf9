package dev.s3backup.core.store;

/**
 * A storage failure, classified so that callers and the CLI's exit codes can tell a missing
 * object from a denied request, a rejected checksum or a broken connection.
 * Messages follow "Cannot &lt;verb&gt; &lt;thing&gt;: &lt;reason&gt;" and never contain credentials.
 */
public class StoreException extends RuntimeException {

    public enum Kind {
        /** The object (or the repository's bucket/directory) does not exist. */
        NOT_FOUND,
        /** Credentials missing, wrong, or lacking permission. */
        ACCESS_DENIED,
        /** The store rejected or detected content that does not match its checksum. */
        INTEGRITY,
        /** Network, server or local I/O failure; retrying later may succeed. */
        IO
    }

    private final Kind kind;

    public StoreException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public StoreException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    public static StoreException notFound(String message) {
        return new StoreException(Kind.NOT_FOUND, message);
    }

    /**
     * The store's location itself (an S3 bucket) does not exist: a {@code NOT_FOUND} whose message
     * callers pass on rather than turning it into "no such object" or "no repository there".
     */
    public static StoreException locationMissing(String message, Throwable cause) {
        return new LocationMissing(message, cause);
    }

    /** Whether this is {@link #locationMissing}: the location, not an object in it, is missing. */
    public boolean isLocationMissing() {
        return this instanceof LocationMissing;
    }

    private static final class LocationMissing extends StoreException {
        LocationMissing(String message, Throwable cause) {
            super(Kind.NOT_FOUND, message, cause);
        }
    }
}
