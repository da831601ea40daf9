package dev.s3backup.core.push;

import dev.s3backup.core.repo.RequestCounts;
import java.time.Duration;
import java.util.List;

/**
 * What a push did.
 *
 * @param backupId the committed backup, or the id it would have had in a dry run
 * @param parentId the backup whose chunks were known present, or null
 * @param symlinksOutside symbolic links pointing outside their source directory (absolute, or
 *     climbing above it): backed up and restored as they are, but their restored copies reach
 *     outside the restore
 * @param bytesScanned bytes read and hashed from the sources
 * @param bytesUploaded bytes of new chunks written (in a dry run: that would be written)
 * @param chunksNew distinct chunks written (in a dry run: that would be written)
 * @param chunksReused distinct chunks the backup names that were stored already (by an earlier
 *     backup, or by an interrupted push: {@code chunksResumed} of them)
 * @param warnings files skipped, and why
 * @param filesFromCache files not read because the hash cache knew their content
 * @param chunksResumed chunks this backup names that an interrupted earlier push had stored,
 *     confirmed present and not uploaded again
 * @param chunksLockExtended reused chunks whose Object Lock retention this push extended (one
 *     request each)
 * @param lockedUntil the backup's Object Lock retain-until, or null when it is not locked
 * @param chunkReferences chunk references in the manifest: a chunk named by several files (or
 *     several times by one) counts once in new or reused and each time here
 */
public record PushResult(String backupId, String parentId, boolean dryRun, long files, long directories,
                         long symlinks, long symlinksOutside, long bytesScanned, long bytesUploaded, long chunksNew, long chunksReused,
                         Duration duration, RequestCounts.Snapshot requests, List<String> warnings,
                         long filesFromCache, long chunksResumed, long chunksLockExtended,
                         java.time.Instant lockedUntil, long chunkReferences) {
    public PushResult {
        warnings = List.copyOf(warnings);
    }

    /** This result with one more warning. */
    public PushResult withWarning(String warning) {
        List<String> more = new java.util.ArrayList<>(warnings);
        more.add(warning);
        return new PushResult(backupId, parentId, dryRun, files, directories, symlinks, symlinksOutside, bytesScanned,
                bytesUploaded, chunksNew, chunksReused, duration, requests, more, filesFromCache, chunksResumed,
                chunksLockExtended, lockedUntil, chunkReferences);
    }
}
