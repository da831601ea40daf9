package dev.s3backup.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher as users meet it: unpacked from the tarball and linked onto the PATH, and refusing
 * clearly (exit 3) when there is no Java or one older than 17.
 */
class LauncherTest {
    @TempDir
    Path dir;

    @Test
    void theTarballRunsThroughASymlinkOnThePath() throws Exception {
        Path tarball = Shell.cliTarget().resolve("s3backup-" + Shell.version() + ".tar.gz");
        assertThat(tarball).as("built by the cli module's package phase").exists();
        Shell untar = Shell.run("tar", "-xzf", tarball.toString(), "-C", dir.toString());
        assertThat(untar.exitCode()).as(untar.toString()).isZero();
        Path home = dir.resolve("s3backup-" + Shell.version());
        Path onPath = Files.createDirectories(dir.resolve("path"));
        Files.createSymbolicLink(onPath.resolve("s3backup"), home.resolve("bin/s3backup"));
        Map<String, String> env = Map.of("PATH", onPath + ":" + System.getenv("PATH"), "HOME", dir.toString(),
                "S3BACKUP_REPO", dir.resolve("repo").toUri().toString());

        Shell version = Shell.run(env, "sh", "-c", "s3backup --version");
        assertThat(version.exitCode()).as(version.toString()).isZero();
        assertThat(version.output()).contains("s3backup " + Shell.version() + " (commit ").contains(", built 20");
        assertThat(version.output()).as("the JVM's own lines stay out of the output").doesNotContain("directives");
        // the JIT directives shipped beside the jar are read (JAVA_OPTS brings the JVM's line back)
        assertThat(home.resolve("share/s3backup/lib/s3backup-jit.json")).isNotEmptyFile();
        Shell jit = Shell.run(env, "sh", "-c", "JAVA_OPTS=-XX:+DisplayVMOutput s3backup --version");
        assertThat(jit.exitCode()).as(jit.toString()).isZero();
        assertThat(jit.output()).contains("2 compiler directives added");
        // the start-up archive, made at the first run beside the jar (this tree is writable)
        try (var files = Files.list(home.resolve("share/s3backup/lib"))) {
            assertThat(files.map(f -> f.getFileName().toString())).containsAnyOf("s3backup.jsa", "s3backup.aot");
        }
        Shell init = Shell.run(env, "sh", "-c", "s3backup init && s3backup list");
        assertThat(init.exitCode()).as(init.toString()).isZero();
        assertThat(init.output()).contains("Created repository");

        assertThat(home.resolve("share/man/man1/s3backup-push.1.gz")).isNotEmptyFile();
        // s3backup pu<TAB> and push --stor<TAB>, as bash calls the completion function
        Path completion = home.resolve("share/bash-completion/completions/s3backup");
        for (String[] typed : new String[][] {{"pu", "push"}, {"push --stor", "--storage-class"}}) {
            String line = "s3backup " + typed[0];
            String[] words = line.split(" ");
            Shell complete = Shell.run("bash", "-c", "source \"$0\"; COMP_WORDS=(" + line + "); COMP_CWORD="
                    + (words.length - 1) + "; COMP_LINE='" + line + "'; COMP_POINT=" + line.length()
                    + "; _complete_s3backup s3backup " + words[words.length - 1] + " " + words[words.length - 2]
                    + " 2>/dev/null; echo \"[${COMPREPLY[*]}]\"", completion.toString());
            assertThat(complete.output()).as(line).contains("[" + typed[1] + "]");
        }
        assertThat(home.resolve("share/s3backup/completion.zsh")).content().contains("bashcompinit");
    }

    @Test
    void aJavaThatDoesNotRunIsRefused() throws Exception {
        Shell run = launch(Map.of("JAVA", "/bin/false"));
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(3);
        assertThat(run.output()).contains("s3backup: cannot run Java").contains("Java 17 or newer");
    }

    @Test
    void aJavaOlderThan17IsRefused() throws Exception {
        for (String old : new String[] {"11.0.22", "1.8.0_392"}) {
            Path java = dir.resolve(old + "/bin/java");
            Files.createDirectories(java.getParent());
            Files.writeString(java, "#!/bin/sh\necho 'openjdk version \"" + old + "\" 2024-01-16' >&2\n");
            Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));

