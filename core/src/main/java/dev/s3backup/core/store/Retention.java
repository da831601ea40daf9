package dev.s3backup.core.store;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Objects;

/**
 * A write-once retention on an object (S3 Object Lock): until {@code until}, the store refuses to
 * delete or overwrite it. {@code until} is kept to whole seconds, the resolution S3 stores.
 *
 * @param mode GOVERNANCE (a principal with a special permission can still shorten or delete) or
 *     COMPLIANCE (nobody can, not even the account's root user)
 */
public record Retention(Mode mode, Instant until) {
    public enum Mode {
        GOVERNANCE, COMPLIANCE;

        /** Parses "governance" or "COMPLIANCE"; anything else is refused naming the two choices. */
        public static Mode parse(String text) {
            try {
                return valueOf(text.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new IllegalArgumentException("object lock mode must be GOVERNANCE or COMPLIANCE, not '" + text + "'");
            }
        }
    }

    public Retention {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(until, "until");
        until = until.truncatedTo(ChronoUnit.SECONDS);
    }

    /** Whether this retention lasts at least as long as {@code other} instant. */
    public boolean coversUntil(Instant other) {
        return !until.isBefore(other);
    }
}
