package dev.s3backup.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code push --snapshot} and {@code snapshot} from the command line: exit codes, messages, Ctrl-C. */
class SnapshotCliTest {
    @TempDir
    Path dir;
    Path data;
    String repo;

    @BeforeEach
    void setUp() throws IOException {
        data = dir.resolve("data");
        Files.createDirectories(data);
        Files.write(data.resolve("000001.sst"), new byte[50_000]);
        Files.writeString(data.resolve("CURRENT"), "MANIFEST-000002\n");
        repo = dir.resolve("repo").toUri().toString();
        assertThat(Cli.run(List.of(), "init", "-r", repo).exitCode()).isZero();
    }

    @Test
    void pushSnapshotShowsAndRecordsThePauseWindow() {
        Cli run = Cli.run(List.of(), "push", "-r", repo, "--snapshot", "--keep-snapshot", "n1=" + data);
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains("pause window:", "1 files hard-linked, 1 copied", "kept at");
        assertThat(dir.resolve("data.s3backup-snapshot/000001.sst")).exists();
        Cli again = Cli.run(List.of(), "push", "-r", repo, "--snapshot", "n1=" + data);
        assertThat(again.exitCode()).isEqualTo(2);
        assertThat(again.err()).contains("already exists");
    }

    @Test
    void hookFailuresAreNonZeroExitsAndThawAlwaysRuns() throws IOException {
        Path thawed = dir.resolve("thawed");
        Cli fail = Cli.run(List.of(), "push", "-r", repo, "--snapshot", "--freeze", "exit 7",
                "--thaw", "touch " + thawed, "n1=" + data);
        assertThat(fail.exitCode()).isEqualTo(5);
        assertThat(fail.err()).contains("Cannot freeze node n1", "status 7");
        assertThat(thawed).exists();
        Files.delete(thawed);

        Cli hang = Cli.run(List.of(), "push", "-r", repo, "--snapshot", "--freeze", "sleep 30", "--hook-timeout", "200ms",
                "--thaw", "touch " + thawed, "n1=" + data);
        assertThat(hang.exitCode()).isEqualTo(5);
        assertThat(hang.err()).contains("did not finish within 200 ms");
        assertThat(thawed).exists();

        Cli badThaw = Cli.run(List.of(), "push", "-r", repo, "--snapshot", "--thaw", "echo oops; exit 1", "n1=" + data);
        assertThat(badThaw.exitCode()).isEqualTo(5);
        assertThat(badThaw.err()).contains("Cannot thaw node n1", "oops", "MAY STILL BE PAUSED", "kept for inspection");
        assertThat(dir.resolve("data.s3backup-snapshot/000001.sst")).exists();
        assertThat(Cli.run(List.of(), "list", "-r", repo).out()).contains("No backups");
    }

    @Test
    void missingDataDirectoryIsAUsageError() {
        Cli run = Cli.run(List.of(), "push", "-r", repo, "--snapshot", "n1=" + dir.resolve("nope"));
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("no such directory");
    }

    /** Ctrl-C (SIGINT) or SIGTERM while the nodes are frozen: the shutdown hook thaws them. */
    @Test
    void aSignalDuringThePauseStillThaws() throws Exception {
        Path frozen = dir.resolve("frozen");
        Path thawed = dir.resolve("thawed");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "dev.s3backup.cli.Main", "push", "-r", repo, "--snapshot",
                "--freeze", "touch " + frozen + "; sleep 60", "--thaw", "touch " + thawed, "n1=" + data)
                .redirectErrorStream(true).redirectOutput(dir.resolve("out.txt").toFile()).start();
        try {
            long deadline = System.currentTimeMillis() + 20_000;
            while (!Files.exists(frozen) && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            assertThat(frozen).exists();
            p.destroy(); // SIGTERM: the JVM runs its shutdown hooks, as on Ctrl-C
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isNotZero();
            assertThat(thawed).as(Files.readString(dir.resolve("out.txt"))).exists();
            assertThat(dir.resolve("data.s3backup-snapshot")).doesNotExist();
        } finally {
            p.destroyForcibly();
        }
    }
}
