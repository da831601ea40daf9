package dev.s3backup.core.push;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.restore.Restore;
import dev.s3backup.core.restore.RestoreOptions;
import dev.s3backup.core.restore.RestoreProgress;
import dev.s3backup.core.restore.RestoreResult;
import dev.s3backup.core.source.Source;
import dev.s3backup.core.store.ObjectInfo;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.manifest.Entry;
import dev.s3backup.manifest.ManifestReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/** Shared helpers of the push and restore tests. */
public final class Fixtures {
    /** Every push in a test run gets a later second than the one before, so "latest" is never a coin toss. */
    private static final AtomicLong SECONDS = new AtomicLong(Instant.parse("2026-11-25T08:00:00Z").getEpochSecond());

    private Fixtures() {
    }

    public static PushOptions options() {
        return PushOptions.defaults("test-host", "0.0.0-test");
    }

    public static PushOptions options(int readThreads, int uploadThreads, long maxInFlightBytes) {
        return new PushOptions("", false, readThreads, uploadThreads, maxInFlightBytes, "test-host", "0.0.0-test",
                java.util.Map.of());
    }

    /** A clock whose every reading is one second after the previous reading of any such clock. */
    public static Clock tickingClock() {
        return new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochSecond(SECONDS.incrementAndGet());
            }
        };
    }

    /** Opens the repository afresh (as each CLI command does, so request counts start at 0) and pushes. */
    public static PushResult push(ObjectStore store, PushOptions options, Source... sources) {
        Repository repo = Repository.open(store);
        // One file, its own chunks: these tests look chunks up by file content. Packing has its own tests.
        return new Push(repo, options, tickingClock(), new PushProgress()).packSmallFilesBelow(0).run(List.of(sources));
    }

    public static PushResult push(ObjectStore store, Source... sources) {
        return push(store, options(), sources);
    }

    public static Source node(String token, Path dir) {
        return new Source(token, dir, false);
    }

    public static Source loose(Path file) {
        return new Source(file.getFileName().toString(), file, true);
    }

    public static byte[] randomBytes(int size, long seed) {
        byte[] b = new byte[size];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    public static Path write(Path file, byte[] content) {
        try {
            Files.createDirectories(file.getParent());
            return Files.write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sets the mtime of every file under {@code root} an hour back, as a snapshot's files are: the
     * hash cache records only files whose mtime is safely older than their read ("racy clean").
     */
    public static void age(Path root) {
        java.nio.file.attribute.FileTime hourAgo = java.nio.file.attribute.FileTime.from(
                Instant.now().minus(java.time.Duration.ofHours(1)));
        try (var files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.setLastModifiedTime(f, hourAgo);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<String> keys(ObjectStore store, String prefix) {
        List<String> keys = new ArrayList<>();
        for (Iterator<ObjectInfo> it = store.listAll(prefix); it.hasNext(); ) {
            keys.add(it.next().key());
        }
        return keys;
    }

    /** Restores into {@code target} with default options. */
    public static RestoreResult restore(ObjectStore store, String id, Path target) {
        return restore(store, id, target, RestoreOptions.defaults());
    }

    public static RestoreResult restore(ObjectStore store, String id, Path target, RestoreOptions options) {
        return new Restore(Repository.open(store), options, new RestoreProgress()).run(id, target);
    }

    /** Every path below {@code root}, relative and '/'-separated, without following links. */
    public static List<String> tree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !p.equals(root)).map(p -> root.relativize(p).toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Same paths, same types, same bytes, same link targets. */
    public static void assertSameTree(Path expected, Path actual) {
        List<String> paths = tree(expected);
        assertThat(tree(actual)).as("paths under " + actual).containsExactlyElementsOf(paths);
        try {
            for (String rel : paths) {
                Path e = expected.resolve(rel);
                Path a = actual.resolve(rel);
                if (Files.isSymbolicLink(e)) {
                    assertThat(Files.isSymbolicLink(a)).as(rel + " is a link").isTrue();
                    assertThat(Files.readSymbolicLink(a)).as(rel).isEqualTo(Files.readSymbolicLink(e));
                } else if (Files.isDirectory(e)) {
                    assertThat(a).as(rel).isDirectory();
                } else {
                    assertThat(Files.isSymbolicLink(a)).as(rel + " is a link").isFalse();
                    assertThat(Files.readAllBytes(a)).as(rel).isEqualTo(Files.readAllBytes(e));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<Entry> entries(ObjectStore store, String backupId) {
        Repository repo = Repository.open(store);
        try (ManifestReader reader = repo.openManifest(backupId)) {
            List<Entry> entries = new ArrayList<>();
            for (Entry e = reader.next(); e != null; e = reader.next()) {
                entries.add(e);
            }
            return entries;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Entry entry(ObjectStore store, String backupId, String node, String path) {
        return entries(store, backupId).stream().filter(e -> e.node().equals(node) && e.path().equals(path))
                .findFirst().orElseThrow(() -> new AssertionError("no entry " + node + ":" + path));
    }

    /** Makes a FIFO with the mkfifo command; false where there is none. */
    public static boolean mkfifo(Path path) {
        try {
            Process p = new ProcessBuilder("mkfifo", path.toString()).redirectErrorStream(true).start();
            return p.waitFor() == 0 && Files.exists(path);
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
