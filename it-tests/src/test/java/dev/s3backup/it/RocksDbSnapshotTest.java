package dev.s3backup.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

/**
 * The proof on a real LSM store: a separate process writes continuously to three RocksDB
 * instances; {@code push --snapshot} freezes them through control files (the hooks), snapshots,
 * thaws and pushes; more writes and a full compaction; a second push uploads about the new SST
 * files only. Every restored node opens in RocksDB with exactly the keys acknowledged before its
 * freeze.
 */
class RocksDbSnapshotTest {
    private static final List<String> NODES = List.of("n1", "n2", "n3");

    @TempDir
    Path dir;

    @Test
    void coordinatedSnapshotsOfLiveRocksDbsRestoreExactlyTheAcknowledgedKeys() throws Exception {
        Path control = dir.resolve("control");
        Files.createDirectories(control);
        String repo = dir.resolve("repo").toUri().toString();
        List<String> nodeArgs = NODES.stream().map(n -> n + "=" + dir.resolve("data-" + n)).toList();
        Process writer = startWriter(control, nodeArgs);
        try {
            waitFor(() -> NODES.stream().allMatch(n -> sstCount(dir.resolve("data-" + n)) >= 3), 60_000);
            assertThat(Cli.run(List.of(), "init", "-r", repo).exitCode()).isZero();

            Cli first = push(repo, control, nodeArgs);
            Map<String, Long> frozenAt1 = lastFreezes(control);

            for (String n : NODES) {
                Files.createFile(control.resolve(n).resolve("compact"));
            }
            waitFor(() -> NODES.stream().noneMatch(n -> Files.exists(control.resolve(n).resolve("compact"))), 60_000);
            Thread.sleep(300);
            Cli second = push(repo, control, nodeArgs);
            Map<String, Long> frozenAt2 = lastFreezes(control);
            assertThat(frozenAt2).allSatisfy((n, k) -> assertThat(k).isGreaterThan(frozenAt1.get(n)));

            Files.createFile(control.resolve("stop"));
            assertThat(writer.waitFor(20, TimeUnit.SECONDS)).isTrue();

            Path r1 = restore(repo, idOf(first), "r1");
            Path r2 = restore(repo, idOf(second), "r2");
            long newSst = 0;
            long mutable = 0;
            for (String n : NODES) {
                assertKeys(r1.resolve(n), n, frozenAt1.get(n));
                assertKeys(r2.resolve(n), n, frozenAt2.get(n));
                for (Path f : files(r2.resolve(n))) {
                    String name = f.getFileName().toString();
                    if (name.endsWith(".sst")) {
                        if (!Files.exists(r1.resolve(n).resolve(name))) {
                            newSst += Files.size(f);
                        }
                    } else {
                        mutable += Files.size(f);
                    }
                }
            }
            long uploaded = jsonLong(second.out(), "bytesUploaded");
            System.out.printf("RocksDB proof: first push uploaded %d bytes, paused %s ms; second push uploaded %d "
                    + "bytes, paused %s ms; new SST bytes %d, mutable bytes %d; keys at freezes %s, %s%n",
                    jsonLong(first.out(), "bytesUploaded"), pause(first), uploaded, pause(second), newSst, mutable,
                    frozenAt1, frozenAt2);
            // Only the new SSTs and (part of) the small mutable files: never an unchanged SST again.
            assertThat(uploaded).as(second.out()).isBetween(newSst, newSst + mutable);
            assertThat(jsonLong(first.out(), "bytesUploaded")).isGreaterThan(0);
        } finally {
            writer.destroyForcibly();
        }
    }

    private Cli push(String repo, Path control, List<String> nodeArgs) {
        String ctl = control.toAbsolutePath() + "/$S3BACKUP_NODE";
        String freeze = "touch " + ctl + "/freeze; while [ ! -f " + ctl + "/frozen ]; do sleep 0.002; done";
        String thaw = "rm -f " + ctl + "/freeze; while [ -f " + ctl + "/frozen ]; do sleep 0.002; done";
        String[] args = Stream.concat(Stream.of("push", "-r", repo, "--json", "--snapshot", "--freeze", freeze,
                "--thaw", thaw, "--hook-timeout", "20s", "--cache-dir", dir.resolve("cache").toString()),
                nodeArgs.stream()).toArray(String[]::new);
        Cli run = Cli.run(List.of(), args);
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains("\"pauseMillis\":", "\"kept\":false");
        return run;
    }

    private Path restore(String repo, String id, String name) {
        Path target = dir.resolve(name);
        Cli run = Cli.run(List.of(), "restore", "-r", repo, "--manifest", id, "--target", target.toString());
        assertThat(run.exitCode()).as(run.toString()).isZero();
        return target;
    }

    /** Every acknowledged key with its value, and nothing after it: the cut is exactly the freeze. */
    private static void assertKeys(Path db, String token, long acked) throws Exception {
        try (Options o = RocksDbWriterMain.options(); RocksDB rocks = RocksDB.open(o, db.toString())) {
            for (long i = 0; i < acked; i++) {
                byte[] v = rocks.get(RocksDbWriterMain.key(i).getBytes(StandardCharsets.UTF_8));
                assertThat(v).as("%s key %d of %d", token, i, acked).isEqualTo(RocksDbWriterMain.value(token, i));
            }
            for (long i = acked; i < acked + 100; i++) {
                assertThat(rocks.get(RocksDbWriterMain.key(i).getBytes(StandardCharsets.UTF_8)))
                        .as("%s key %d written after the freeze", token, i).isNull();
            }
        }
    }

    private Process startWriter(Path control, List<String> nodeArgs) throws IOException {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), RocksDbWriterMain.class.getName(),
                control.toString()));
        cmd.addAll(nodeArgs);
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("writer.log").toFile()).start();
    }

    private static Map<String, Long> lastFreezes(Path control) throws IOException {
        Map<String, Long> m = new HashMap<>();
        for (String n : NODES) {
            List<String> lines = Files.readAllLines(control.resolve(n).resolve("freezes.log"));
            m.put(n, Long.parseLong(lines.get(lines.size() - 1).trim()));
        }
        return m;
    }

    private static long sstCount(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".sst")).count();
        } catch (IOException e) {
            return 0;
        }
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).toList();
        }
    }

    static String idOf(Cli run) {
        Matcher m = Pattern.compile("\"backupId\":\"([^\"]+)\"").matcher(run.out());
        assertThat(m.find()).as(run.out()).isTrue();
        return m.group(1);
    }

    private static String pause(Cli run) {
        Matcher m = Pattern.compile("\"pauseMillis\":([0-9.]+)").matcher(run.out());
        return m.find() ? m.group(1) : "?";
    }

    static long jsonLong(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":(\\d+)").matcher(json);
        assertThat(m.find()).as(json).isTrue();
        return Long.parseLong(m.group(1));
    }

    private void waitFor(java.util.function.BooleanSupplier condition, long millis) throws Exception {
        long deadline = System.currentTimeMillis() + millis;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out; writer log:\n" + Files.readString(dir.resolve("writer.log")));
            }
            Thread.sleep(20);
        }
    }
}
