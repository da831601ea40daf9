package dev.s3backup.core.drill;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How to run a restore drill.
 *
 * @param backup the backup id, or "latest"
 * @param node drill only this node's directory (null: the whole backup)
 * @param tempRoot the directory in which the drill creates its own temporary directory
 * @param checkCommand a shell command run against the restored data (null: none); "{dir}" in it is
 *     replaced by the restored directory, shell-quoted, which is also in $S3BACKUP_DRILL_DIR
 * @param checkTimeout how long the check command may run before it is stopped and the drill fails
 * @param threads files restored at once
 * @param keep leave the restored data in place (for a post-mortem) instead of removing it
 * @param rehash after the restore, read every restored file back from disk and check its hash
 *     (restore already hashed every byte it wrote; this also catches the local disk)
 */
public record DrillOptions(String backup, String node, Path tempRoot, String checkCommand, Duration checkTimeout,
                           int threads, boolean keep, boolean rehash) {
    public static final Duration DEFAULT_CHECK_TIMEOUT = Duration.ofMinutes(30);
    public static final int DEFAULT_THREADS = 8;

    public DrillOptions {
        Objects.requireNonNull(backup, "backup");
        Objects.requireNonNull(tempRoot, "tempRoot");
        Objects.requireNonNull(checkTimeout, "checkTimeout");
        if (checkTimeout.isNegative() || checkTimeout.isZero()) {
            throw new IllegalArgumentException("check timeout must be positive: " + checkTimeout);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1: " + threads);
        }
        if (checkCommand != null && checkCommand.isBlank()) {
            throw new IllegalArgumentException("check command is empty");
        }
    }

    /** The latest backup, whole, in the system's temporary directory, no check command. */
    public static DrillOptions defaults() {
        return new DrillOptions("latest", null, Path.of(System.getProperty("java.io.tmpdir")), null,
                DEFAULT_CHECK_TIMEOUT, DEFAULT_THREADS, false, false);
    }

    public DrillOptions withBackup(String b) {
        return new DrillOptions(b, node, tempRoot, checkCommand, checkTimeout, threads, keep, rehash);
    }

    public DrillOptions withNode(String n) {
        return new DrillOptions(backup, n, tempRoot, checkCommand, checkTimeout, threads, keep, rehash);
    }

    public DrillOptions withTempRoot(Path p) {
        return new DrillOptions(backup, node, p, checkCommand, checkTimeout, threads, keep, rehash);
    }

    public DrillOptions withCheck(String command, Duration timeout) {
        return new DrillOptions(backup, node, tempRoot, command, timeout, threads, keep, rehash);
    }

    public DrillOptions withThreads(int n) {
        return new DrillOptions(backup, node, tempRoot, checkCommand, checkTimeout, n, keep, rehash);
    }

    public DrillOptions withKeep(boolean k) {
        return new DrillOptions(backup, node, tempRoot, checkCommand, checkTimeout, threads, k, rehash);
    }

    public DrillOptions withRehash(boolean r) {
        return new DrillOptions(backup, node, tempRoot, checkCommand, checkTimeout, threads, keep, r);
    }
}
