package dev.s3backup.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code push --hyperdex} against a stand-in {@code hyperdex} script (src/test/resources/hyperdex)
 * that behaves as the HyperDex manual describes: its output, exit codes and failures. The push
 * runs in a child process, because the stand-in reads its cluster from the environment.
 */
class HyperDexTest {
    private static final String T1 = "13036267341651542609";
    private static final String T2 = "9071623461208832471";

    @TempDir
    Path dir;
    Path d1;
    Path d2;
    Path work;
    String repo;
    String standIn;

    @BeforeEach
    void setUp() throws IOException, URISyntaxException {
        d1 = dir.resolve("daemon1");
        d2 = dir.resolve("daemon2");
        work = dir.resolve("work");
        for (Path d : List.of(d1, d2, work)) {
            Files.createDirectories(d);
        }
        Files.write(d1.resolve("000005.sst"), new byte[40_000]);
        Files.writeString(d1.resolve("CURRENT"), "MANIFEST-000004\n");
        Files.write(d2.resolve("000007.ldb"), new byte[20_000]);
        Files.writeString(d2.resolve("LOG"), "log");
        repo = dir.resolve("repo").toUri().toString();
        assertThat(Cli.run(List.of(), "init", "-r", repo).exitCode()).isZero();
        standIn = "sh " + Path.of(getClass().getResource("/hyperdex").toURI());
    }

    private Cli push(String mode, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.s3backup.cli.Main", "push", "-r", repo,
                "--hyperdex", "nightly", "--hyperdex-command", standIn, "--hyperdex-dir", work.toString(),
                "--cache-dir", dir.resolve("cache").toString()));
        cmd.addAll(List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(dir.resolve("out").toFile())
                .redirectError(dir.resolve("err").toFile());
        Map<String, String> env = pb.environment();
        env.put("HYPERDEX_STANDIN_DAEMONS", T1 + ":" + d1 + " " + T2 + ":" + d2);
        env.put("HYPERDEX_STANDIN_MODE", mode);
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Cli(p.exitValue(), Files.readString(dir.resolve("out")), Files.readString(dir.resolve("err")));
    }

    @Test
    void pushesEveryDaemonAndTheCoordinatorAsBackupManagerLaysThemOut() throws Exception {
        Cli run = push("ok");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains("hyperdex:", "'backup nightly' took", "2 servers", "snapshot removed");
        assertThat(d1.resolve("backup-nightly")).doesNotExist();
        assertThat(work.resolve("nightly.coordinator.bin")).doesNotExist();

        Path target = dir.resolve("restored");
        Cli restore = Cli.run(List.of(), "restore", "-r", repo, "--manifest", "latest", "--target", target.toString());
        assertThat(restore.exitCode()).as(restore.toString()).isZero();
        assertThat(target.resolve("coordinator.bin")).hasContent("coordinator state of backup nightly");
        assertThat(target.resolve(T1 + "/000005.sst")).hasSameBinaryContentAs(d1.resolve("000005.sst"));
        assertThat(target.resolve(T1 + "/CURRENT")).hasSameTextualContentAs(d1.resolve("CURRENT"));
        assertThat(target.resolve(T2 + "/000007.ldb")).hasSameBinaryContentAs(d2.resolve("000007.ldb"));
        try (var files = Files.list(target)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("coordinator.bin", T1, T2);
        }

        Cli kept = push("ok", "--keep-snapshot", "--json");
        assertThat(kept.exitCode()).as(kept.toString()).isZero();
        assertThat(kept.out()).contains("\"hyperdex\":{\"name\":\"nightly\"", "\"kept\":true", "\"bytesUploaded\":0");
        assertThat(d1.resolve("backup-nightly/000005.sst")).exists();
        Cli exists = push("ok");
        assertThat(exists.exitCode()).isEqualTo(2);
        assertThat(exists.err()).contains("nightly.coordinator.bin already exists");
    }

    @Test
    void failuresOfHyperDexAreClearNonZeroExits() throws Exception {
        Cli fail = push("fail");
        assertThat(fail.exitCode()).as(fail.toString()).isEqualTo(5);
        assertThat(fail.err()).contains("exited with status 1", "could not connect to the coordinator");

        Cli garbage = push("garbage");
        assertThat(garbage.exitCode()).isEqualTo(5);
        assertThat(garbage.err()).contains("unexpected line 1 'Segmentation fault (core dumped)'", "TOKEN /PATH");

        Cli noCoordinator = push("nocoord");
        assertThat(noCoordinator.exitCode()).isEqualTo(5);
        assertThat(noCoordinator.err()).contains("left no", "nightly.coordinator.bin");
        removeDaemonSnapshots();

        Cli hang = push("hang", "--hyperdex-timeout", "300ms");
        assertThat(hang.exitCode()).isEqualTo(5);
        assertThat(hang.err()).contains("did not finish within 300 ms", "set-read-write");

        standIn = dir.resolve("no-such-hyperdex").toString();
        Cli missing = push("ok");
        assertThat(missing.exitCode()).isEqualTo(5);
        assertThat(missing.err()).contains("command not found");
        assertThat(Cli.run(List.of(), "list", "-r", repo).out()).contains("No backups");
    }

    private void removeDaemonSnapshots() throws IOException {
        for (Path d : List.of(d1, d2)) {
            try (var walk = Files.walk(d.resolve("backup-nightly"))) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
