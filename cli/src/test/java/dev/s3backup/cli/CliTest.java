package dev.s3backup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line on a file:// repository: exit codes, output formats, messages. */
class CliTest {
    @TempDir
    Path dir;
    Path data;
    String repo;

    @BeforeEach
    void setUp() throws IOException {
        data = dir.resolve("data");
        Files.createDirectories(data.resolve("node1"));
        byte[] sst = new byte[300_000];
        new Random(7).nextBytes(sst);
        Files.write(data.resolve("node1/000001.sst"), sst);
        Files.writeString(data.resolve("node1/CURRENT"), "MANIFEST-000001\n");
        Files.writeString(data.resolve("coordinator.bin"), "coordinator state");
        repo = dir.resolve("repo").toUri().toString();
    }

    @Test
    void helpListsEveryCommandAndTheExitCodes() {
        CliRun run = CliRun.of("--help");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("init", "push", "restore", "list", "show", "Exit codes", "integrity failure");
        for (String command : new String[] {"init", "push", "restore", "list", "show"}) {
            CliRun sub = CliRun.of(command, "--help");
            assertThat(sub.exitCode()).as(command).isZero();
            assertThat(sub.out()).as(command).contains("--repo", "Exit codes");
        }
    }

    @Test
    void versionPrintsTheProjectVersion() {
        CliRun run = CliRun.of("--version");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("s3backup ").doesNotContain("${project.version}");
    }

    @Test
    void pushTwiceThenRestoreRoundTrips() throws IOException {
        assertThat(CliRun.of("init", "-r", repo).exitCode()).isZero();
        CliRun first = CliRun.of("push", "-r", repo, "--json", data.resolve("node1").toString(),
                data.resolve("coordinator.bin").toString());
        assertThat(first.exitCode()).as(first.toString()).isZero();
        long expected = 300_000 + "MANIFEST-000001\n".length() + "coordinator state".length();
        // the SST has a chunk of its own; CURRENT and coordinator.bin share one pack
        assertThat(first.out()).contains("\"bytesUploaded\":" + expected, "\"chunksNew\":2", "\"retries\":0");
        CliRun second = CliRun.of("push", "-r", repo, data.resolve("node1").toString(),
                data.resolve("coordinator.bin").toString());
        assertThat(second.exitCode()).as(second.toString()).isZero();
        assertThat(second.out()).contains("bytes uploaded: 0 B", "0 new, 2 reused; 3 reference(s)", "requests:", "; retries: 0");

        Path target = dir.resolve("restored");
        CliRun restore = CliRun.of("restore", "-r", repo, "--manifest", "latest", "--target", target.toString());
        assertThat(restore.exitCode()).as(restore.toString()).isZero();
        assertThat(target.resolve("node1/000001.sst")).hasSameBinaryContentAs(data.resolve("node1/000001.sst"));
        assertThat(target.resolve("coordinator.bin")).hasSameTextualContentAs(data.resolve("coordinator.bin"));

        CliRun list = CliRun.of("list", "-r", repo, "--json");
        assertThat(list.exitCode()).isZero();
        assertThat(list.out()).startsWith("[{").contains("\"files\":3");
        CliRun show = CliRun.of("show", "-r", repo, "latest", "--files");
        assertThat(show.exitCode()).isZero();
        assertThat(show.out()).contains("node1/000001.sst", "coordinator.bin");
    }

    @Test
    void aBackupWithLinksPointingOutsideRestoresVerifiesAndDrillsAndPushCountsThem() throws IOException {
        Path node = data.resolve("node1");
        Files.createSymbolicLink(node.resolve("abs-link"), Path.of("/etc/passwd"));
        Files.createSymbolicLink(node.resolve("up-link"), Path.of("../../outside"));
        assertThat(CliRun.of("init", "-r", repo).exitCode()).isZero();

        CliRun push = CliRun.of("push", "-r", repo, "n1=" + node);
        assertThat(push.exitCode()).as(push.toString()).isZero();
        assertThat(push.out()).contains("2 symlinks, 2 pointing outside their source");
        CliRun json = CliRun.of("push", "-r", repo, "--json", "n1=" + node);
        assertThat(json.out()).as(json.toString()).contains("\"symlinksOutside\":2");

        CliRun verify = CliRun.of("verify", "-r", repo, "--read-data");
        assertThat(verify.exitCode()).as(verify.toString()).isZero();
        for (String[] extra : new String[][] {{}, {"--node", "n1"}}) {
            Path target = dir.resolve("restored" + extra.length);
            List<String> args = new java.util.ArrayList<>(List.of("restore", "-r", repo, "--manifest", "latest",
                    "--target", target.toString()));
            args.addAll(List.of(extra));
            CliRun restore = CliRun.of(args.toArray(String[]::new));
            assertThat(restore.exitCode()).as(restore.toString()).isZero();
            assertThat(Files.readSymbolicLink(target.resolve("n1/abs-link"))).isEqualTo(Path.of("/etc/passwd"));
            assertThat(Files.readSymbolicLink(target.resolve("n1/up-link"))).isEqualTo(Path.of("../../outside"));
        }
        Path temp = Files.createDirectories(dir.resolve("drill-tmp"));
        CliRun drill = CliRun.of("drill", "-r", repo, "--temp-dir", temp.toString());
        assertThat(drill.exitCode()).as(drill.toString()).isZero();
        assertThat(Path.of("/etc/passwd")).exists();
    }

    @Test
    void missingRepositoryOptionIsAUsageError() {
        CliRun run = CliRun.of("list");
        if (System.getenv("S3BACKUP_REPO") == null) {
            assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
            assertThat(run.err()).contains("Missing repository");
        }
    }

