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
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** drill on a file:// repository: exit codes, JUnit and JSON reports, cleanup. */
class DrillCommandTest {
    @TempDir
    Path dir;
    Path temp;
    String repo;

    @BeforeEach
    void setUp() throws IOException {
        Path data = dir.resolve("data");
        Files.createDirectories(data.resolve("node1"));
        byte[] sst = new byte[100_000];
        new Random(5).nextBytes(sst);
        Files.write(data.resolve("node1/000001.sst"), sst);
        Files.writeString(data.resolve("coordinator.bin"), "state");
        repo = dir.resolve("repo").toUri().toString();
        assertThat(CliRun.of("init", "-r", repo, "--chunk-size", "64KiB").exitCode()).isZero();
        assertThat(CliRun.of("push", "-r", repo, data.resolve("node1").toString(),
                data.resolve("coordinator.bin").toString()).exitCode()).isZero();
        temp = Files.createDirectories(dir.resolve("tmp"));
    }

    private CliRun drill(String... extra) {
        String[] base = {"drill", "-r", repo, "--temp-dir", temp.toString()};
        return CliRun.of(Stream.concat(Stream.of(base), Stream.of(extra)).toArray(String[]::new));
    }

    private void assertTempEmpty() throws IOException {
        try (Stream<Path> s = Files.list(temp)) {
            assertThat(s.toList()).isEmpty();
        }
    }

    private static Element testcase(Document doc, String name) {
        NodeList cases = doc.getElementsByTagName("testcase");
        for (int i = 0; i < cases.getLength(); i++) {
            Element e = (Element) cases.item(i);
            if (e.getAttribute("name").equals(name)) {
                return e;
            }
        }
        throw new AssertionError("no test case " + name);
    }

    @Test
    void passingDrillWithACheckWritesBothReports() throws Exception {
        Path junit = dir.resolve("out/drill.xml");
        Path report = dir.resolve("out/drill.json");
        CliRun run = drill("--check", "test -s {dir}/coordinator.bin && echo ok", "--junit", junit.toString(),
                "--report", report.toString());
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains("PASSED", "restore time:", "check     passed");
        assertThat(run.err()).contains("check | ok");
        Document doc = VerifyCommandTest.xml(junit);
        assertThat(doc.getDocumentElement().getAttribute("tests")).isEqualTo("7");
        assertThat(doc.getDocumentElement().getAttribute("failures")).isEqualTo("0");
        assertThat(testcase(doc, "check").getElementsByTagName("system-out").item(0).getTextContent()).contains("ok");
        assertThat(Files.readString(report)).contains("\"passed\":true", "\"outcome\":\"passed\"", "\"restoreSeconds\":",
                "\"leftovers\":[]");
        assertTempEmpty();
    }

    @Test
    void failingCheckExitsFourAndTheJUnitReportShowsTheFailure() throws Exception {
        Path junit = dir.resolve("drill.xml");
        CliRun run = drill("--check", "echo 'Corruption: block checksum mismatch'; exit 2", "--junit", junit.toString());
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.INTEGRITY);
        assertThat(run.err()).contains("Check command failed with exit code 2", "block checksum mismatch");
        Element check = testcase(VerifyCommandTest.xml(junit), "check");
        assertThat(check.getElementsByTagName("failure").item(0).getAttributes().getNamedItem("message").getNodeValue())
                .contains("exit code 2");
        assertTempEmpty();
    }

    @Test
    void hangingCheckTimesOut() throws Exception {
        CliRun run = drill("--check", "sleep 30", "--check-timeout", "1s", "--json");
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.INTEGRITY);
        assertThat(run.out()).contains("\"outcome\":\"check-timeout\"", "\"timedOut\":true");
        assertThat(run.err()).contains("did not finish within 1.00 s");
        assertTempEmpty();
    }

    @Test
    void unknownBackupExitsThreeAndStillWritesTheReports() throws Exception {
        Path junit = dir.resolve("drill.xml");
        CliRun run = drill("-m", "20200101T000000.000Z-00000000", "--junit", junit.toString());
        assertThat(run.exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(run.err()).contains("Cannot find backup '20200101T000000.000Z-00000000'");
        Document doc = VerifyCommandTest.xml(junit);
        assertThat(testcase(doc, "resolve").getElementsByTagName("failure").getLength()).isEqualTo(1);
        assertThat(testcase(doc, "restore").getElementsByTagName("skipped").getLength()).isEqualTo(1);
        assertTempEmpty();
    }

    @Test
    void badOptionsAreUsageErrors() {
        assertThat(drill("--check-timeout", "forever").exitCode()).isEqualTo(ExitCodes.USAGE);
        CliRun noTemp = CliRun.of("drill", "-r", repo, "--temp-dir", dir.resolve("missing").toString());
        assertThat(noTemp.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(noTemp.err()).contains("missing", "--temp-dir");
    }

    @Test
    void keepLeavesTheDataAndSaysWhere() throws IOException {
        CliRun run = drill("--keep");
        assertThat(run.exitCode()).isZero();
        assertThat(run.err()).contains("kept in " + temp);
        try (Stream<Path> s = Files.list(temp)) {
            assertThat(s.toList()).singleElement().satisfies(p -> assertThat(p.resolve("restored/node1/000001.sst")).exists());
        }
    }
}
