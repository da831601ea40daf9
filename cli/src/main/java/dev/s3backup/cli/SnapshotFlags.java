package dev.s3backup.cli;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.core.snapshot.Quiescer;
import dev.s3backup.core.snapshot.Snapshot;
import dev.s3backup.core.snapshot.SnapshotNode;
import dev.s3backup.core.snapshot.SnapshotOptions;
import dev.s3backup.core.source.Source;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/** The options of a coordinated snapshot, shared by {@code push --snapshot} and {@code snapshot}. */
final class SnapshotFlags {
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m)?");

    @Option(names = "--freeze", paramLabel = "CMD",
            description = "Command that pauses a node's writes (run with sh -c, once per node, all nodes in parallel; "
                    + "sees $S3BACKUP_NODE, $S3BACKUP_DATA_DIR, $S3BACKUP_SNAPSHOT_DIR, $S3BACKUP_PHASE). "
                    + "It must return once the node has stopped writing files.")
    String freeze;

    @Option(names = "--thaw", paramLabel = "CMD",
            description = "Command that resumes a node's writes. Runs for every node whose freeze started: after the "
                    + "snapshot, and also after a failed or timed-out freeze, an error, or Ctrl-C.")
    String thaw;

    @Option(names = "--hook-timeout", paramLabel = "DURATION", defaultValue = "30s",
            description = "Longest a freeze or thaw may take, e.g. 500ms, 30s, 2m; then it is killed (default: ${DEFAULT-VALUE}).")
    String hookTimeout;

    @Option(names = "--immutable", paramLabel = "GLOBS", split = ",", hideParamSyntax = true,
            description = "File names that are never modified once written, hard-linked into the snapshot; every "
                    + "other file (CURRENT, MANIFEST-*, OPTIONS-*, LOG*, the write-ahead log) is copied while the node is "
                    + "frozen (default: *.sst,*.ldb).")
    List<String> immutable;

    @Option(names = "--snapshot-dir", paramLabel = "DIR",
            description = "Put each node's snapshot in DIR/TOKEN (default: DATA_DIR.s3backup-snapshot beside each "
                    + "data directory). Must be on the data's file system: hard links cannot cross file systems.")
    Path snapshotDir;

    @Option(names = "--copy-fallback",
            description = "If a snapshot directory is on another file system, copy every file while the node is "
                    + "frozen (the pause grows with the data) instead of refusing.")
    boolean copyFallback;

    SnapshotOptions options() {
        SnapshotOptions o = SnapshotOptions.defaults().withHookTimeout(parseDuration(hookTimeout))
                .withSnapshotRoot(snapshotDir).withCopyFallback(copyFallback);
        if (immutable != null && !immutable.isEmpty()) {
            o = o.withImmutablePatterns(immutable);
        }
        return o;
    }

    boolean hooksGiven() {
        return freeze != null || thaw != null;
    }

    /** One node per TOKEN=DIR source, with the hook commands bound to it. */
    List<SnapshotNode> nodes(List<Source> sources, SnapshotOptions options) {
        List<SnapshotNode> nodes = new ArrayList<>();
        for (Source s : sources) {
            if (!s.looseFile()) {
                Path snap = options.snapshotPathOf(s.token(), s.path());
                nodes.add(SnapshotNode.hardLinked(s.token(), s.path(),
                        Quiescer.commands(freeze, thaw, s.token(), s.path(), snap)));
            }
        }
        return nodes;
    }

    static List<Path> looseFiles(List<Source> sources) {
        return sources.stream().filter(Source::looseFile).map(Source::path).toList();
    }

    static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot use duration '" + text
                    + "': write it as 500ms, 30s or 2m");
        }
        double value = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double millis = switch (unit) {
            case "ms" -> value;
            case "m" -> value * 60_000;
            default -> value * 1000;
        };
        if (millis < 1) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot use duration '" + text + "': it must be at least 1ms");
        }
        return Duration.ofMillis((long) millis);
    }

    static void printSummary(Output output, Snapshot s, boolean kept) {
        var out = output.out();
        out.printf("  pause window:   %s ms (freeze %s ms, link and copy %s ms, thaw %s ms), %d nodes%n",
                Snapshot.millis(s.pause()), Snapshot.millis(s.freeze()), Snapshot.millis(s.capture()),
                Snapshot.millis(s.thaw()), s.nodes().size());
        long bytesCopied = s.nodes().stream().mapToLong(Snapshot.NodeSnapshot::bytesCopied).sum();
        out.printf("  snapshot:       %d files hard-linked, %d copied (%s); %s%n", s.filesLinked(), s.filesCopied(),
                Sizes.bytes(bytesCopied), kept ? "kept at " + s.paths() : "removed");
    }

    static Map<String, Object> toMap(Snapshot s, boolean kept) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("startedAt", s.startedAt().toString());
        m.put("pauseMillis", s.pause().toNanos() / 1e6);
        m.put("freezeMillis", s.freeze().toNanos() / 1e6);
        m.put("captureMillis", s.capture().toNanos() / 1e6);
        m.put("thawMillis", s.thaw().toNanos() / 1e6);
        m.put("filesLinked", s.filesLinked());
        m.put("filesCopied", s.filesCopied());
        m.put("bytesCopied", s.nodes().stream().mapToLong(Snapshot.NodeSnapshot::bytesCopied).sum());
        m.put("kept", kept);
        m.put("paths", s.paths().stream().map(Path::toString).toList());
        return m;
    }
}
