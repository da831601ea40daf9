package dev.s3backup.core.store;

import java.time.Instant;
import java.util.Map;

/**
 * Outcome of a batched delete: partial failure is data.
 *
 * @param deleted number of keys now absent (including keys that were already missing)
 * @param failed key to the store's reason, for every key that may still exist
 * @param locked keys left in place because they are under retention (S3 Object Lock), to the end
 *     of that retention; neither deleted nor failed: a later delete succeeds
 * @param lookups requests the store made besides the delete batches to find what to delete
 *     (S3 with Object Lock: one HEAD per key), so callers can count them
 */
public record DeleteResult(int deleted, Map<String, String> failed, Map<String, Instant> locked, int lookups) {
    public DeleteResult {
        failed = Map.copyOf(failed);
        locked = Map.copyOf(locked);
        if (lookups < 0) {
            throw new IllegalArgumentException("lookups must be >= 0: " + lookups);
        }
    }

    /** A delete that met no retention. */
    public DeleteResult(int deleted, Map<String, String> failed) {
        this(deleted, failed, Map.of(), 0);
    }

    /** Whether every key is now absent. */
    public boolean complete() {
        return failed.isEmpty() && locked.isEmpty();
    }
}
