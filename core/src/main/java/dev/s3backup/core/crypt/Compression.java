package dev.s3backup.core.crypt;

import java.util.Locale;

/**
 * What chunks get: {@code OFF} never compresses; {@code AUTO} compresses a chunk with zstd level 3
 * when a sample of it shrinks; {@code MAX} likewise at a higher level that still runs at tens of
 * MB/s (measured in docs/FORMAT.md "Sealed objects").
 */
public enum Compression {
    OFF(0),
    AUTO(3),
    MAX(9);

    private final int level;

    Compression(int level) {
        this.level = level;
    }

    /** The zstd level of the whole chunk; 0 for OFF. */
    int level() {
        return level;
    }

    /** {@code auto}, {@code off} or {@code max}, in any case. */
    public static Compression parse(String s) {
        if (s != null) {
            for (Compression c : values()) {
                if (c.name().equalsIgnoreCase(s.trim())) {
                    return c;
                }
            }
        }
        throw new IllegalArgumentException("Invalid compression '" + s + "': expected auto, off or max");
    }

    /** The name as the CLI and the config write it. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
