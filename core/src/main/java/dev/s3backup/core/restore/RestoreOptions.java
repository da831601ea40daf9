package dev.s3backup.core.restore;

/**
 * How to run a restore.
 *
 * @param node restore only this node's directory (null: every node and the loose files)
 * @param force restore into a target that is not empty (files of the backup replace files there)
 * @param threads files downloaded at once
 */
public record RestoreOptions(String node, boolean force, int threads) {
    public static final int DEFAULT_THREADS = 8;

    public RestoreOptions {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1: " + threads);
        }
    }

    public static RestoreOptions defaults() {
        return new RestoreOptions(null, false, DEFAULT_THREADS);
    }
}
