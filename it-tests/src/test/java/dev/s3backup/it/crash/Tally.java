package dev.s3backup.it.crash;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Counts of one operation's kill points on one backend, printed and appended to target/crash-campaign.txt. */
final class Tally {
    private final String operation;
    private final String backend;
    private final long seed;
    private final long durationMillis;
    private final Map<String, Integer> outcomes = new TreeMap<>();
    private final List<String> violations = new ArrayList<>();
    private final List<Double> uploadFractions = new ArrayList<>();
    private long resentBodies;
    private long partialsSeen;
    private int points;

    Tally(String operation, String backend, long seed, long durationMillis) {
        this.operation = operation;
        this.backend = backend;
        this.seed = seed;
        this.durationMillis = durationMillis;
    }

    /** One kill point: where it landed ("killed", "killed in gc", "finished first"...) and what broke. */
    void point(int index, long delayMillis, String outcome, List<String> found, String detail) {
        points++;
        outcomes.merge(outcome, 1, Integer::sum);
        for (String v : found) {
            violations.add("point " + index + " (delay " + delayMillis + " ms): " + v);
        }
        System.out.printf(Locale.ROOT, "crash %s %s #%d: delay %d of %d ms, %s, %d violation(s)%s%n", operation,
                backend, index, delayMillis, durationMillis, outcome, found.size(), detail.isEmpty() ? "" : "; " + detail);
        found.forEach(v -> System.out.println("  VIOLATION " + v));
    }

    void uploadFraction(double fraction) {
        uploadFractions.add(fraction);
    }

    void resentBodies(long n) {
        resentBodies += n;
    }

    void partials(long n) {
        partialsSeen += n;
    }

    List<String> violations() {
        return violations;
    }

    String summary() {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
                "%s on %s: %d points %s, command %d ms crash-free, seed %d: %d invariant violations",
                operation, backend, points, outcomes, durationMillis, seed, violations.size()));
        if (!uploadFractions.isEmpty()) {
            s.append(String.format(Locale.ROOT, "; after a kill, the re-run uploaded %.3f of a crash-free push on average (min %.3f, max %.3f),"
                    + " %d chunk bodies sent again (412)", uploadFractions.stream().mapToDouble(d -> d).average().orElse(0),
                    uploadFractions.stream().mapToDouble(d -> d).min().orElse(0),
                    uploadFractions.stream().mapToDouble(d -> d).max().orElse(0), resentBodies));
        }
        if (partialsSeen > 0 || operation.equals("restore")) {
            s.append("; partial files left by killed restores (all removed by the re-run): ").append(partialsSeen);
        }
        return s.toString();
    }

    void report() {
        String line = summary();
        System.out.println("CRASH TALLY " + line);
        try {
            Path file = Path.of("target", "crash-campaign.txt");
            Files.createDirectories(file.getParent());
            Files.writeString(file, line + System.lineSeparator(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
