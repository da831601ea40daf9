package dev.s3backup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/** verify on a file:// repository: exit codes, reports, messages naming what is damaged. */
class VerifyCommandTest {
    @TempDir
    Path dir;
    Path data;
    String repo;

    @BeforeEach
    void setUp() throws IOException {
        data = dir.resolve("data");
        Files.createDirectories(data.resolve("node1"));
        byte[] sst = new byte[200_000];
        new Random(3).nextBytes(sst);
        Files.write(data.resolve("node1/000001.sst"), sst);
        Files.writeString(data.resolve("node1/CURRENT"), "MANIFEST-000001\n");
        repo = dir.resolve("repo").toUri().toString();
        assertThat(CliRun.of("init", "-r", repo, "--chunk-size", "64KiB").exitCode()).isZero();
        CliRun push = CliRun.of("push", "-r", repo, data.resolve("node1").toString());
        assertThat(push.exitCode()).as(push.toString()).isZero();
    }

    static String chunkPath(byte[] content) throws Exception {
        String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        return "chunks/" + hex.substring(0, 2) + "/" + hex;
    }

    static Document xml(Path file) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
    }

    @Test
    void helpListsVerifyAndDrillWithTheirExitCodes() {
        CliRun root = CliRun.of("--help");
        assertThat(root.out()).contains("verify", "drill");
        for (String command : new String[] {"verify", "drill"}) {
            CliRun help = CliRun.of(command, "--help");
            assertThat(help.exitCode()).isZero();
            assertThat(help.out()).contains("--repo", "--junit", "--report", "--json", "Exit codes");
        }
        java.io.PrintStream saved = System.err;
        java.io.ByteArrayOutputStream picocliWarnings = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(picocliWarnings, true));
        try {
            assertThat(CliRun.of("verify", "--help").out()).contains("--read-data-subset", "--max-age", "verify/<run id>",
                    "4 runs of 25% read");
        } finally {
            System.setErr(saved);
        }
        assertThat(picocliWarnings.toString()).as("a '%' that picocli took for a format").isEmpty();
        assertThat(CliRun.of("drill", "--help").out()).contains("--check", "--check-timeout", "{dir}", "S3BACKUP_DRILL_DIR");
    }

    @Test
    void intactRepositoryPassesAndWritesReports() throws Exception {
        Path junit = dir.resolve("reports/verify.xml");
        Path report = dir.resolve("reports/verify.json");
        CliRun run = CliRun.of("verify", "-r", repo, "--junit", junit.toString(), "--report", report.toString());
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains("OK", "1 verified, 1 intact", "5 referenced", "LIST 2", "log:       verify/");
        assertThat(run.err()).isEmpty();
        Document doc = xml(junit);
        assertThat(doc.getDocumentElement().getAttribute("tests")).isEqualTo("2");
        assertThat(doc.getDocumentElement().getAttribute("failures")).isEqualTo("0");
        assertThat(Files.readString(report)).contains("\"ok\":true", "\"exitCode\":0", "\"referenced\":5");
        assertThat(dir.resolve("repo/verify")).isDirectory();
    }

    @Test
    void deletedChunkExitsFourAndNamesTheFileAndBackup() throws Exception {
        byte[] sst = Files.readAllBytes(data.resolve("node1/000001.sst"));
        byte[] second = java.util.Arrays.copyOfRange(sst, 64 << 10, 128 << 10);
        Files.delete(dir.resolve("repo").resolve(chunkPath(second)));
        Path junit = dir.resolve("v.xml");
        CliRun run = CliRun.of("verify", "-r", repo, "--json", "--junit", junit.toString());
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.INTEGRITY);
        assertThat(run.out()).contains("\"ok\":false", "\"kind\":\"missing\"", "\"path\":\"node1/000001.sst\"",
                "\"damagedFiles\":[\"node1/000001.sst\"]");
        assertThat(run.err()).contains("is missing", "node1/000001.sst in 2", "1 of 1 backup(s)");
        Document doc = xml(junit);
        assertThat(doc.getDocumentElement().getAttribute("failures")).isEqualTo("1");
        assertThat(doc.getElementsByTagName("failure").item(0).getAttributes().getNamedItem("message").getNodeValue())
                .contains("node1/000001.sst");
    }

    @Test
    void readDataFindsAFlippedByteThatTheListingCannotSee() throws Exception {
        byte[] current = Files.readAllBytes(data.resolve("node1/CURRENT"));
        Path chunk = dir.resolve("repo").resolve(chunkPath(current));
        byte[] bytes = Files.readAllBytes(chunk);
        bytes[3] ^= 1;
        chunk.toFile().setWritable(true);
        Files.write(chunk, bytes);
        assertThat(CliRun.of("verify", "-r", repo).exitCode()).isZero();
        CliRun run = CliRun.of("verify", "-r", repo, "--read-data");
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.INTEGRITY);
        assertThat(run.err()).contains("is corrupt", "node1/CURRENT");
        assertThat(run.out()).contains("5 chunk(s) downloaded and re-hashed");
    }

    @Test
    void subsetRunsRotateAndMaxAgeSkipsWhatWasJustRead() {
        CliRun first = CliRun.of("verify", "-r", repo, "--read-data-subset", "50%", "--json");
        assertThat(first.exitCode()).as(first.toString()).isZero();
        Matcher end = Pattern.compile("\"end\":\"([0-9a-f]{16})\"").matcher(first.out());
        assertThat(end.find()).isTrue();
        CliRun second = CliRun.of("verify", "-r", repo, "--read-data-subset", "50%", "--json");
        assertThat(second.out()).contains("\"start\":\"" + end.group(1) + "\"");
        CliRun all = CliRun.of("verify", "-r", repo, "--read-data", "--max-age", "1d");
        assertThat(all.exitCode()).isZero();
        assertThat(all.out()).contains("0 chunk(s) downloaded", "5 skipped (verified within --max-age)");
    }

    @Test
    void badOptionsAreUsageErrors() {
        assertThat(CliRun.of("verify", "-r", repo, "--read-data", "--read-data-subset", "5%").exitCode()).isEqualTo(ExitCodes.USAGE);
        CliRun maxAge = CliRun.of("verify", "-r", repo, "--max-age", "30d");
        assertThat(maxAge.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(maxAge.err()).contains("--max-age applies to");
        CliRun pct = CliRun.of("verify", "-r", repo, "--read-data-subset", "150%");
        assertThat(pct.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(pct.err()).contains("at most 100");
        CliRun dur = CliRun.of("verify", "-r", repo, "--read-data", "--max-age", "soon");
        assertThat(dur.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(dur.err()).contains("not a duration");
        assertThat(CliRun.of("verify", "-r", repo, "--all", "-m", "latest").exitCode()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void unknownBackupIsNotFound() {
        CliRun run = CliRun.of("verify", "-r", repo, "-m", "20200101T000000.000Z-00000000");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(run.err()).contains("20200101T000000.000Z-00000000");
    }

    @Test
    void noLogWritesNothing() {
        CliRun run = CliRun.of("verify", "-r", repo, "--no-log", "-m", "latest");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("log:       not written", "PUT 0");
        assertThat(dir.resolve("repo/verify")).doesNotExist();
    }

    @Test
    void aReportThatCannotBeWrittenFailsACleanRunButNeverHidesDamage() throws Exception {
        Files.writeString(dir.resolve("file"), "x");
        Path impossible = dir.resolve("file/report.json");
        CliRun clean = CliRun.of("verify", "-r", repo, "--report", impossible.toString());
        assertThat(clean.exitCode()).as(clean.toString()).isEqualTo(ExitCodes.IO);
        assertThat(clean.out()).contains("OK");
        assertThat(clean.err()).contains("Cannot write the JSON report", "report.json");

        byte[] sst = Files.readAllBytes(data.resolve("node1/000001.sst"));
        Files.delete(dir.resolve("repo").resolve(chunkPath(java.util.Arrays.copyOf(sst, 64 << 10))));
        CliRun damaged = CliRun.of("verify", "-r", repo, "--junit", impossible.toString());
        assertThat(damaged.exitCode()).isEqualTo(ExitCodes.INTEGRITY);
        CliRun drill = CliRun.of("drill", "-r", repo, "--temp-dir", dir.toString(), "--junit", impossible.toString());
        assertThat(drill.exitCode()).isEqualTo(ExitCodes.INTEGRITY);
        assertThat(drill.err()).contains("did not restore", "Cannot write the JUnit report");
    }

    @Test
    void durationsAndSubsetsParse() {
        assertThat(VerifyArgs.parseDuration("30d")).hasDays(30);
        assertThat(VerifyArgs.parseDuration("90")).hasSeconds(90);
        assertThat(VerifyArgs.parseDuration("PT10M")).hasMinutes(10);
        assertThat(VerifyArgs.parseDuration("1w")).hasDays(7);
        assertThat(VerifyArgs.format(java.time.Duration.ofDays(30))).isEqualTo("30d");
        assertThat(VerifyArgs.parseSubset("12.5%").percent()).isEqualTo(12.5);
        assertThat(VerifyArgs.parseSubset("500").count()).isEqualTo(500);
    }

    @Test
    void junitEscapesWhatXmlCannotHold() {
        assertThat(JUnitXml.attr("a<b>\"c\"&\n")).isEqualTo("a&lt;b&gt;&quot;c&quot;&amp;&#10;");
        assertThat(JUnitXml.text("bell\u0007")).isEqualTo("bell\uFFFD");
    }
}