    @Test
    void unknownOptionIsAUsageError() {
        CliRun run = CliRun.of("push", "--no-such-option");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("usage error");
    }

    @Test
    void missingRepositoryIsNotFoundWithAHint() {
        CliRun run = CliRun.of("list", "-r", dir.resolve("nowhere").toUri().toString());
        assertThat(run.exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(run.err()).contains("s3backup init").doesNotContain("Exception", "\tat ");
    }

    @Test
    void initTwiceIsRefused() {
        assertThat(CliRun.of("init", "-r", repo).exitCode()).isZero();
        CliRun again = CliRun.of("init", "-r", repo);
        assertThat(again.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(again.err()).contains("already exists");
    }

    @Test
    void missingSourceIsAUsageErrorAndCommitsNothing() {
        CliRun.of("init", "-r", repo);
        CliRun run = CliRun.of("push", "-r", repo, dir.resolve("no-such-dir").toString());
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("no-such-dir", "no such file or directory");
        assertThat(CliRun.of("list", "-r", repo).out()).contains("No backups");
    }

    @Test
    void unknownBackupIsNotFound() {
        CliRun.of("init", "-r", repo);
        CliRun run = CliRun.of("restore", "-r", repo, "--manifest", "20200101T000000.000Z-00000000",
                "--target", dir.resolve("t").toString());
        assertThat(run.exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(run.err()).contains("20200101T000000.000Z-00000000", "s3backup list");
    }

    @Test
    void nonEmptyTargetIsRefused() throws IOException {
        CliRun.of("init", "-r", repo);
        CliRun.of("push", "-r", repo, data.resolve("node1").toString());
        Path target = Files.createDirectories(dir.resolve("busy"));
        Files.writeString(target.resolve("keep.txt"), "mine");
        CliRun run = CliRun.of("restore", "-r", repo, "-m", "latest", "-t", target.toString());
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("not empty", "--force");
        try (Stream<Path> files = Files.list(target)) {
            assertThat(files).containsExactly(target.resolve("keep.txt"));
        }
    }

    @Test
    void corruptChunkFailsRestoreWithIntegrityCodeNamingTheFile() throws IOException {
        CliRun.of("init", "-r", repo);
        CliRun.of("push", "-r", repo, data.resolve("node1").toString());
        Path chunks = dir.resolve("repo/chunks");
        Path biggest;
        try (Stream<Path> files = Files.walk(chunks)) {
            biggest = files.filter(Files::isRegularFile).max((a, b) -> Long.compare(a.toFile().length(), b.toFile().length()))
                    .orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(biggest);
        bytes[bytes.length / 2] ^= 1;
        biggest.toFile().setWritable(true);
        Files.write(biggest, bytes);
        Path target = dir.resolve("restored");
        CliRun run = CliRun.of("restore", "-r", repo, "-m", "latest", "-t", target.toString());
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.INTEGRITY);
        assertThat(run.err()).contains("node1/000001.sst", "corrupt");
        assertThat(target.resolve("node1/000001.sst")).doesNotExist();
        assertThat(target.resolve("node1/CURRENT")).exists();
    }

    @Test
    void debugShowsTheStackTraceOtherwiseNot() {
        String nowhere = dir.resolve("nowhere").toUri().toString();
        assertThat(CliRun.of("list", "-r", nowhere).err()).doesNotContain("\tat ");
        assertThat(CliRun.of("list", "--debug", "-r", nowhere).err()).contains("\tat ");
    }

    @Test
    void zeroOrNegativeLimitsAreUsageErrors() {
        CliRun.of("init", "-r", repo);
        for (String[] bad : new String[][] {{"push", "--limit-upload", "0"}, {"list", "--limit-download", "-5MiB"},
            {"list", "--limit-requests", "0"}, {"push", "--limit-upload", "fast"}}) {
            CliRun run = bad[0].equals("push") ? CliRun.of("push", "-r", repo, bad[1], bad[2], "n1=" + data.resolve("node1"))
                    : CliRun.of(bad[0], "-r", repo, bad[1], bad[2]);
            assertThat(run.exitCode()).as(String.join(" ", bad)).isEqualTo(ExitCodes.USAGE);
            assertThat(run.err()).contains(bad[1]);
        }
        assertThat(CliRun.of("list", "-r", repo, "--limit-download", "10MiB", "--limit-requests", "50").exitCode()).isZero();
    }

    @Test
    void cdsTrainingRunsCleanlyAndStaysOutOfHelp() {
        CliRun run = CliRun.of("cds-training");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(CliRun.of("--help").out()).doesNotContain("cds-training");
    }

    @Test
    void deltaRestoreFetchesOnlyWhatDiffers() throws IOException {
        CliRun.of("init", "-r", repo);
        CliRun.of("push", "-r", repo, data.resolve("node1").toString(), data.resolve("coordinator.bin").toString());
        Path target = dir.resolve("restored");
        assertThat(CliRun.of("restore", "-r", repo, "-m", "latest", "-t", target.toString()).exitCode()).isZero();
        Files.writeString(target.resolve("node1/CURRENT"), "MANIFEST-999999\n"); // damaged since
        Files.writeString(target.resolve("extra.txt"), "not in the backup");

        CliRun delta = CliRun.of("restore", "-r", repo, "-m", "latest", "-t", target.toString(), "--delta", "--json");
        assertThat(delta.exitCode()).as(delta.toString()).isZero();
        assertThat(delta.out()).contains("\"filesKept\":2", "\"bytesWritten\":16");
        assertThat(target.resolve("node1/CURRENT")).hasContent("MANIFEST-000001\n");
        assertThat(target.resolve("extra.txt")).exists();
    }
}
