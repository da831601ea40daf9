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
 * @param leases every push lease found, with what it kept gc from deleting
 * @param heldByLeases unreferenced chunks older than the grace period that live leases spared
 * @param bytesHeldByLeases their size
 */
public record GcResult(String runId, boolean dryRun, Instant storeNow, Instant cutoff, int roots, int liveLeases,
                       long chunksReferenced, long chunksListed, long candidates, long candidateBytes, long spared,
                       long deleted, long bytesFreed, Map<String, String> failed, Map<String, String> unreadable,
                       String stopped, dev.s3backup.core.BackupException.Reason problem, long foreign, long cleaned, RequestCounts.Snapshot requests,
                       Duration duration, long locked, Instant lockedUntil, List<Lease> leases, long heldByLeases,
                       long bytesHeldByLeases) {
    public GcResult {
        failed = Map.copyOf(failed);
        unreadable = Map.copyOf(unreadable);
        leases = List.copyOf(leases);
    }

    /** What gc made of a lease. */
    public enum LeaseState {
        /** Refreshed within the lease TTL, by a push not known to have ended: it holds gc. */
        LIVE,
        /** Its push ran on this host and its process is gone: it holds nothing. */
        DEAD,
        /** Not refreshed within the lease TTL: it holds nothing, and is removed once older than the margin. */
        EXPIRED
    }

    /**
     * One push's lease as gc saw it.
     *
     * @param push the push's random id (the key under leases/)
     * @param host the host its process ran on, or null when the lease could not be read (or expired)
     * @param pid its process id, or -1
     * @param age since the lease was created (store time)
     * @param sinceRefresh since its newest record (store time)
     * @param chunksHeld unreferenced chunks past the grace period this lease kept from being deleted
     */
    public record Lease(String push, String host, long pid, Duration age, Duration sinceRefresh, LeaseState state,
                        long chunksHeld, long bytesHeld) {
    }

    /** Whether the sweep ran to the end with every delete done. */
    public boolean complete() {
        return unreadable.isEmpty() && failed.isEmpty() && stopped == null;
    }

    public List<String> unreadableKeys() {
        return unreadable.keySet().stream().sorted().toList();
    }
}
