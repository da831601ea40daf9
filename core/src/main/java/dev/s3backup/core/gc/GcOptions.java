package dev.s3backup.core.gc;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * @param grace an unreferenced chunk is deleted only once it is older than this, by the store's clock
 * @param dryRun mark and list what would be deleted; delete nothing (one small run marker is
 *     still written and removed, to read the store's clock)
 * @param intentSize chunks announced per intent (each intent is followed by a fresh look at the
 *     roots, then at most intentSize/1000 delete requests)
 * @param tempDir where the candidate list is spooled (it is not kept in memory)
 */
public record GcOptions(Duration grace, boolean dryRun, int intentSize, GcProtocol.Timing timing, Path tempDir) {
    public static final Duration DEFAULT_GRACE = Duration.ofHours(24);
    public static final int DEFAULT_INTENT_SIZE = 10_000;

    public GcOptions {
        Objects.requireNonNull(grace, "grace");
        Objects.requireNonNull(timing, "timing");
        Objects.requireNonNull(tempDir, "tempDir");
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace must not be negative: " + grace);
        }
        if (intentSize < 1) {
            throw new IllegalArgumentException("intentSize must be >= 1: " + intentSize);
        }
    }

    public static GcOptions defaults() {
        return new GcOptions(DEFAULT_GRACE, false, DEFAULT_INTENT_SIZE, GcProtocol.Timing.defaults(),
                Path.of(System.getProperty("java.io.tmpdir")));
    }

    public GcOptions withGrace(Duration g) {
        return new GcOptions(g, dryRun, intentSize, timing, tempDir);
    }

    public GcOptions withDryRun(boolean d) {
        return new GcOptions(grace, d, intentSize, timing, tempDir);
    }

    public GcOptions withIntentSize(int n) {
        return new GcOptions(grace, dryRun, n, timing, tempDir);
    }

    public GcOptions withTiming(GcProtocol.Timing t) {
        return new GcOptions(grace, dryRun, intentSize, t, tempDir);
    }
}
