package dev.s3backup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** forget and gc on a file:// repository through the real command line. */
class GcCommandTest {
    @TempDir
    Path dir;
    String repo;
    Path repoDir;

    @BeforeEach
    void setUp() {
        repoDir = dir.resolve("repo");
        repo = repoDir.toUri().toString();
        assertThat(CliRun.of("init", "-r", repo, "--chunk-size", "64KiB").exitCode()).isZero();
    }

    private Path data(String name, long seed) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        byte[] b = new byte[300_000];
        new Random(seed).nextBytes(b);
        Files.write(d.resolve("000001.sst"), b);
        return d;
    }

    private long chunkFiles() throws IOException {
        try (Stream<Path> s = Files.walk(repoDir.resolve("chunks"))) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    private void lease(String push, long pid) throws IOException {
        Path record = Files.createDirectories(repoDir.resolve("leases").resolve(push)).resolve("000000");
        Files.writeString(record, "s3backup-lease-v1\nhost=" + java.net.InetAddress.getLocalHost().getHostName()
                + "\npid=" + pid + "\n");
    }

    /** The model test's finding N1 (issue #11): the same data could not be pushed again for 20 minutes. */
    @Test
    void theSameDataPushedAgainAfterForgetAndGcCommitsAtOnce() throws Exception {
        Path a = data("a", 1);
        assertThat(CliRun.of("push", "-r", repo, "n1=" + a).exitCode()).isZero();
        assertThat(CliRun.of("forget", "-r", repo, "--all").exitCode()).isZero();
        CliRun gc = CliRun.of("gc", "-r", repo, "--grace", "0");
        assertThat(gc.out()).contains("deleted:     5 chunk(s)");
        CliRun again = CliRun.of("push", "-r", repo, "n1=" + a);
        assertThat(again.exitCode()).as(again.toString()).isZero();
        CliRun restore = CliRun.of("restore", "-r", repo, "-m", "latest", "--target", dir.resolve("out").toString());
        assertThat(restore.exitCode()).as(restore.toString()).isZero();
        assertThat(Files.readAllBytes(dir.resolve("out/n1/000001.sst"))).isEqualTo(Files.readAllBytes(a.resolve("000001.sst")));
    }

    @Test
    void gcNamesTheLeasesThatHeldChunksAndIgnoresOneWhosePushIsDead() throws Exception {
        assertThat(CliRun.of("push", "-r", repo, "n1=" + data("a", 1)).exitCode()).isZero();
        assertThat(CliRun.of("forget", "-r", repo, "--all").exitCode()).isZero();
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        lease("00000000000000aa", gone.pid());
        lease("00000000000000bb", ProcessHandle.current().pid());

        CliRun held = CliRun.of("gc", "-r", repo, "--grace", "0");
        assertThat(held.exitCode()).as(held.toString()).isZero();
        assertThat(held.out()).contains("(grace, and 1 push(es) in progress)", "held:        5 unreferenced chunk(s)",
                "lease:       00000000000000aa  dead (its process on this host is gone; holds nothing)",
                "lease:       00000000000000bb  live  host ", "pid " + ProcessHandle.current().pid(),
                "holds 5 chunk(s)", "deleted:     0 chunk(s)");

        Files.delete(repoDir.resolve("leases/00000000000000bb/000000"));
        CliRun freed = CliRun.of("gc", "-r", repo, "--grace", "0", "--json");
        assertThat(freed.exitCode()).as(freed.toString()).isZero();
        assertThat(freed.out()).contains("\"livePushes\":0", "\"heldByLeases\":0", "\"deleted\":5",
                "\"leases\":[{\"push\":\"00000000000000aa\",\"state\":\"dead\"", "\"pid\":" + gone.pid());
    }

    @Test
    void forgetThenGcFreesTheForgottenBackupsChunksAndTheRestStillRestores() throws Exception {
        assertThat(CliRun.of("push", "-r", repo, "--name", "db", "n1=" + data("a", 1)).exitCode()).isZero();
        CliRun second = CliRun.of("push", "-r", repo, "--name", "db", "n1=" + data("b", 2));
        assertThat(second.exitCode()).as(second.toString()).isZero();
        long before = chunkFiles();

        CliRun dry = CliRun.of("forget", "-r", repo, "--keep-last", "1", "--dry-run");
        assertThat(dry.exitCode()).as(dry.toString()).isZero();
        assertThat(dry.out()).contains("Dry run", "keep", "forget", "last 1", "requests:");

        CliRun forget = CliRun.of("forget", "-r", repo, "--keep-last", "1", "--json");
        assertThat(forget.exitCode()).as(forget.toString()).isZero();
        assertThat(forget.out()).contains("\"forgotten\":1", "\"delete\":1");

        CliRun gcDry = CliRun.of("gc", "-r", repo, "--grace", "0", "--dry-run");
        assertThat(gcDry.exitCode()).as(gcDry.toString()).isZero();
        assertThat(gcDry.out()).contains("would be deleted", "requests:");
        assertThat(chunkFiles()).isEqualTo(before);

        CliRun gc = CliRun.of("gc", "-r", repo, "--grace", "0", "--json");
        assertThat(gc.exitCode()).as(gc.toString()).isZero();
        assertThat(gc.out()).contains("\"deleted\":5", "\"bytesFreed\":300000", "\"complete\":true");
        assertThat(chunkFiles()).isEqualTo(before - 5);

        CliRun again = CliRun.of("gc", "-r", repo, "--grace", "0");
        assertThat(again.exitCode()).isZero();
        assertThat(again.out()).contains("deleted:     0 chunk(s)");

        CliRun restore = CliRun.of("restore", "-r", repo, "--manifest", "latest", "--target", dir.resolve("out").toString());
        assertThat(restore.exitCode()).as(restore.toString()).isZero();
        assertThat(Files.readAllBytes(dir.resolve("out/n1/000001.sst")))
                .isEqualTo(Files.readAllBytes(dir.resolve("b/000001.sst")));
    }

    @Test
    void theDefaultGracePeriodKeepsFreshGarbage() throws Exception {
        assertThat(CliRun.of("push", "-r", repo, "n1=" + data("a", 1)).exitCode()).isZero();
        assertThat(CliRun.of("forget", "-r", repo, "--all").exitCode()).isZero();
        CliRun gc = CliRun.of("gc", "-r", repo);
        assertThat(gc.exitCode()).isZero();
        assertThat(gc.out()).contains("garbage:     0 chunk(s)");
    }

    @Test
    void aPolicyWithoutKeepRulesIsAUsageError() {
        CliRun run = CliRun.of("forget", "-r", repo);
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("without a keep rule", "--all");
    }

    @Test
    void gcRefusesToSweepWhenAManifestIsDamagedAndNamesIt() throws Exception {
        assertThat(CliRun.of("push", "-r", repo, "n1=" + data("a", 1)).exitCode()).isZero();
        Path manifest;
        try (Stream<Path> s = Files.list(repoDir.resolve("manifests"))) {
            manifest = s.findFirst().orElseThrow();
        }
        Files.write(manifest, new byte[] {1, 2, 3});
        CliRun gc = CliRun.of("gc", "-r", repo, "--grace", "0");
        assertThat(gc.exitCode()).isEqualTo(ExitCodes.INTEGRITY);
        assertThat(gc.err()).contains("backup " + manifest.getFileName(), "swept nothing");
        assertThat(chunkFiles()).isEqualTo(5);

        CliRun forget = CliRun.of("forget", "-r", repo, "--keep-last", "1");
        assertThat(forget.exitCode()).isEqualTo(ExitCodes.INTEGRITY);
        assertThat(forget.err()).contains("kept backup " + manifest.getFileName());
    }
}
