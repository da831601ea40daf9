package dev.s3backup.core.restore;

/**
 * How to run a restore.
 *
 * @param node restore only this node's directory (null: every node and the loose files)
 * @param force restore into a target that is not empty (files of the backup replace files there)
 * @param threads files downloaded at once
 * @param delta keep files already in the target whose size and SHA-256 match the backup, and
 *     fetch only the others (implies force)
 */
public record RestoreOptions(String node, boolean force, int threads, boolean delta) {
    public static final int DEFAULT_THREADS = 8;

    public RestoreOptions {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1: " + threads);
        }
    }

    public RestoreOptions(String node, boolean force, int threads) {
        this(node, force, threads, false);
    }

    public static RestoreOptions defaults() {
        return new RestoreOptions(null, false, DEFAULT_THREADS);
    }
}
