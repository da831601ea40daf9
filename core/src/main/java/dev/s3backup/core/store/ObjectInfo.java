package dev.s3backup.core.store;

import java.time.Instant;
import java.util.Objects;

/**
 * What a store knows about one object without reading it.
 *
 * @param lastModified the store's own clock at creation; never compared with a host clock
 * @param retainUntil the end of the object's retention (S3 Object Lock) as {@link ObjectStore#head}
 *     reports it; null when the object has none, when the store has no retention, and always in
 *     listings (S3 does not list it)
 */
public record ObjectInfo(String key, long size, Instant lastModified, Instant retainUntil) {
    public ObjectInfo {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(lastModified, "lastModified");
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0: " + size);
        }
    }

    /** An object without (or with unknown) retention. */
    public ObjectInfo(String key, long size, Instant lastModified) {
        this(key, size, lastModified, null);
    }
}
