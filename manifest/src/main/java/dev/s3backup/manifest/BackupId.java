package dev.s3backup.manifest;

import java.time.Instant;
import java.util.random.RandomGenerator;

/**
 * Backup ids sort by creation time as plain strings: {@code yyyyMMdd'T'HHmmss.SSS'Z'-xxxxxxxx}
 * (UTC, then 8 random hex digits so two hosts never collide), e.g. {@code 20261125T081309.123Z-1f2e3d4c}.
 */
public final class BackupId {
    private BackupId() {
    }

    public static String generate(Instant created, RandomGenerator random) {
        throw new UnsupportedOperationException("TODO");
    }

    public static boolean isValid(String id) {
        throw new UnsupportedOperationException("TODO");
    }

    /** The creation time encoded in a valid id. */
    public static Instant timeOf(String id) {
        throw new UnsupportedOperationException("TODO");
    }
}