            Shell run = launch(Map.of("JAVA", java.toString()));
            assertThat(run.exitCode()).as(run.toString()).isEqualTo(3);
            assertThat(run.output()).contains("is Java " + old + "; s3backup needs Java 17 or newer");
        }
    }

    @Test
    void noJavaAtAllIsRefused() throws Exception {
        // a PATH with the tools the launcher uses, and no java
        Path tools = Files.createDirectories(dir.resolve("tools"));
        for (String tool : new String[] {"dirname", "readlink", "sed", "head", "cut", "cksum", "mkdir", "rm"}) {
            Path real = Path.of("/usr/bin", tool);
            Files.copy(Files.exists(real) ? real : Path.of("/bin", tool), tools.resolve(tool),
                    java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
        Shell run = launch(Map.of("PATH", tools.toString(), "JAVA", "", "JAVA_HOME", ""));
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(3);
        assertThat(run.output()).contains("s3backup: cannot find Java: install Java 17 or newer");
    }

    @Test
    void aMissingJarIsNamed() throws Exception {
        Shell run = launch(Map.of("S3BACKUP_JAR", dir.resolve("nowhere.jar").toString()));
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(3);
        assertThat(run.output()).contains("cannot find " + dir.resolve("nowhere.jar"));
    }

    /**
     * The start-up archive (issue #13) is recorded at the first run, reused by the next, and remade
     * when the jar changes, even into a file older than the archive (a copy that kept its time), since
     * the JVM would ignore a stale one silently and every run would start slowly.
     */
    @Test
    void theStartUpArchiveIsMadeOnceReusedAndRemadeForAChangedJar() throws Exception {
        Path jar = copyOfTheJar();
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path archive = jar.resolveSibling("s3backup.jsa");

        assertArchiveMadeAndUsed(javaBin, jar, archive);
        Object made = Files.getAttribute(archive, "unix:ino");
        assertArchiveMadeAndUsed(javaBin, jar, archive);
        assertThat(Files.getAttribute(archive, "unix:ino")).as("reused, not recorded again").isEqualTo(made);

        // the same bytes written again, with a time older than the archive's: a new jar all the same
        Files.write(jar, Files.readAllBytes(jar));
        Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(
                Files.getLastModifiedTime(archive).toMillis() - 86_400_000L));
        assertArchiveMadeAndUsed(javaBin, jar, archive);
        assertThat(Files.getAttribute(archive, "unix:ino")).as("recorded again").isNotEqualTo(made);
    }

    /** Java 25 and newer get an AOT cache (JEP 483/514), made and used the same way. */
    @Test
    void java25GetsAnAotCache() throws Exception {
        Path jdk = java25OrNewer();
        if (jdk == null) {
            System.err.println("NOTICE: no Java 25 or newer under /usr/lib/jvm: the AOT cache test is skipped");
        }
        Assumptions.assumeTrue(jdk != null, "no Java 25 or newer");
        Path jar = copyOfTheJar();
        assertArchiveMadeAndUsed(jdk.resolve("bin/java").toString(), jar, jar.resolveSibling("s3backup.aot"));
    }

    private Path copyOfTheJar() throws IOException {
        Path lib = Files.createDirectories(dir.resolve("lib"));
        return Files.copy(Path.of(System.getProperty("s3backup.cli.jar")), lib.resolve("s3backup.jar"));
    }

    /** Runs --version through the launcher and checks that s3backup's own classes came from {@code archive}. */
    private void assertArchiveMadeAndUsed(String javaBin, Path jar, Path archive) throws Exception {
        Shell run = Shell.run(Map.of("S3BACKUP_JAR", jar.toString(), "JAVA", javaBin, "HOME", dir.toString(),
                "JAVA_OPTS", "-Xlog:class+load=info"), "/bin/sh", System.getProperty("s3backup.launcher"), "--version");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(archive).isNotEmptyFile();
        assertThat(archive.resolveSibling(archive.getFileName() + ".id")).isNotEmptyFile();
        assertThat(run.output().lines().filter(l -> l.contains(" dev.s3backup.cli.Main ")).toList())
                .as(run.output()).hasSize(1).allMatch(l -> l.contains("shared objects file"));
        try (var files = Files.list(archive.getParent())) {
            assertThat(files.map(f -> f.getFileName().toString())).as("no temporary files left")
                    .noneMatch(n -> n.endsWith(".tmp") || n.endsWith(".config"));
        }
    }

    private static Path java25OrNewer() throws IOException {
        try (var jdks = Files.list(Path.of("/usr/lib/jvm"))) {
            for (Path jdk : jdks.sorted().toList()) {
                Path release = jdk.resolve("release");
                if (Files.isRegularFile(release) && Files.isExecutable(jdk.resolve("bin/java"))) {
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("JAVA_VERSION=\"(\\d+)")
                            .matcher(Files.readString(release));
                    if (m.find() && Integer.parseInt(m.group(1)) >= 25) {
                        return jdk;
                    }
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
        return null;
    }

    /** The clone's bin/s3backup, which must say no before any JVM runs. */
    private Shell launch(Map<String, String> env) throws IOException, InterruptedException {
        Map<String, String> all = new java.util.HashMap<>(Map.of("S3BACKUP_JAR", System.getProperty("s3backup.cli.jar"),
                "HOME", dir.toString()));
        all.putAll(env);
        return Shell.run(all, "/bin/sh", System.getProperty("s3backup.launcher"), "--version");
    }
}
