package dev.s3backup.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C (SIGINT) or a CI cancel (SIGTERM) during a push: the lease is released at once (a gc right
 * after is not held for the lease's hour), the resume journal is kept, one line says so, and the
 * next push uploads only what is missing.
 */
class PushSignalTest {
    @TempDir
    Path dir;

    @Test
    void aSignalledPushReleasesItsLeaseKeepsItsJournalAndSaysSo() throws Exception {
        String repo = dir.resolve("repo").toUri().toString();
        assertThat(Cli.run(List.of(), "init", "-r", repo, "--chunk-size", "1MiB").exitCode()).isZero();
        Path data = dir.resolve("data");
        Random random = new Random(5);
        for (int i = 0; i < 8; i++) {
            byte[] bytes = new byte[1 << 20];
            random.nextBytes(bytes);
            Files.createDirectories(data);
            Files.write(data.resolve(String.format("%06d.sst", i)), bytes);
        }
        for (String signal : List.of("INT", "TERM")) {
            int stored = files(dir.resolve("repo/chunks")).size();
            Path out = dir.resolve("push-" + signal + ".out");
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                    System.getProperty("java.class.path"), "dev.s3backup.cli.Main", "push", "-r", repo,
                    "--cache-dir", dir.resolve("cache").toString(), "--limit-upload", "512KiB", "--upload-threads", "1",
                    "n1=" + data).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            awaitChunks(dir.resolve("repo"), stored + 1, p);
            new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start().waitFor();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            String said = Files.readString(out);
            assertThat(p.exitValue()).as(said).isEqualTo(signal.equals("INT") ? 130 : 143);
            assertThat(said).containsPattern("interrupted: lease released; the next push resumes from \\d+ stored chunk");
            assertThat(files(dir.resolve("repo/leases"))).as("no lease left behind").isEmpty();
        }
        assertThat(Files.list(dir.resolve("cache")).map(f -> f.getFileName().toString()))
                .anyMatch(n -> n.endsWith(".resume"));

        Cli gc = Cli.run(List.of(), "gc", "-r", repo, "--grace", "1s", "--dry-run");
        assertThat(gc.out()).contains("0 push(es) in progress");

        Cli rerun = Cli.run(List.of(), "push", "-r", repo, "--cache-dir", dir.resolve("cache").toString(), "n1=" + data);
        assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
        assertThat(rerun.out()).containsPattern("of them stored by an interrupted push");
    }

    private static void awaitChunks(Path repo, int n, Process p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (files(repo.resolve("chunks")).size() < n) {
            assertThat(p.isAlive()).as("the push ended before it was signalled").isTrue();
            assertThat(System.nanoTime()).as("chunks uploaded in time").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static List<Path> files(Path root) throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().endsWith(".tmp")).toList();
        }
    }
}
