package dev.s3backup.core.snapshot;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How to take a coordinated snapshot.
 *
 * @param immutablePatterns glob patterns on file names (not paths) of files that are never modified
 *     once written, so a hard link is a snapshot of them; every other file is copied during the pause
 * @param hookTimeout how long one freeze or thaw may take before it is abandoned (a command is killed)
 * @param snapshotRoot directory under which each node's snapshot goes as {@code ROOT/TOKEN}; null
 *     for {@code DATA_DIR.s3backup-snapshot} beside each data directory. Must be on the data's file system.
 * @param copyFallback when a snapshot directory is on another file system than its data, copy every
 *     file during the pause (slow: the pause grows with the data) instead of refusing
 * @param captureThreads threads that link and copy files during the pause, across all nodes
 */
public record SnapshotOptions(List<String> immutablePatterns, Duration hookTimeout, Path snapshotRoot,
                              boolean copyFallback, int captureThreads) {
    public static final List<String> DEFAULT_IMMUTABLE_PATTERNS = List.of("*.sst", "*.ldb");
    public static final Duration DEFAULT_HOOK_TIMEOUT = Duration.ofSeconds(30);
    public static final String SNAPSHOT_SUFFIX = ".s3backup-snapshot";

    public SnapshotOptions {
        immutablePatterns = List.copyOf(immutablePatterns);
        Objects.requireNonNull(hookTimeout, "hookTimeout");
        if (hookTimeout.isNegative() || hookTimeout.isZero()) {
            throw new IllegalArgumentException("hookTimeout must be positive: " + hookTimeout);
        }
        if (captureThreads < 1) {
            throw new IllegalArgumentException("captureThreads must be >= 1: " + captureThreads);
        }
    }

    public static SnapshotOptions defaults() {
        return new SnapshotOptions(DEFAULT_IMMUTABLE_PATTERNS, DEFAULT_HOOK_TIMEOUT, null, false,
                Math.max(2, Math.min(8, Runtime.getRuntime().availableProcessors())));
    }

    public SnapshotOptions withImmutablePatterns(List<String> patterns) {
        return new SnapshotOptions(patterns, hookTimeout, snapshotRoot, copyFallback, captureThreads);
    }

    public SnapshotOptions withHookTimeout(Duration timeout) {
        return new SnapshotOptions(immutablePatterns, timeout, snapshotRoot, copyFallback, captureThreads);
    }

    public SnapshotOptions withSnapshotRoot(Path root) {
        return new SnapshotOptions(immutablePatterns, hookTimeout, root, copyFallback, captureThreads);
    }

    public SnapshotOptions withCopyFallback(boolean copy) {
        return new SnapshotOptions(immutablePatterns, hookTimeout, snapshotRoot, copy, captureThreads);
    }

    public SnapshotOptions withCaptureThreads(int n) {
        return new SnapshotOptions(immutablePatterns, hookTimeout, snapshotRoot, copyFallback, n);
    }

    /** Where the snapshot of a node (or a loose file) named {@code token} at {@code live} goes. */
    public Path snapshotPathOf(String token, Path live) {
        if (snapshotRoot != null) {
            return snapshotRoot.resolve(token);
        }
        Path abs = live.toAbsolutePath().normalize();
        Path parent = abs.getParent() == null ? abs : abs.getParent();
        return parent.resolve(abs.getFileName() + SNAPSHOT_SUFFIX);
    }
}
