package dev.s3backup.core.gc;

import dev.s3backup.core.repo.RequestCounts;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What one gc run found and did. Partial failure is data: {@link #unreadable()} (why nothing was
 * swept), {@link #failed()} (chunks a delete could not remove), {@link #stopped()} (why the sweep
 * ended early). A re-run continues where this one stopped.
 *
 * @param storeNow the store's clock at the start (LastModified of the run marker)
 * @param cutoff only unreferenced chunks last modified before this were candidates
 * @param roots manifests, pending manifests and backup-set parts read
 * @param candidates unreferenced chunks older than the cutoff
 * @param spared candidates a fresh look at the roots (a push that committed meanwhile) kept
 * @param problem the exit reason when something went wrong: INTEGRITY for an unreadable root,
 *     ACCESS_DENIED or IO for deletes that failed; null when complete
 * @param foreign objects under chunks/ that are not chunk keys: never touched
 * @param cleaned protocol objects removed (expired leases, old intents, abandoned pending manifests)
 * @param locked unreferenced chunks left in place because they are under Object Lock retention
 *     (no delete marker either); a later gc collects them
 * @param lockedUntil the latest retain-until among them, or null
 */
public record GcResult(String runId, boolean dryRun, Instant storeNow, Instant cutoff, int roots, int liveLeases,
                       long chunksReferenced, long chunksListed, long candidates, long candidateBytes, long spared,
                       long deleted, long bytesFreed, Map<String, String> failed, Map<String, String> unreadable,
                       String stopped, dev.s3backup.core.BackupException.Reason problem, long foreign, long cleaned, RequestCounts.Snapshot requests,
                       Duration duration, long locked, Instant lockedUntil) {
    public GcResult {
        failed = Map.copyOf(failed);
        unreadable = Map.copyOf(unreadable);
    }

    /** Whether the sweep ran to the end with every delete done. */
    public boolean complete() {
        return unreadable.isEmpty() && failed.isEmpty() && stopped == null;
    }

    public List<String> unreadableKeys() {
        return unreadable.keySet().stream().sorted().toList();
    }
}
