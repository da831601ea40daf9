package dev.s3backup.core.store;

import java.util.Map;

/**
 * Outcome of a batched delete: partial failure is data.
 *
 * @param deleted number of keys now absent (including keys that were already missing)
 * @param failed key to the store's reason, for every key that may still exist
 */
public record DeleteResult(int deleted, Map<String, String> failed) {
    public DeleteResult {
        failed = Map.copyOf(failed);
    }

    public boolean complete() {
        return failed.isEmpty();
    }
}
