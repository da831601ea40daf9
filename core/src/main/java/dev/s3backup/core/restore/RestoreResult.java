package dev.s3backup.core.restore;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.repo.RequestCounts;
import java.time.Duration;
import java.util.List;

/**
 * What a restore did. {@code files} counts every file now in place, {@code filesKept} those a
 * delta restore found already correct in the target and did not download. Files that could not be restored are listed, not thrown: one damaged chunk
 * does not stop the rest of the backup from coming back.
 */
public record RestoreResult(String backupId, long files, long directories, long symlinks, long bytesWritten,
                            Duration duration, RequestCounts.Snapshot requests, List<Failure> failures,
                            long filesKept) {
    public RestoreResult {
        failures = List.copyOf(failures);
    }

    public boolean complete() {
        return failures.isEmpty();
    }

    /** One file that was not restored; nothing was left under its final name. */
    public record Failure(String path, BackupException.Reason reason, String message) {
    }
}
