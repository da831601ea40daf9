package dev.s3backup.core.snapshot;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Pauses and resumes writes to one node while its snapshot is taken.
 *
 * <p>Contract: {@link #freeze} returns once the node has stopped writing (its on-disk files no
 * longer change); {@link #thaw} resumes it. The coordinator calls {@code thaw} exactly once for
 * every node whose {@code freeze} was started, even when that freeze failed or timed out, when
 * another node failed, or when the process is interrupted: a half-frozen cluster is worse than a
 * failed backup. Both may be called from any thread; a freeze that overruns its timeout is
 * interrupted (a command is killed) and thawed anyway.
 */
public interface Quiescer {

    void freeze(Duration timeout) throws Exception;

    void thaw(Duration timeout) throws Exception;

    /** A node that needs no pause (its store is stopped, or it writes nothing). */
    static Quiescer none() {
        return new Quiescer() {
            @Override
            public void freeze(Duration timeout) {
            }

            @Override
            public void thaw(Duration timeout) {
            }

            @Override
            public String toString() {
                return "none";
            }
        };
    }

    /** Freeze and thaw as in-process callbacks, for applications that embed their store. */
    static Quiescer of(Callback freeze, Callback thaw) {
        return new Quiescer() {
            @Override
            public void freeze(Duration timeout) throws Exception {
                freeze.run();
            }

            @Override
            public void thaw(Duration timeout) throws Exception {
                thaw.run();
            }
        };
    }

    /**
     * Freeze and thaw as shell commands ({@code sh -c COMMAND}), either of which may be null for
     * none. They see the environment variables {@code S3BACKUP_PHASE} (freeze or thaw),
     * {@code S3BACKUP_NODE}, {@code S3BACKUP_DATA_DIR} and {@code S3BACKUP_SNAPSHOT_DIR}; a
     * non-zero exit status is a failure; a command that overruns the timeout is killed with its
     * children.
     */
    static Quiescer commands(String freezeCommand, String thawCommand, String token, Path dataDir, Path snapshotDir) {
        Map<String, String> env = Map.of("S3BACKUP_NODE", token,
                "S3BACKUP_DATA_DIR", dataDir.toAbsolutePath().toString(),
                "S3BACKUP_SNAPSHOT_DIR", snapshotDir.toAbsolutePath().toString());
        return new CommandQuiescer(freezeCommand, thawCommand, env);
    }

    /** A freeze or thaw action of an embedding application. */
    @FunctionalInterface
    interface Callback {
        void run() throws Exception;
    }
}
