package dev.s3backup.core.snapshot;

import dev.s3backup.core.source.Source;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A coordinated snapshot on disk: one directory per node (and one copy per loose file), taken
 * while every node was frozen, and how long the pause lasted.
 *
 * @param pause from the start of the first freeze to the end of the last thaw: how long writes
 *     were paused
 * @param freeze until every node reported frozen
 * @param capture hard-linking and copying (or checkpointing) every node
 * @param thaw until every node reported thawed
 */
public record Snapshot(List<NodeSnapshot> nodes, List<LooseFile> looseFiles, Instant startedAt, Duration pause,
                       Duration freeze, Duration capture, Duration thaw, List<String> warnings) {

    public Snapshot {
        nodes = List.copyOf(nodes);
        looseFiles = List.copyOf(looseFiles);
        warnings = List.copyOf(warnings);
    }

    /**
     * @param filesLinked files hard-linked (immutable); for a checkpointed node, every file
     * @param filesCopied files copied (mutable), with {@code bytesCopied} bytes
     */
    public record NodeSnapshot(String token, Path dataDir, Path snapshotDir, long filesLinked, long filesCopied,
                               long bytesCopied) {
    }

    /** A loose file (such as coordinator.bin) copied during the pause; restored as {@code name}. */
    public record LooseFile(String name, Path live, Path copy) {
    }

    /** What to push: each node's snapshot directory under its token, each loose file's copy under its name. */
    public List<Source> sources() {
        List<Source> sources = new ArrayList<>();
        for (NodeSnapshot n : nodes) {
            sources.add(new Source(n.token(), n.snapshotDir(), false));
        }
        for (LooseFile f : looseFiles) {
            sources.add(new Source(f.name(), f.copy(), true));
        }
        return sources;
    }

    public long filesLinked() {
        return nodes.stream().mapToLong(NodeSnapshot::filesLinked).sum();
    }

    public long filesCopied() {
        return nodes.stream().mapToLong(NodeSnapshot::filesCopied).sum() + looseFiles.size();
    }

    /** Recorded in the backup's manifest header; docs/SNAPSHOTS.md lists the keys. */
    public Map<String, String> properties() {
        Map<String, String> p = new TreeMap<>();
        p.put("snapshot.startedAt", startedAt.toString());
        p.put("snapshot.pauseMillis", millis(pause));
        p.put("snapshot.freezeMillis", millis(freeze));
        p.put("snapshot.captureMillis", millis(capture));
        p.put("snapshot.thawMillis", millis(thaw));
        p.put("snapshot.filesLinked", Long.toString(filesLinked()));
        p.put("snapshot.filesCopied", Long.toString(filesCopied()));
        return p;
    }

    public static String millis(Duration d) {
        return String.format(Locale.ROOT, "%.3f", d.toNanos() / 1e6);
    }

    /** Paths of everything this snapshot wrote, for messages. */
    public List<Path> paths() {
        List<Path> paths = new ArrayList<>();
        nodes.forEach(n -> paths.add(n.snapshotDir()));
        looseFiles.forEach(f -> paths.add(f.copy()));
        return paths;
    }

    /** Removes the snapshot directories and copies; the live data is never touched. */
    public void delete() throws IOException {
        for (Path p : paths()) {
            deleteTree(p);
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null && !(exc instanceof NoSuchFileException)) {
                    throw exc;
                }
                deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void deleteIfExists(Path p) throws IOException {
        Files.deleteIfExists(p);
    }
}
