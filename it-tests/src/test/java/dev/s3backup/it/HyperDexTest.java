package dev.s3backup.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code push --hyperdex} against a stand-in {@code hyperdex} script (src/test/resources/hyperdex)
 * that behaves as a real HyperDex 1.8 cluster was seen to behave: {@code SERVER_ID IP PATH} lines
 * in id order, options before the name, a reused name failing half way, a daemon down, a hang.
 * The push runs in a child process, because the stand-in reads its cluster from the environment.
 */
class HyperDexTest {
    /** The stand-in prints servers in ascending id order: T2 first. */
    private static final String T1 = "13036267341651542609";
    private static final String T2 = "9071623461208832471";

    @TempDir
    Path dir;
    Path d1;
    Path d2;
    Path work;
    String repo;
    String standIn;
    Map<String, String> extraEnv = new HashMap<>();

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
        Files.writeString(d1.resolve("MANIFEST-000004"), "manifest");
        Files.write(d2.resolve("000007.sst"), new byte[20_000]);
        Files.writeString(d2.resolve("000008.log"), "log");
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
        env.putAll(extraEnv);
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Cli(p.exitValue(), Files.readString(dir.resolve("out")), Files.readString(dir.resolve("err")));
    }

    @Test
    void pushesEveryDaemonAndTheCoordinatorAsBackupManagerLaysThemOut() throws Exception {
        Cli run = push("ok");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains("hyperdex:", "'backup nightly' took", "2 servers", "snapshot removed");
        assertNoSnapshotLeft();

        Path target = dir.resolve("restored");
        Cli restore = Cli.run(List.of(), "restore", "-r", repo, "--manifest", "latest", "--target", target.toString());
        assertThat(restore.exitCode()).as(restore.toString()).isZero();
        assertThat(target.resolve("coordinator.bin")).hasContent("coordinator state of backup nightly");
        assertThat(target.resolve(T1 + "/000005.sst")).hasSameBinaryContentAs(d1.resolve("000005.sst"));
        assertThat(target.resolve(T1 + "/CURRENT")).hasSameTextualContentAs(d1.resolve("CURRENT"));
        assertThat(target.resolve(T2 + "/000007.sst")).hasSameBinaryContentAs(d2.resolve("000007.sst"));
        assertThat(target.resolve(T2 + "/000008.log")).hasContent("log");
        try (var files = Files.list(target)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("coordinator.bin", T1, T2);
        }

        Cli kept = push("ok", "--keep-snapshot", "--json");
        assertThat(kept.exitCode()).as(kept.toString()).isZero();
        assertThat(kept.out()).contains("\"hyperdex\":{\"name\":\"nightly\"", "\"kept\":true", "\"bytesUploaded\":0",
                "\"servers\":[\"" + T2 + "\",\"" + T1 + "\"]");
        assertThat(d1.resolve("backup-nightly/000005.sst")).exists();
        Cli exists = push("ok");
        assertThat(exists.exitCode()).isEqualTo(2);
        assertThat(exists.err()).contains("nightly.coordinator.bin already exists");
    }

    @Test
    void readsTheManualsTwoFieldFormTooAndPassesTheCoordinatorBeforeTheName() throws Exception {
        extraEnv.put("HYPERDEX_STANDIN_FORMAT", "manual");
        extraEnv.put("HYPERDEX_STANDIN_ARGS_LOG", dir.resolve("args").toString());
        Cli run = push("ok", "--hyperdex-coordinator", "127.0.0.1:1982");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(dir.resolve("args")).hasContent("-h 127.0.0.1 -p 1982 nightly");
        assertNoSnapshotLeft();
        assertThat(Cli.run(List.of(), "show", "-r", repo, "latest").out()).contains(T1, T2);

        Cli bad = push("ok", "--hyperdex-coordinator", "127.0.0.1;rm -rf /:1982");
        assertThat(bad.exitCode()).as(bad.toString()).isEqualTo(2);
        assertThat(bad.err()).contains("give HOST:PORT");
    }

    @Test
    void aReusedNameFailsHalfWayAndSaysWhatTheServersKept() throws Exception {
        Files.createDirectory(d1.resolve("backup-nightly"));
        Cli reused = push("ok");
        assertThat(reused.exitCode()).as(reused.toString()).isEqualTo(5);
        assertThat(reused.err()).contains("exited with status 1", "backup of server server(" + T1 + ") failed",
                "remove those directories");
        assertThat(work.resolve("nightly.coordinator.bin")).doesNotExist();
        assertThat(d2.resolve("backup-nightly")).as("the server done first keeps its new snapshot, as HyperDex does")
                .exists();
        assertNothingCommitted();
    }

    @Test
    void failuresOfHyperDexAreClearNonZeroExitsAndLeaveNoSnapshotBehind() throws Exception {
        Cli down = push("down");
        assertThat(down.exitCode()).as(down.toString()).isEqualTo(5);
        assertThat(down.err()).contains("exited with status 1", "communication disruption");

        for (String mode : List.of("garbage", "silent", "notdir", "twice", "nocoord")) {
            Cli run = push(mode);
            assertThat(run.exitCode()).as(mode + ": " + run).isEqualTo(5);
            assertNoSnapshotLeft();
            switch (mode) {
                case "garbage" -> assertThat(run.err()).contains("unexpected line 1 'Segmentation fault (core dumped)'",
                        "SERVER_ID IP /PATH");
                case "silent" -> assertThat(run.err()).contains("printed no server", "removed [",
                        "nightly.coordinator.bin");
                case "notdir" -> assertThat(run.err()).contains("is not a directory on this host", "removed [");
                case "twice" -> assertThat(run.err()).contains("listed twice", "removed [");
                default -> assertThat(run.err()).contains("left no", "nightly.coordinator.bin", "removed [");
            }
        }

        Cli hang = push("hang", "--hyperdex-timeout", "300ms");
        assertThat(hang.exitCode()).isEqualTo(5);
        assertThat(hang.err()).contains("did not finish within 300 ms", "unreachable coordinator", "set-read-write");

        // Fails after the snapshot was taken: the push itself refuses the sources.
        Cli push = push("ok", T1 + "=" + work);
        assertThat(push.exitCode()).as(push.toString()).isEqualTo(2);
        assertThat(push.err()).contains("removed the HyperDex snapshot nightly");
        assertNoSnapshotLeft();

        standIn = dir.resolve("no-such-hyperdex").toString();
        Cli missing = push("ok");
        assertThat(missing.exitCode()).isEqualTo(5);
        assertThat(missing.err()).contains("command not found");
        assertNothingCommitted();
    }

    @Test
    void daemonsOnOtherHostsAreRefusedWithoutABackupSetAndPushedThereWithOne() throws Exception {
        extraEnv.put("HYPERDEX_STANDIN_IPS", T1 + "=192.0.2.10");
        Cli refused = push("ok");
        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(2);
        assertThat(refused.err()).contains("server " + T1 + " (192.0.2.10 " + d1.resolve("backup-nightly") + ")",
                "run on other hosts", "--backup-set");
        assertThat(d2.resolve("backup-nightly")).doesNotExist();
        assertThat(work.resolve("nightly.coordinator.bin")).doesNotExist();
        assertNothingCommitted();
        try (var walk = Files.walk(d1.resolve("backup-nightly"))) { // what the message asks the other host to do
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }

        Cli set = push("ok", "--backup-set", "s1");
        assertThat(set.exitCode()).as(set.toString()).isZero();
        String command = "s3backup push -r " + repo + " --backup-set s1 --node " + T1 + " --set-nodes coordinator," + T1
                + " " + T1 + "=" + d1.resolve("backup-nightly");
        assertThat(set.out()).contains("waiting for [" + T1 + "]", "on 192.0.2.10: " + command + " && rm -rf ");
        assertThat(d2.resolve("backup-nightly")).doesNotExist();
        assertNothingCommitted();

        // The other host runs the printed command.
        String[] args = command.substring("s3backup ".length()).split(" ");
        Cli other = Cli.run(List.of(), args);
        assertThat(other.exitCode()).as(other.toString()).isZero();
        assertThat(other.out()).contains("set complete");
        Path target = dir.resolve("restored");
        Cli restore = Cli.run(List.of(), "restore", "-r", repo, "--manifest", "latest", "--target", target.toString());
        assertThat(restore.exitCode()).as(restore.toString()).isZero();
        assertThat(target.resolve(T1 + "/000005.sst")).hasSameBinaryContentAs(d1.resolve("000005.sst"));
        assertThat(target.resolve(T2 + "/000007.sst")).hasSameBinaryContentAs(d2.resolve("000007.sst"));
        assertThat(target.resolve("coordinator.bin")).hasContent("coordinator state of backup nightly");
    }

    private void assertNoSnapshotLeft() {
        assertThat(d1.resolve("backup-nightly")).doesNotExist();
        assertThat(d2.resolve("backup-nightly")).doesNotExist();
        assertThat(work.resolve("nightly.coordinator.bin")).doesNotExist();
    }

    private void assertNothingCommitted() {
        assertThat(Cli.run(List.of(), "list", "-r", repo).out()).contains("No backups");
    }
}
