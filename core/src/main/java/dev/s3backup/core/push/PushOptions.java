package dev.s3backup.core.push;

import java.util.Map;
import java.util.Objects;

/**
 * How to run a push.
 *
 * @param name label of the backup; retention applies per name; "" for none
 * @param dryRun read and hash everything, upload nothing, commit nothing
 * @param readThreads files read and hashed at once
 * @param uploadThreads chunk uploads in flight at once
 * @param maxInFlightBytes bound on chunk buffers held in memory (read, hashed, not yet uploaded)
 * @param host recorded in the manifest
 * @param toolVersion recorded in the manifest
 * @param properties recorded in the manifest header (e.g. {@code snapshot.pauseMillis}); readers ignore unknown keys
 */
public record PushOptions(String name, boolean dryRun, int readThreads, int uploadThreads, long maxInFlightBytes,
                          String host, String toolVersion, Map<String, String> properties) {
    public static final int DEFAULT_READ_THREADS = 2;
    public static final int DEFAULT_UPLOAD_THREADS = 8;
    public static final long DEFAULT_MAX_IN_FLIGHT_BYTES = 64L << 20;

    public PushOptions {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(toolVersion, "toolVersion");
        properties = Map.copyOf(properties);
        if (readThreads < 1 || uploadThreads < 1) {
            throw new IllegalArgumentException("thread counts must be >= 1");
        }
        if (maxInFlightBytes < 1) {
            throw new IllegalArgumentException("maxInFlightBytes must be >= 1");
        }
    }

    public static PushOptions defaults(String host, String toolVersion) {
        return new PushOptions("", false, DEFAULT_READ_THREADS, DEFAULT_UPLOAD_THREADS, DEFAULT_MAX_IN_FLIGHT_BYTES,
                host, toolVersion, Map.of());
    }

    public PushOptions withName(String newName) {
        return new PushOptions(newName, dryRun, readThreads, uploadThreads, maxInFlightBytes, host, toolVersion, properties);
    }

    public PushOptions withDryRun(boolean newDryRun) {
        return new PushOptions(name, newDryRun, readThreads, uploadThreads, maxInFlightBytes, host, toolVersion, properties);
    }

    public PushOptions withUploadThreads(int n) {
        return new PushOptions(name, dryRun, readThreads, n, maxInFlightBytes, host, toolVersion, properties);
    }

    public PushOptions withReadThreads(int n) {
        return new PushOptions(name, dryRun, n, uploadThreads, maxInFlightBytes, host, toolVersion, properties);
    }

    /** Adds (or replaces) properties recorded in the manifest header. */
    public PushOptions withProperties(Map<String, String> more) {
        Map<String, String> merged = new java.util.TreeMap<>(properties);
        merged.putAll(more);
        return new PushOptions(name, dryRun, readThreads, uploadThreads, maxInFlightBytes, host, toolVersion, merged);
    }
}
