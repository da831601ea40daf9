package dev.s3backup.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Installs the built .deb on this machine with apt-get, runs init, push and restore on a file://
 * repository with the installed /usr/bin/s3backup, finds its man page and completion, and removes
 * the package again, leaving nothing behind. Needs root and apt-get; skipped with a NOTICE
 * elsewhere, and where an s3backup package is already installed (it is not ours to replace).
 */
class DebPackageTest {
    @TempDir
    Path dir;

    @Test
    void installsRunsAndRemovesCleanly() throws Exception {
        Path deb = Shell.cliTarget().resolve("s3backup_" + Shell.version() + "_all.deb");
        assertThat(deb).as("built by the cli module's package phase").exists();
        boolean root = "root".equals(System.getProperty("user.name"));
        boolean apt = Files.isExecutable(Path.of("/usr/bin/apt-get")) && Files.isExecutable(Path.of("/usr/bin/dpkg"));
        boolean installed = apt && Shell.run("dpkg", "-s", "s3backup").output().contains("Status: install ok installed");
        if (!root || !apt || installed) {
            System.err.println("NOTICE: " + (installed ? "an s3backup package is already installed"
                    : "not root or no apt-get") + ": the .deb install test is skipped");
        }
        Assumptions.assumeTrue(root && apt && !installed, "root, apt-get and no s3backup package installed");

        Map<String, String> aptEnv = Map.of("DEBIAN_FRONTEND", "noninteractive");
        try {
            Shell install = Shell.run(aptEnv, "apt-get", "install", "-y", "-q", "--no-install-recommends", deb.toString());
            assertThat(install.exitCode()).as(install.toString()).isZero();

            Path data = SampleData.create(dir.resolve("data"), 15);
            Map<String, String> env = Map.of("S3BACKUP_REPO", dir.resolve("repo").toUri().toString(), "HOME", dir.toString());
            String s3backup = "/usr/bin/s3backup";
            Shell version = Shell.run(env, s3backup, "--version");
            assertThat(version.exitCode()).as(version.toString()).isZero();
            assertThat(version.output()).contains("s3backup " + Shell.version());
            String[] sources = {data.resolve(SampleData.NODE_A).toString(), data.resolve(SampleData.NODE_B).toString(),
                data.resolve("coordinator.bin").toString()};
            String[] push = prepend("push", prepend("--name", prepend("demo", sources)));
            for (String[] args : new String[][] {{"init"}, push, push, {"list"},
                {"restore", "--manifest", "latest", "--target", dir.resolve("restored").toString()}}) {
                Shell run = Shell.run(env, prepend(s3backup, args));
                assertThat(run.exitCode()).as(String.join(" ", args) + ": " + run).isZero();
            }
            TreeAssert.assertSameTree(data, dir.resolve("restored"));

            Shell man = Shell.run("man", "-w", "s3backup-push");
            assertThat(man.exitCode()).as(man.toString()).isZero();
            assertThat(man.output().strip()).isEqualTo("/usr/share/man/man1/s3backup-push.1.gz");
            assertThat(Path.of("/usr/share/bash-completion/completions/s3backup")).content().contains("complete -F");
            // the start-up archive postinst made as root, for every user
            try (var files = Files.list(Path.of("/usr/share/s3backup/lib"))) {
                assertThat(files.map(f -> f.getFileName().toString())).containsAnyOf("s3backup.jsa", "s3backup.aot");
            }
        } finally {
            Shell remove = Shell.run(aptEnv, "apt-get", "remove", "-y", "-q", "s3backup");
            assertThat(remove.exitCode()).as(remove.toString()).isZero();
        }
        assertThat(Path.of("/usr/share/s3backup")).doesNotExist();
        assertThat(Path.of("/usr/bin/s3backup")).doesNotExist();
        assertThat(Path.of("/usr/share/man/man1/s3backup-push.1.gz")).doesNotExist();
        assertThat(Path.of("/usr/share/bash-completion/completions/s3backup")).doesNotExist();
    }

    private static String[] prepend(String first, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }
}
