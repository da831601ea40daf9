package dev.s3backup.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Nodes on several hosts: one process per host pushes its own node of a backup set. */
class BackupSetTest {
    @TempDir
    Path dir;
    String repo;

    @BeforeEach
    void setUp() throws IOException {
        repo = dir.resolve("repo").toUri().toString();
        assertThat(Cli.run(List.of(), "init", "-r", repo).exitCode()).isZero();
        for (String n : List.of("n1", "n2", "n3")) {
            Path d = dir.resolve("host-" + n);
            Files.createDirectories(d);
            Files.write(d.resolve("000001.sst"), (n + " sst").repeat(1000).getBytes());
            Files.writeString(d.resolve("CURRENT"), n);
        }
    }

    private Process host(String set, String node, String... extra) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.s3backup.cli.Main", "push", "-r", repo,
                "--no-cache", "--backup-set", set, "--node", node, "--set-nodes", "n1,n2,n3"));
        cmd.addAll(List.of(extra));
        cmd.add(node + "=" + dir.resolve("host-" + node));
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve(set + "-" + node + ".out").toFile()).start();
    }

    private String finish(Process p, String set, String node) throws Exception {
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = Files.readString(dir.resolve(set + "-" + node + ".out"));
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    @Test
    void aSetBecomesOneBackupOnlyWhenEveryHostHasPushed() throws Exception {
        // two hosts at once; the third never arrives for set "tuesday"
        Process a = host("monday", "n1");
        Process b = host("monday", "n2");
        Process c = host("tuesday", "n1");
        finish(a, "monday", "n1");
        finish(b, "monday", "n2");
        assertThat(finish(c, "tuesday", "n1")).contains("waiting for [n2, n3]");

        assertThat(Cli.run(List.of(), "list", "-r", repo).out()).contains("No backups");
        Cli sets = Cli.run(List.of(), "backup-sets", "-r", repo);
        assertThat(sets.out()).contains("monday", "INCOMPLETE", "missing [n3]", "tuesday", "missing [n2, n3]");

        // the last host completes the set; two hosts racing for the completion write one backup
        Process last = host("monday", "n3");
        String out = finish(last, "monday", "n3");
        assertThat(out).contains("set complete: backup");
        Cli complete = Cli.run(List.of(), "backup-sets", "-r", repo, "--complete", "--json");
        assertThat(complete.out()).contains("\"id\":\"monday\",\"complete\":true", "\"id\":\"tuesday\",\"complete\":false");
        Cli list = Cli.run(List.of(), "list", "-r", repo, "--json");
        assertThat(list.out().split("\"id\"", -1)).hasSize(2);
        assertThat(list.out()).contains("\"nodes\":[\"n1\",\"n2\",\"n3\"]");

        Path target = dir.resolve("restored");
        Cli restore = Cli.run(List.of(), "restore", "-r", repo, "--manifest", "latest", "--target", target.toString());
        assertThat(restore.exitCode()).as(restore.toString()).isZero();
        for (String n : List.of("n1", "n2", "n3")) {
            assertThat(target.resolve(n + "/000001.sst")).hasSameBinaryContentAs(dir.resolve("host-" + n + "/000001.sst"));
        }

        Process again = host("monday", "n2");
        assertThat(again.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(again.exitValue()).isEqualTo(2);
        assertThat(Files.readString(dir.resolve("monday-n2.out"))).contains("already committed");
        Cli wrongNodes = Cli.run(List.of(), "push", "-r", repo, "--backup-set", "monday", "--node", "n4",
                "--set-nodes", "n1,n4", "n4=" + dir.resolve("host-n1"));
        assertThat(wrongNodes.exitCode()).isEqualTo(2);
        assertThat(wrongNodes.err()).contains("was started with nodes [n1, n2, n3]");
    }

    @Test
    void aForgottenSetIsNeverCommittedAgain() throws Exception {
        for (String n : List.of("n1", "n2", "n3")) {
            finish(host("friday", n), "friday", n);
        }
        Cli forget = Cli.run(List.of(), "forget", "-r", repo, "--all");
        assertThat(forget.exitCode()).as(forget.toString()).isZero();
        assertThat(forget.out()).contains("sets:      friday forgotten");
        assertThat(Cli.run(List.of(), "list", "-r", repo).out()).contains("No backups").doesNotContain("incomplete");
        Thread.sleep(1500);
        Cli gc = Cli.run(List.of(), "gc", "-r", repo, "--grace", "1s");
        assertThat(gc.exitCode()).as(gc.toString()).isZero();
        assertThat(gc.out()).doesNotContain("deleted:     0 chunk");

        Cli complete = Cli.run(List.of(), "backup-sets", "-r", repo, "--complete");
        assertThat(complete.exitCode()).as(complete.toString()).isZero();
        assertThat(complete.out()).contains("1 forgotten set(s) not shown");
        assertThat(Cli.run(List.of(), "backup-sets", "-r", repo, "--json").out())
                .contains("\"id\":\"friday\",\"complete\":false,\"state\":\"forgotten\"");
        Cli list = Cli.run(List.of(), "list", "-r", repo);
        assertThat(list.out()).contains("No backups").doesNotContain("incomplete");
        Cli verify = Cli.run(List.of(), "verify", "-r", repo);
        assertThat(verify.exitCode()).as(verify.toString()).isNotEqualTo(4);

        Process late = host("friday", "n1");
        assertThat(late.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(late.exitValue()).isEqualTo(2);
        assertThat(Files.readString(dir.resolve("friday-n1.out"))).contains("already committed");
    }
}
