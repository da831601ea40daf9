package dev.s3backup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --metrics-file through the real command line, the way a nightly job runs it, and the example
 * alert rules and dashboard checked against the metrics the tool really writes.
 */
class MetricsExamplesTest {
    private static final Pattern METRIC = Pattern.compile("s3backup_[a-z_]+");

    @TempDir
    Path dir;

    @Test
    void everyCommandRecordsItsOutcomeAndAFailureKeepsTheLastSuccess() throws IOException {
        String repo = dir.resolve("repo").toUri().toString();
        Path prom = dir.resolve("textfile/s3backup.prom");
        Files.createDirectories(prom.getParent());
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.write(src.resolve("000001.sst"), new byte[50_000]);
        assertThat(CliRun.of("init", "-r", repo).exitCode()).isZero();
        String file = prom.toString();
        assertThat(CliRun.of("--metrics-file", file, "push", "-r", repo, "--no-cache", "n1=" + src).exitCode()).isZero();
        String afterPush = Files.readString(prom);
        assertThat(afterPush).contains("s3backup_last_exit_code{command=\"push\",repository=\"" + repo + "\"} 0",
                "s3backup_last_bytes_uploaded{command=\"push\",repository=\"" + repo + "\"} 50000",
                "s3backup_last_requests{command=\"push\",repository=\"" + repo + "\",type=\"put\"}").endsWith("# EOF\n");
        String success = line(afterPush, "s3backup_last_success_timestamp_seconds{command=\"push\"");

        // A failing push (its source is gone) keeps the success time and adds a failure.
        CliRun failed = CliRun.of("push", "-r", repo, "--metrics-file", file, "n1=" + dir.resolve("gone"));
        assertThat(failed.exitCode()).isNotZero();
        String afterFailure = Files.readString(prom);
        assertThat(afterFailure).contains(success, "s3backup_last_exit_code{command=\"push\",repository=\"" + repo + "\"} "
                + failed.exitCode(), "s3backup_last_failure_timestamp_seconds{command=\"push\"");

        for (String[] run : new String[][] {{"verify", "-r", repo, "--read-data"}, {"drill", "-r", repo},
            {"restore", "-r", repo, "-m", "latest", "--target", dir.resolve("out").toString()},
            {"forget", "-r", repo, "--keep-last", "1"}, {"gc", "-r", repo, "--grace", "0"}, {"list", "-r", repo},
            {"stats", "-r", repo}, {"push", "-r", repo, "--no-cache", "n1=" + src}}) {
            String[] args = Stream.concat(Stream.of(run), Stream.of("--metrics-file", file)).toArray(String[]::new);
            CliRun r = CliRun.of(args);
            assertThat(r.exitCode()).as(r.toString()).isZero();
        }
        String all = Files.readString(prom);
        for (String command : new String[] {"push", "verify", "drill", "restore", "forget", "gc", "list", "stats"}) {
            assertThat(all).contains("s3backup_last_run_timestamp_seconds{command=\"" + command + "\"");
        }

        Set<String> written = names(all);
        Set<String> used = new TreeSet<>();
        try (Stream<Path> files = Stream.of("prometheus/s3backup-alerts.yml", "grafana/s3backup-dashboard.json")
                .map(f -> Path.of("..", "examples", f))) {
            for (Path f : files.toList()) {
                used.addAll(names(Files.readString(f)));
            }
        }
        assertThat(used).as("metrics the examples use").isNotEmpty();
        assertThat(written).as("metrics the tool writes").containsAll(used);
    }

    @Test
    void aMetricsFileInAMissingOrReadOnlyDirectoryIsRefusedBeforeTheWork() throws IOException {
        String repo = dir.resolve("repo").toUri().toString();
        assertThat(CliRun.of("init", "-r", repo).exitCode()).isZero();
        CliRun missing = CliRun.of("list", "-r", repo, "--metrics-file", dir.resolve("no/such/dir/x.prom").toString());
        assertThat(missing.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(missing.err()).contains("Cannot write metrics file", "no such directory");
        assertThat(missing.out()).isEmpty();
    }

    private static Set<String> names(String text) {
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC.matcher(text);
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }

    private static String line(String text, String start) {
        return text.lines().filter(l -> l.startsWith(start)).findFirst().orElseThrow();
    }
}
