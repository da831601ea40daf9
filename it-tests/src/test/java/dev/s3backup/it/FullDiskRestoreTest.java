package dev.s3backup.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.cli.ExitCodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restore onto a disk that really fills up: a 3 MiB tmpfs receives an 8 MiB backup. The restore
 * must exit 5 naming the full disk, leave no file with wrong content under its final name and no
 * temporary {@code .NAME.s3backup-partial*} file. Needs permission to mount (root on Linux);
 * skipped with a NOTICE elsewhere.
 */
class FullDiskRestoreTest {
    private static final String TMPFS_SIZE = "3m";

    @TempDir
    Path dir;
    Path disk;
    boolean mounted;
    Path data;
    List<String> conn;

    @BeforeEach
    void setUp() throws IOException, InterruptedException {
        disk = Files.createDirectories(dir.resolve("disk"));
        String why = run("mount", "-t", "tmpfs", "-o", "size=" + TMPFS_SIZE, "tmpfs", disk.toString());
        if (why != null) {
            System.err.println("NOTICE: cannot mount a tmpfs (" + why + "): full-disk restore test skipped "
                    + "(it needs root on Linux)");
        }
        Assumptions.assumeTrue(why == null, "cannot mount a tmpfs: full-disk restore test skipped");
        mounted = true;

        // Three files of 2-3 MiB (each fits alone, not all together) and a few small ones.
        data = Files.createDirectories(dir.resolve("data"));
        Random random = new Random(42);
        for (int i = 1; i <= 3; i++) {
            write(data.resolve("00000" + i + ".sst"), random, (2 << 20) + i * 300_000);
        }
        Files.writeString(data.resolve("CURRENT"), "MANIFEST-000004\n");
        write(data.resolve("MANIFEST-000004"), random, 1500);
        write(data.resolve("OPTIONS-000005"), random, 7000);

        conn = List.of("--repo", dir.resolve("repo").toUri().toString());
        Cli init = Cli.run(conn, "init", "--chunk-size", "1MiB");
        assertThat(init.exitCode()).as(init.toString()).isZero();
        Cli push = Cli.run(conn, "push", "n1=" + data);
        assertThat(push.exitCode()).as(push.toString()).isZero();
    }

    @AfterEach
    void unmount() throws IOException, InterruptedException {
        if (mounted && run("umount", disk.toString()) != null) {
            // Something still holds it open: detach it so the temporary directory can go.
            run("umount", "-l", disk.toString());
        }
    }

    @Test
    void aRestoreOntoAFullDiskExitsFiveAndLeavesNoWrongOrPartialFile() throws IOException {
        Path target = disk.resolve("target");
        Cli restore = Cli.run(conn, "restore", "--manifest", "latest", "--target", target.toString());

        assertThat(restore.exitCode()).as(restore.toString()).isEqualTo(ExitCodes.IO);
        assertThat(restore.err()).as(restore.toString()).contains("the disk is full (No space left on device)")
                .contains("could not be restored; they are absent from the target", "rerun with --delta");
        List<Path> files = regularFiles(target);
        assertThat(files).as("files left on the full disk").noneMatch(p -> p.getFileName().toString().contains(".s3backup-partial"));
        for (Path file : files) {
            Path rel = target.resolve("n1").relativize(file);
            assertThat(file).as(rel.toString()).hasSameBinaryContentAs(data.resolve(rel.toString()));
        }
        // Not every file fits: some must be missing, or the disk was not full.
        assertThat(files).hasSizeLessThan(6);
    }

    @Test
    void aDrillOntoADiskTooSmallSaysSoAndLeavesNothing() throws IOException {
        Cli drill = Cli.run(conn, "drill", "--temp-dir", disk.toString());

        assertThat(drill.exitCode()).as(drill.toString()).isEqualTo(ExitCodes.IO);
        assertThat(drill.out() + drill.err()).as(drill.toString()).contains("free", "needs about");
        assertThat(regularFiles(disk)).as("files left on the small disk").isEmpty();
    }

    private static List<Path> regularFiles(Path root) throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList();
        }
    }

    private static void write(Path file, Random random, int size) throws IOException {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        Files.write(file, bytes);
    }

    /** Runs a system command; null if it succeeded, else why not. */
    private static String run(String... command) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return e.getMessage();
        }
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return String.join(" ", command) + " timed out";
        }
        String output = new String(p.getInputStream().readAllBytes()).strip();
        return p.exitValue() == 0 ? null : String.join(" ", command) + ": exit " + p.exitValue() + " " + output;
    }
}
