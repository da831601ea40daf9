package dev.s3backup.core.repo;

import dev.s3backup.core.store.Retention;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The repository's Object Lock policy, fixed at {@code init}: every backup is locked for
 * {@code days} after it is pushed, and every chunk it needs at least as long.
 *
 * @param mode GOVERNANCE or COMPLIANCE
 * @param days how long each backup (its manifest and all its chunks) cannot be deleted
 * @param slackDays extra days a push adds to the chunks it writes or extends, so that a chunk
 *     reused by backup after backup is extended about once per {@code slackDays}, not by every push;
 *     the price is that an unreferenced chunk may stay up to {@code slackDays} longer
 */
public record ObjectLockSettings(Retention.Mode mode, int days, int slackDays) {
    public static final int MAX_DAYS = 36_500;

    public ObjectLockSettings {
        Objects.requireNonNull(mode, "mode");
        if (days < 1 || days > MAX_DAYS) {
            throw new IllegalArgumentException("object lock days must be between 1 and " + MAX_DAYS + ": " + days);
        }
        if (slackDays < 0 || slackDays > MAX_DAYS) {
            throw new IllegalArgumentException("object lock slack days must be between 0 and " + MAX_DAYS + ": " + slackDays);
        }
    }

    /** The default slack: as many days as the lock, at most 30. */
    public static int defaultSlackDays(int days) {
        return Math.min(30, days);
    }

    /** What a backup pushed at {@code now} must be locked until: its manifest, and at least every chunk. */
    public Instant backupUntil(Instant now) {
        return now.plus(Duration.ofDays(days));
    }

    /** What a push sets on the chunks it writes or extends: the backup's lock plus the slack. */
    public Instant chunksUntil(Instant now) {
        return now.plus(Duration.ofDays((long) days + slackDays));
    }

    @Override
    public String toString() {
        return mode + " " + days + " days (+" + slackDays + " days slack on chunks)";
    }
}
