package dev.s3backup.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A drill cancelled as CI cancels a job (SIGTERM) while its check command runs: the check and
 * what it started are stopped, the restored data is removed, and the reports still say why.
 */
class DrillSignalTest {
    @TempDir
    Path dir;

    @Test
    void sigtermStopsTheCheckRemovesTheDataAndWritesTheReports() throws Exception {
        Path data = SampleData.create(dir.resolve("snapshot"), 3);
        String repo = dir.resolve("repo").toUri().toString();
        assertThat(Cli.run(List.of("--repo", repo), "init", "--chunk-size", "64KiB").exitCode()).isZero();
        assertThat(Cli.run(List.of("--repo", repo), "push", data.resolve(SampleData.NODE_A).toString()).exitCode()).isZero();
        Path temp = Files.createDirectories(dir.resolve("tmp"));
        Path pid = dir.resolve("check.pid");
        Path report = dir.resolve("drill.json");
        Path junit = dir.resolve("drill.xml");
        Path log = dir.resolve("drill.log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "dev.s3backup.cli.Main", "drill", "-r", repo,
                "--temp-dir", temp.toString(), "--report", report.toString(), "--junit", junit.toString(),
                "--check", "sleep 120 & echo $! > " + pid + "; echo started; wait")
                // To a file: Process.destroy() closes the pipes, and what the drill prints after the signal matters.
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(log).contains("check | started") && System.nanoTime() < deadline && p.isAlive()) {
            Thread.sleep(20);
        }
        assertThat(Files.readString(log)).contains("check | started");
        try (Stream<Path> s = Files.list(temp)) {
            assertThat(s.toList()).as("the restored data exists while the check runs").hasSize(1);
        }
        p.destroy(); // SIGTERM
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String out = Files.readString(log);
        assertThat(p.exitValue()).as(out).isEqualTo(143);
        try (Stream<Path> s = Files.list(temp)) {
            assertThat(s.toList()).as("no leftovers; output:\n" + out).isEmpty();
        }
        long sleeper = Long.parseLong(Files.readString(pid).trim());
        assertThat(alive(sleeper)).as("the check's background process").isFalse();
        assertThat(Files.readString(report)).contains("\"outcome\":\"interrupted\"", "\"leftovers\":[]");
        assertThat(Files.readString(junit)).contains("name=\"check\"", "interrupted");
        assertThat(out).contains("interrupted", "removed " + temp);
    }

    /** Running and not a zombie (an orphan may wait for a reaper that never comes on this machine). */
    private static boolean alive(long pid) throws Exception {
        for (int i = 0; i < 100; i++) {
            if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                return false;
            }
            Path stat = Path.of("/proc/" + pid + "/stat");
            if (!Files.exists(stat) || Files.readString(stat).replaceFirst("^.*\\) ", "").startsWith("Z")) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }
}
