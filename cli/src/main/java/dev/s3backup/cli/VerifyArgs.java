package dev.s3backup.cli;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.verify.VerifyOptions.ReadData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** Option values shared by verify and drill: durations, subsets, report files. */
final class VerifyArgs {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d|w)?");

    private VerifyArgs() {
    }

    /** 90s, 10m, 2h, 30d, 1w, a bare number of seconds, or ISO-8601 (PT10M). */
    static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        Matcher m = DURATION.matcher(t);
        if (m.matches()) {
            long n;
            try {
                n = Long.parseLong(m.group(1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a duration: '" + text + "' (too large)");
            }
            String unit = m.group(2) == null ? "s" : m.group(2);
            Duration d = switch (unit) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofDays(7 * n);
            };
            if (d.isZero()) {
                throw new IllegalArgumentException("must be more than zero: '" + text + "'");
            }
            return d;
        }
        try {
            Duration d = Duration.parse(text.trim().toUpperCase(Locale.ROOT));
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("must be more than zero: '" + text + "'");
            }
            return d;
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("not a duration: '" + text + "' (examples: 90s, 10m, 2h, 30d, 1w)");
        }
    }

    /** "10%" (a share of the chunks, up to 100%) or "500" (a number of chunks). */
    static ReadData parseSubset(String text) {
        String t = text.trim();
        try {
            if (t.endsWith("%")) {
                double p = Double.parseDouble(t.substring(0, t.length() - 1).trim());
                if (!(p > 0 && p <= 100)) {
                    throw new IllegalArgumentException("a percentage must be more than 0 and at most 100: '" + text + "'");
                }
                return ReadData.percent(p);
            }
            long n = Long.parseLong(t);
            if (n < 1) {
                throw new IllegalArgumentException("a number of chunks must be at least 1: '" + text + "'");
            }
            return ReadData.count(n);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a subset: '" + text + "' (examples: 10% or 500)");
        }
    }

    static String format(Duration d) {
        long s = d.getSeconds();
        if (d.toMillis() % 1000 != 0 || s == 0) {
            return d.toMillis() + "ms";
        }
        if (s % (7 * 86400) == 0) {
            return s / (7 * 86400) + "w";
        }
        if (s % 86400 == 0) {
            return s / 86400 + "d";
        }
        if (s % 3600 == 0) {
            return s / 3600 + "h";
        }
        return s % 60 == 0 ? s / 60 + "m" : s + "s";
    }

    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return parseDuration(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class SubsetConverter implements CommandLine.ITypeConverter<ReadData> {
        @Override
        public ReadData convert(String value) {
            try {
                return parseSubset(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /**
     * Writes the reports that were asked for; a failure is printed as an error naming the file
     * and returned as false, so that it never hides the outcome being reported.
     */
    static boolean writeReports(Output output, Path json, java.util.function.Supplier<String> jsonContent, Path junit,
                                java.util.function.Supplier<String> junitContent) {
        boolean ok = true;
        try {
            if (json != null) {
                writeReport(json, jsonContent.get(), "JSON report");
            }
        } catch (RuntimeException e) {
            output.err().println("s3backup: error: " + e.getMessage());
            ok = false;
        }
        try {
            if (junit != null) {
                writeReport(junit, junitContent.get(), "JUnit report");
            }
        } catch (RuntimeException e) {
            output.err().println("s3backup: error: " + e.getMessage());
            ok = false;
        }
        output.err().flush();
        return ok;
    }

    /**
     * Writes a report file whole or not at all (a CI step that reads a half-written report would
     * misreport), creating its directory.
     */
    static void writeReport(Path file, String content, String what) {
        Path target = file.toAbsolutePath();
        try {
            if (target.getParent() != null) {
                Files.createDirectories(target.getParent());
            }
            Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new BackupException(BackupException.Reason.IO, "Cannot write the " + what + " " + target + ": " + e, e);
        }
    }
}
