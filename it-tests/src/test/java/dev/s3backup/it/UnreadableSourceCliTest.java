package dev.s3backup.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.cli.ExitCodes;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A source directory that can be listed but not searched (mode 644) hides the attributes of its
 * files from a non-root user: the push must fail naming the file, not commit a backup without it.
 * Root reads whatever the modes say, so the push runs in a child JVM as {@code nobody} (through
 * setpriv); as a non-root user it runs as that user; skipped with a NOTICE when neither works.
 */
class UnreadableSourceCliTest {
    private static final String NOBODY = "65534";

    @TempDir
    Path dir;
    Path repo;
    Path source;

    @BeforeEach
    void setUp() throws IOException {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        source = Files.createDirectories(dir.resolve("src/n"));
        Files.writeString(source.resolve("a.sst"), "a");
        Files.createDirectories(source.resolve("sub"));
        Files.writeString(source.resolve("sub/b.sst"), "b");
        repo = dir.resolve("repo");
        Cli init = Cli.run(List.of("--repo", repo.toUri().toString()), "init");
        assertThat(init.exitCode()).as(init.toString()).isZero();
    }

    @Test
    void aFileWhoseDirectoryCannotBeSearchedFailsThePushNamingItAndNothingIsCommitted() throws Exception {
        Files.setPosixFilePermissions(source.resolve("sub"), PosixFilePermissions.fromString("rw-r--r--"));
        try {
            Result push = pushAsUnprivilegedUser();

            assertThat(push.exitCode).as(push.output).isEqualTo(ExitCodes.USAGE);
            assertThat(push.output).contains("Cannot read " + source.resolve("sub/b.sst"), "permission denied")
                    .doesNotContain("committed");
            Cli list = Cli.run(List.of("--repo", repo.toUri().toString()), "list");
            assertThat(list.exitCode()).as(list.toString()).isZero();
            assertThat(list.out()).doesNotContainPattern("\\d{8}T\\d{6}");
        } finally {
            Files.setPosixFilePermissions(source.resolve("sub"), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void theSameSourceSearchableIsBackedUpWhole() throws Exception {
        Result push = pushAsUnprivilegedUser();

        assertThat(push.exitCode).as(push.output).isZero();
        assertThat(push.output).contains("committed").doesNotContain("skipped");
    }

    private record Result(int exitCode, String output) {
    }

    private Result pushAsUnprivilegedUser() throws IOException, InterruptedException {
        boolean root = "root".equals(System.getProperty("user.name"));
        Path setpriv = Path.of("/usr/bin/setpriv");
        if (root && !Files.isExecutable(setpriv)) {
            System.err.println("NOTICE: running as root without setpriv: the unreadable-source push test is skipped");
        }
        Assumptions.assumeTrue(!root || Files.isExecutable(setpriv), "root without setpriv");
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        List<String> cmd = new ArrayList<>();
        if (root) {
            // The child cannot read root's Maven repository: it gets a copy of the class path.
            cmd.addAll(List.of(setpriv.toString(), "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"));
            run(List.of("chown", "-R", NOBODY + ":" + NOBODY, repo.toString(), tmp.toString()));
        }
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + tmp, "-Duser.home=" + tmp,
                "-cp", root ? readableClassPath() : System.getProperty("java.class.path"),
                "dev.s3backup.cli.Main", "push", "--repo", repo.toUri().toString(), "--no-cache", "n=" + source));
        Path log = dir.resolve("push.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("push finished").isTrue();
        return new Result(p.exitValue(), Files.readString(log));
    }

    private String readableClassPath() throws IOException, InterruptedException {
        Path lib = Files.createDirectories(dir.resolve("lib"));
        List<String> entries = new ArrayList<>();
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path from = Path.of(entry);
            if (!Files.exists(from)) {
                continue;
            }
            Path to = lib.resolve(i++ + "-" + from.getFileName());
            copyTree(from, to);
            entries.add(to.toString());
        }
        run(List.of("chmod", "-R", "a+rX", lib.toString()));
        return String.join(File.pathSeparator, entries);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Files.copy(p, to.resolve(from.relativize(p).toString()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(command + ": " + out).isZero();
    }
}
