package dev.s3backup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands an operator uses every day, as one workflow on a file:// repository: id
 * prefixes, forget by id, --name filters, diff, ls and stats.
 */
class DailyCommandsTest {
    private static final Pattern ID = Pattern.compile("Backup (\\d{8}T\\d{6}\\.\\d{3}Z-([0-9a-f]{8})) committed");

    @TempDir
    Path dir;
    String repo;
    Path src;

    @BeforeEach
    void setUp() throws IOException {
        repo = dir.resolve("repo").toUri().toString();
        assertThat(CliRun.of("init", "-r", repo).exitCode()).isZero();
        src = Files.createDirectories(dir.resolve("src"));
        Files.createDirectories(src.resolve("d"));
        Files.writeString(src.resolve("a"), "a");
        Files.writeString(src.resolve("d/b"), "bb");
        Files.write(src.resolve("000001.sst"), new byte[100_000]);
    }

    private String[] push(String name) {
        CliRun run = CliRun.of("push", "-r", repo, "--name", name, "--no-cache", "n1=" + src);
        assertThat(run.exitCode()).as(run.toString()).isZero();
        Matcher m = ID.matcher(run.out());
        assertThat(m.find()).as(run.out()).isTrue();
        return new String[] {m.group(1), m.group(2)};
    }

    @Test
    void prefixesDiffLsStatsAndForgetByIdWorkTogether() throws IOException {
        String[] first = push("nightly");
        Files.writeString(src.resolve("a"), "changed");
        Files.delete(src.resolve("d/b"));
        Files.writeString(src.resolve("d/c"), "new");
        String[] second = push("hourly");

        CliRun diff = CliRun.of("diff", "-r", repo, first[1], second[0]);
        assertThat(diff.exitCode()).as(diff.toString()).isZero();
        assertThat(diff.out()).contains("M n1/a  (1 B -> 7 B)", "+ n1/d/c  (3 B)", "- n1/d/b  (2 B)",
                "n1                       1 added (3 B), 1 removed (2 B), 1 modified (+6 B)");
        assertThat(diff.out()).doesNotContain("000001.sst");
        CliRun json = CliRun.of("diff", "-r", repo, first[0], "latest", "--json");
        assertThat(json.out()).contains("{\"change\":\"added\",\"node\":\"n1\",\"path\":\"d/c\"",
                "\"totals\":{\"n1\":{\"added\":1,\"addedBytes\":3,\"removed\":1,\"removedBytes\":2,\"modified\":1");
        assertThat(CliRun.of("diff", "-r", repo, "latest", "latest").out()).contains("no changes");

        CliRun ambiguous = CliRun.of("show", "-r", repo, first[0].substring(0, 8));
        assertThat(ambiguous.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(ambiguous.err()).contains("prefix of 2 backups", first[0], second[0]);
        assertThat(CliRun.of("show", "-r", repo, "ffffffff").exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(CliRun.of("show", "-r", repo, "ab").exitCode()).isEqualTo(ExitCodes.NOT_FOUND);

        CliRun ls = CliRun.of("ls", "-r", repo, second[1], "n1/d");
        assertThat(ls.exitCode()).as(ls.toString()).isZero();
        assertThat(ls.out()).contains("n1/d\n", "n1/d/c").doesNotContain("n1/a", "000001.sst");
        assertThat(CliRun.of("ls", "-r", repo, "latest", "n1/nothing").exitCode()).isEqualTo(ExitCodes.NOT_FOUND);

        assertThat(CliRun.of("list", "-r", repo, "--name", "hourly").out()).contains(second[0]).doesNotContain(first[0]);
        CliRun verify = CliRun.of("verify", "-r", repo, "--name", "nightly", "--json");
        assertThat(verify.exitCode()).as(verify.toString()).isZero();
        assertThat(verify.out()).contains(first[0]).doesNotContain(second[0]);
        assertThat(CliRun.of("verify", "-r", repo, "--name", "weekly").exitCode()).isEqualTo(ExitCodes.NOT_FOUND);

        CliRun stats = CliRun.of("stats", "-r", repo, "--json");
        assertThat(stats.exitCode()).as(stats.toString()).isZero();
        assertThat(stats.out()).contains("\"backups\":2", "\"logicalBytes\":" + (100_003 + 100_010),
                "\"addedBytes\":100003", "\"addedBytes\":10");

        CliRun both = CliRun.of("forget", "-r", repo, first[1], "--keep-last", "1");
        assertThat(both.exitCode()).isEqualTo(ExitCodes.USAGE);
        CliRun forget = CliRun.of("forget", "-r", repo, first[1]);
        assertThat(forget.exitCode()).as(forget.toString()).isZero();
        assertThat(forget.out()).contains("forget  " + first[0], "named");
        assertThat(CliRun.of("list", "-r", repo).out()).contains(second[0]).doesNotContain(first[0]);
        CliRun restore = CliRun.of("restore", "-r", repo, "-m", second[1].substring(0, 6), "--target",
                dir.resolve("out").toString());
        assertThat(restore.exitCode()).as(restore.toString()).isZero();
        assertThat(dir.resolve("out/n1/a")).hasContent("changed");
    }

    @Test
    void forgetByPolicyCanBeLimitedToOneName() {
        String[] nightly = push("nightly");
        push("nightly");
        String[] hourly = push("hourly");
        CliRun forget = CliRun.of("forget", "-r", repo, "--name", "nightly", "--keep-last", "1");
        assertThat(forget.exitCode()).as(forget.toString()).isZero();
        String list = CliRun.of("list", "-r", repo).out();
        assertThat(list).doesNotContain(nightly[0]).contains(hourly[0]);
        assertThat(List.of(list.split("\n"))).filteredOn(l -> l.contains("nightly")).hasSize(1);
    }
}
