package dev.s3backup.cli;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.io.AtomicReplace;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code --metrics-file} of every command: OpenMetrics text for node_exporter's textfile
 * collector, so a nightly job's success or failure reaches Prometheus without parsing logs.
 *
 * <p>One file holds every command and repository that wrote to it: a run replaces its own
 * samples (labelled {@code command} and {@code repository}) and keeps the others', and a failed
 * run keeps its last success time. The file is replaced atomically (temporary file, fsync,
 * rename), so the collector never reads half of it.
 *
 * <pre>
 * s3backup_last_run_timestamp_seconds       when the command last ended
 * s3backup_last_success_timestamp_seconds   when it last ended with exit code 0
 * s3backup_last_failure_timestamp_seconds   when it last ended with another exit code
 * s3backup_last_exit_code                   0 ok, 1 bug, 2 usage, 3 not found, 4 integrity, 5 I/O, 6 denied
 * s3backup_last_duration_seconds            how long it ran
 * s3backup_last_&lt;value&gt;                     the command's figures: bytes_uploaded, chunks_new, ...
 * s3backup_last_requests{type="put"}        requests by type; s3backup_last_retries
 * </pre>
 */
final class MetricsFile {
    static final String PREFIX = "s3backup_";

    private MetricsFile() {
    }

    /** Checked before the command runs, so that a job that cannot report fails before it works. */
    static void requireWritable(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new BackupException(BackupException.Reason.INVALID_INPUT, "Cannot write metrics file " + file
                    + ": no such directory " + dir);
        }
        if (!Files.isWritable(dir) || (Files.exists(file) && !Files.isWritable(file))) {
            throw new BackupException(BackupException.Reason.INVALID_INPUT, "Cannot write metrics file " + file
                    + ": " + dir + " is not writable by this user");
        }
    }

    /**
     * Merges this run into the file.
     *
     * @param values the command's figures (numbers; nested maps such as "requests" become labels)
     */
    static void write(Path file, String command, String repository, int exitCode, Duration took, Instant end,
                      Map<String, Object> values) throws IOException {
        String own = "command=\"" + escape(command) + "\",repository=\"" + escape(repository == null ? "" : repository)
                + "\"";
        // metric name -> label text -> sample value; sorted so the file is stable.
        Map<String, Map<String, String>> samples = new TreeMap<>();
        String lastSuccess = null;
        for (String line : readLines(file)) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            int brace = line.indexOf('{');
            int close = line.lastIndexOf('}');
            if (brace < 0 || close < brace) {
                continue;
            }
            String name = line.substring(0, brace);
            String labels = line.substring(brace + 1, close);
            String value = line.substring(close + 1).strip();
            boolean ours = labels.startsWith(own);
            if (ours && name.equals(PREFIX + "last_success_timestamp_seconds")) {
                lastSuccess = value;
            }
            if (!ours) {
                samples.computeIfAbsent(name, k -> new TreeMap<>()).put(labels, value);
            }
        }
        double now = end.toEpochMilli() / 1000.0;
        put(samples, "last_run_timestamp_seconds", own, number(now));
        if (exitCode == ExitCodes.OK) {
            put(samples, "last_success_timestamp_seconds", own, number(now));
        } else {
            put(samples, "last_failure_timestamp_seconds", own, number(now));
            if (lastSuccess != null) {
                put(samples, "last_success_timestamp_seconds", own, lastSuccess);
            }
        }
        put(samples, "last_exit_code", own, Integer.toString(exitCode));
        put(samples, "last_duration_seconds", own, number(took.toNanos() / 1e9));
        values.forEach((key, value) -> {
            if (value instanceof Number n) {
                put(samples, "last_" + snake(key), own, number(n.doubleValue()));
            } else if (value instanceof Map<?, ?> nested && key.equals("requests")) {
                nested.forEach((type, count) -> {
                    if (count instanceof Number c) {
                        if (type.equals("retries")) {
                            put(samples, "last_retries", own, number(c.doubleValue()));
                        } else {
                            put(samples, "last_requests", own + ",type=\"" + escape(type.toString()) + "\"",
                                    number(c.doubleValue()));
                        }
                    }
                });
            }
        });
        StringBuilder text = new StringBuilder();
        samples.forEach((name, byLabels) -> {
            text.append("# TYPE ").append(name).append(" gauge\n");
            byLabels.forEach((labels, value) -> text.append(name).append('{').append(labels).append("} ")
                    .append(value).append('\n'));
        });
        text.append("# EOF\n");
        Path temp = file.resolveSibling("." + file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        try {
            AtomicReplace.move(temp, file);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** The names this tool writes for these figures (for tests of dashboards and alerts). */
    static List<String> names(Map<String, Object> values) {
        List<String> names = new ArrayList<>(List.of("last_run_timestamp_seconds", "last_success_timestamp_seconds",
                "last_failure_timestamp_seconds", "last_exit_code", "last_duration_seconds"));
        values.forEach((k, v) -> {
            if (v instanceof Number) {
                names.add("last_" + snake(k));
            }
        });
        return names.stream().map(n -> PREFIX + n).toList();
    }

    private static void put(Map<String, Map<String, String>> samples, String name, String labels, String value) {
        samples.computeIfAbsent(PREFIX + name, k -> new TreeMap<>()).put(labels, value);
    }

    private static List<String> readLines(Path file) throws IOException {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (java.nio.charset.MalformedInputException e) {
            return List.of(); // not ours, or damaged: rewritten whole
        }
    }

    /** bytesUploaded -> bytes_uploaded */
    static String snake(String camel) {
        StringBuilder sb = new StringBuilder();
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                sb.append('_').append(Character.toLowerCase(c));
            } else if (Character.isLetterOrDigit(c)) {
                sb.append(c);
            } else {
                sb.append('_');
            }
        }
        return sb.toString();
    }

    private static String number(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        return String.format(Locale.ROOT, "%.3f", d);
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
