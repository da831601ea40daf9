package dev.s3backup.core.drill;

import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.core.repo.RequestCounts;
import dev.s3backup.core.restore.RestoreResult;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a drill did and found: one {@link Step} per stage (a CI report shows each as a test case),
 * the outcome with a message naming the cause, and whatever was left on disk.
 *
 * @param backupId the backup drilled, or null when it could not be resolved
 * @param files files restored
 * @param bytes bytes restored
 * @param restoreDuration time to restore (the figure an RTO is measured against)
 * @param check the check command's run, or null when there was none or it did not run
 * @param restoreFailures files restore could not bring back, each with its reason
 * @param workDir the drill's temporary directory, or null when none was created
 * @param leftovers paths that could not be removed (or were kept with --keep); empty when clean
 */
public record DrillResult(String repository, String backupId, Instant started, Outcome outcome, String message,
                          List<Step> steps, long files, long bytes, Duration restoreDuration, Check check,
                          Duration duration, RequestCounts.Snapshot requests, List<RestoreResult.Failure> restoreFailures,
                          String workDir, List<String> leftovers) {
    public DrillResult {
        Objects.requireNonNull(outcome, "outcome");
        steps = List.copyOf(steps);
        restoreFailures = List.copyOf(restoreFailures);
        leftovers = List.copyOf(leftovers);
    }

    public boolean passed() {
        return outcome == Outcome.PASSED;
    }

    /** Why a drill ended, each with the reason the CLI maps to an exit code. */
    public enum Outcome {
        PASSED(null),
        /** Bad arguments: a --temp-dir that cannot be used, a check command that cannot start. */
        INVALID_INPUT(Reason.INVALID_INPUT),
        /** The backup, node or repository does not exist. */
        NOT_FOUND(Reason.NOT_FOUND),
        /** The backup did not restore intact: a damaged manifest, missing or corrupt chunks. */
        DAMAGED(Reason.INTEGRITY),
        /** The check command exited non-zero: the restored data did not pass the user's test. */
        CHECK_FAILED(Reason.INTEGRITY),
        /** The check command did not finish within its timeout and was stopped. */
        CHECK_TIMEOUT(Reason.INTEGRITY),
        /** The temporary directory has (or ran out of) too little space for the backup. */
        NO_SPACE(Reason.IO),
        /** Reading the repository or writing the restore failed; a re-run may succeed. */
        IO_ERROR(Reason.IO),
        /** Credentials missing or lacking permission. */
        ACCESS_DENIED(Reason.ACCESS_DENIED),
        /** Stopped by a signal (Ctrl-C, CI cancel) or {@link Drill#abort()}. */
        INTERRUPTED(Reason.IO),
        /** Everything passed, but the restored data could not be removed. */
        CLEANUP_FAILED(Reason.IO);

        private final Reason reason;

        Outcome(Reason reason) {
            this.reason = reason;
        }

        /** The reason behind the exit code, null for {@link #PASSED}. */
        public Reason reason() {
            return reason;
        }

        /** The word used in reports: passed, check-failed, no-space... */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /** One stage of the drill. {@code output} is the check command's output (its tail), else null. */
    public record Step(String name, Status status, Duration duration, String message, String output) {
        public enum Status { PASSED, FAILED, SKIPPED }

        public Step {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(duration, "duration");
        }
    }

    /**
     * One run of the check command.
     *
     * @param exitCode its exit code, or null when it timed out
     * @param outputTail the last lines of its stdout and stderr (at most 64 KiB)
     */
    public record Check(String command, Integer exitCode, boolean timedOut, Duration duration, String outputTail) {
    }
}
