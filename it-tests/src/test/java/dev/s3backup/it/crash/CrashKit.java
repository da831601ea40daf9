package dev.s3backup.it.crash;

import dev.s3backup.cli.Main;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.repo.RepositoryLayout;
import dev.s3backup.core.store.ObjectInfo;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.manifest.ChunkRef;
import dev.s3backup.manifest.Entry;
import dev.s3backup.manifest.ManifestReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** What every crash test needs: the CLI here and in a process it can kill, data, and comparisons. */
final class CrashKit {
    /** Restore's name for a file being written (docs/DECISIONS.md §6). */
    static final Pattern PARTIAL = Pattern.compile("^\\..+\\.s3backup-partial(~[0-9]+)?$");

    private CrashKit() {
    }

    /** The real command line, run in this JVM (fast: for the checks around a kill). */
    record Run(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
        }

        long number(String field) {
            Matcher m = Pattern.compile("\"" + field + "\":(\\d+)").matcher(out);
            if (!m.find()) {
                throw new AssertionError("no " + field + " in " + this);
            }
            return Long.parseLong(m.group(1));
        }
    }

    static Run here(CrashTarget target, String command, String... args) {
        target.useInThisJvm();
        List<String> all = new ArrayList<>();
        all.add(command);
        all.addAll(target.connection());
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true))
                .execute(all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    /** How a command in its own process ended: killed by SIGKILL, or exited by itself. */
    record Outcome(boolean killed, int exitCode, long nanos, String output) {
    }

    /**
     * Runs the shaded CLI jar ({@code cli/target/s3backup.jar}) in a new JVM, as a user runs it,
     * and kills it with SIGKILL when {@code deadlineNanos} (System.nanoTime) comes first.
     */
    static Outcome child(CrashTarget target, Path work, long deadlineNanos, String command, String... args) {
        String jar = System.getProperty("s3backup.cli.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("the CLI jar " + jar + " is missing: run the build through Maven"
                    + " (cli is packaged before it-tests, whose pom sets s3backup.cli.jar)");
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xmx160m", "-Djava.io.tmpdir=" + work.resolve("tmp"), "-jar", jar, command));
        cmd.addAll(target.connection());
        cmd.addAll(List.of(args));
        Path log = work.resolve("child.log");
        try {
            Files.createDirectories(work.resolve("tmp"));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(target.environment());
            long start = System.nanoTime();
            Process p = pb.start();
            boolean exited = p.waitFor(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (!exited) {
                p.destroyForcibly(); // SIGKILL: no shutdown hook, no finally block runs
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("a killed CLI did not exit: " + cmd);
                }
            }
            return new Outcome(!exited, p.exitValue(), System.nanoTime() - start, Files.readString(log));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Outcome toCompletion(CrashTarget target, Path work, String command, String... args) {
        Outcome o = child(target, work, System.nanoTime() + TimeUnit.MINUTES.toNanos(5), command, args);
        if (o.killed() || o.exitCode() != 0) {
            throw new AssertionError(command + " failed without being killed: exit " + o.exitCode() + "\n" + o.output());
        }
        return o;
    }

    /** Random content, {@code size} bytes, the same for the same seed. */
    static void writeRandom(Path file, int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A snapshot as an LSM store takes it: hard links to the files of {@code from} that are kept. */
    static void linkAll(Path from, Path to, java.util.function.Predicate<Path> keep) {
        try (Stream<Path> files = Files.list(from)) {
            Files.createDirectories(to);
            for (Path f : files.filter(Files::isRegularFile).filter(keep).toList()) {
                Files.createLink(to.resolve(f.getFileName()), f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Regular files under {@code root} by relative path. */
    static Map<String, Path> files(Path root) {
        Map<String, Path> files = new HashMap<>();
        if (!Files.exists(root)) {
            return files;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.filter(Files::isRegularFile).forEach(p -> files.put(root.relativize(p).toString(), p));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    /** Differences between two trees of regular files (missing, extra, different content), or none. */
    static List<String> differences(Path expected, Path actual) {
        Map<String, Path> want = files(expected);
        Map<String, Path> have = files(actual);
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Path> e : want.entrySet()) {
            Path got = have.get(e.getKey());
            if (got == null) {
                problems.add("missing " + e.getKey());
            } else if (!sameContent(e.getValue(), got)) {
                problems.add("different content " + e.getKey());
            }
        }
        for (String extra : have.keySet()) {
            if (!want.containsKey(extra)) {
                problems.add("extra " + extra);
            }
        }
        return problems;
    }

    static boolean sameContent(Path a, Path b) {
        try {
            return Files.mismatch(a, b) == -1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final Pattern CHUNK_KEY = Pattern.compile("^chunks/[0-9a-f]{2}/[0-9a-f]{64}$");

    /** Chunk objects in the store, by key, with their sizes; other keys under {@code chunks/} are no chunks (gc leaves them too). */
    static Map<String, Long> chunkObjects(ObjectStore store) {
        Map<String, Long> chunks = new HashMap<>();
        for (Iterator<ObjectInfo> it = store.listAll(RepositoryLayout.CHUNKS); it.hasNext(); ) {
            ObjectInfo o = it.next();
            if (CHUNK_KEY.matcher(o.key()).matches()) {
                chunks.put(o.key(), o.size());
            }
        }
        return chunks;
    }

    /** Chunk keys (with sizes) a backup references. */
    static Map<String, Integer> chunksOf(Repository repo, String backupId) {
        Map<String, Integer> chunks = new HashMap<>();
        try (ManifestReader reader = repo.openManifest(backupId)) {
            for (Entry e = reader.next(); e != null; e = reader.next()) {
                for (ChunkRef c : e.chunks()) {
                    chunks.put(RepositoryLayout.chunkKey(c.hash()), c.length());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return chunks;
    }

    /** The source directory the backup's first node was pushed from (recorded in its header). */
    static Path sourceOf(Repository repo, String backupId) {
        try (ManifestReader reader = repo.openManifest(backupId)) {
            return Path.of(reader.header().nodes().get(0).source());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
