package dev.s3backup.cli;

import java.time.Duration;
import java.util.Locale;

/** Human-readable sizes and durations for summaries. */
final class Sizes {
    private Sizes() {
    }

    /** "1 file", "2 files": counts read as words. */
    static String count(long n, String singular) {
        return n + " " + (n == 1 ? singular : singular.endsWith("y") ? singular.substring(0, singular.length() - 1)
                + "ies" : singular + "s");
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    static String duration(Duration d) {
        return String.format(Locale.ROOT, "%.2f s", d.toNanos() / 1e9);
    }

    /** Parses 8388608, 8M, 8MiB, 512k: binary units. */
    static long parseBytes(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT).replace("ib", "").replace("b", "");
        long mult = 1;
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'k' -> mult = 1L << 10;
                case 'm' -> mult = 1L << 20;
                case 'g' -> mult = 1L << 30;
                default -> mult = 1;
            }
        }
        if (mult != 1) {
            t = t.substring(0, t.length() - 1);
        }
        try {
            return Math.multiplyExact(Long.parseLong(t.trim()), mult);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("not a size: '" + s + "' (examples: 8388608, 512KiB, 8MiB)");
        }
    }
}
