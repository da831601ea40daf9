package dev.s3backup.core.verify;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a verification checks and how hard.
 *
 * @param backups ids or "latest" to verify; empty for every backup of the repository
 * @param readData which chunks to download and re-hash (tier 2); {@link ReadData#none()} for tier 1 only
 * @param maxAge with read-data: skip chunks a logged run read and verified less than this long
 *     ago; null to read regardless of earlier runs
 * @param threads chunks downloaded at once
 * @param listThreads 0 to choose the listing by size (one listing of {@code chunks/} below
 *     {@link Verifier#PARALLEL_LISTING_THRESHOLD} chunks, else 16 threads), 1 for one listing of
 *     {@code chunks/}, more to list the 256 {@code chunks/XX/} prefixes on that many threads
 * @param writeLog record this run under {@code verify/} (needs write access)
 * @param host recorded in the log
 * @param toolVersion recorded in the log
 */
public record VerifyOptions(List<String> backups, ReadData readData, Duration maxAge, int threads, int listThreads,
                            boolean writeLog, String host, String toolVersion) {
    public static final int DEFAULT_THREADS = 8;

    public VerifyOptions {
        backups = List.copyOf(backups);
        Objects.requireNonNull(readData, "readData");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(toolVersion, "toolVersion");
        if (maxAge != null && (maxAge.isNegative() || maxAge.isZero())) {
            throw new IllegalArgumentException("max age must be positive: " + maxAge);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1: " + threads);
        }
        if (listThreads < 0 || listThreads > 256) {
            throw new IllegalArgumentException("list threads must be 0..256: " + listThreads);
        }
    }

    /** Tier 1 of every backup, logged. */
    public static VerifyOptions defaults(String host, String toolVersion) {
        return new VerifyOptions(List.of(), ReadData.none(), null, DEFAULT_THREADS, 0, true, host, toolVersion);
    }

    public VerifyOptions withBackups(List<String> ids) {
        return new VerifyOptions(ids, readData, maxAge, threads, listThreads, writeLog, host, toolVersion);
    }

    public VerifyOptions withReadData(ReadData r) {
        return new VerifyOptions(backups, r, maxAge, threads, listThreads, writeLog, host, toolVersion);
    }

    public VerifyOptions withMaxAge(Duration d) {
        return new VerifyOptions(backups, readData, d, threads, listThreads, writeLog, host, toolVersion);
    }

    public VerifyOptions withThreads(int n) {
        return new VerifyOptions(backups, readData, maxAge, n, listThreads, writeLog, host, toolVersion);
    }

    public VerifyOptions withListThreads(int n) {
        return new VerifyOptions(backups, readData, maxAge, threads, n, writeLog, host, toolVersion);
    }

    public VerifyOptions withWriteLog(boolean w) {
        return new VerifyOptions(backups, readData, maxAge, threads, listThreads, w, host, toolVersion);
    }

    /**
     * Tier 2: which referenced chunks are downloaded and re-hashed.
     *
     * @param percent for {@link Mode#PERCENT}: the share of referenced chunks read per run, (0, 100]
     * @param count for {@link Mode#COUNT}: the number of chunks read per run, >= 1
     */
    public record ReadData(Mode mode, double percent, long count) {
        public enum Mode { NONE, ALL, PERCENT, COUNT }

        public ReadData {
            Objects.requireNonNull(mode, "mode");
            if (mode == Mode.PERCENT && !(percent > 0 && percent <= 100)) {
                throw new IllegalArgumentException("subset percentage must be in (0, 100]: " + percent);
            }
            if (mode == Mode.COUNT && count < 1) {
                throw new IllegalArgumentException("subset count must be >= 1: " + count);
            }
        }

        public static ReadData none() {
            return new ReadData(Mode.NONE, 0, 0);
        }

        public static ReadData all() {
            return new ReadData(Mode.ALL, 0, 0);
        }

        public static ReadData percent(double p) {
            return new ReadData(Mode.PERCENT, p, 0);
        }

        public static ReadData count(long n) {
            return new ReadData(Mode.COUNT, 0, n);
        }

        public boolean reads() {
            return mode != Mode.NONE;
        }

        public boolean subset() {
            return mode == Mode.PERCENT || mode == Mode.COUNT;
        }

        @Override
        public String toString() {
            return switch (mode) {
                case NONE -> "none";
                case ALL -> "all";
                case PERCENT -> (percent == Math.rint(percent) ? String.valueOf((long) percent) : String.valueOf(percent)) + "%";
                case COUNT -> String.valueOf(count);
            };
        }
    }
}
