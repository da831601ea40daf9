package dev.s3backup.manifest;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * Backup ids sort by creation time as plain strings: {@code yyyyMMdd'T'HHmmss.SSS'Z'-xxxxxxxx}
 * (UTC, then 8 random hex digits so two hosts never collide), e.g. {@code 20261125T081309.123Z-1f2e3d4c}.
 */
public final class BackupId {
    /** Length of every valid id. */
    public static final int LENGTH = 29;

    private static final Pattern SHAPE = Pattern.compile("[0-9]{8}T[0-9]{6}\\.[0-9]{3}Z-[0-9a-f]{8}");
    // STRICT so that "20260230T..." or "...T246000..." is rejected instead of silently rolled over.
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss.SSS'Z'")
            .withResolverStyle(ResolverStyle.STRICT);

    private BackupId() {
    }

    /**
     * A new id for a backup created at {@code created} (truncated to milliseconds).
     *
     * @throws IllegalArgumentException if {@code created} is outside the years 0000-9999, where
     *     ids would no longer sort as strings
     */
    public static String generate(Instant created, RandomGenerator random) {
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(random, "random");
        LocalDateTime utc = LocalDateTime.ofInstant(created.truncatedTo(ChronoUnit.MILLIS), ZoneOffset.UTC);
        if (utc.getYear() < 0 || utc.getYear() > 9999) {
            throw new IllegalArgumentException("Cannot generate backup id: year " + utc.getYear()
                    + " is outside 0000-9999: " + created);
        }
        return TIME.format(utc) + "-" + String.format("%08x", random.nextInt());
    }

    public static boolean isValid(String id) {
        if (id == null || id.length() != LENGTH || !SHAPE.matcher(id).matches()) {
            return false;
        }
        try {
            LocalDateTime.parse(id.substring(0, LENGTH - 9), TIME);
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    /**
     * The creation time encoded in a valid id.
     *
     * @throws IllegalArgumentException if {@code id} is not valid
     */
    public static Instant timeOf(String id) {
        if (!isValid(id)) {
            throw new IllegalArgumentException("Cannot read time of backup id: not a valid id: " + id);
        }
        return LocalDateTime.parse(id.substring(0, LENGTH - 9), TIME).toInstant(ZoneOffset.UTC);
    }
}
