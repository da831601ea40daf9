package dev.s3backup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A run builds only the model of the subcommand it names (issue #13, start-up); these tests hold it
 * to behaving exactly as the full command line does.
 */
class CliModelTest {

    @Test
    void everyCommandIsRegisteredUnderItsOwnName() {
        Map<String, CommandLine> full = Main.commandLine(new PrintWriter(new StringWriter()),
                new PrintWriter(new StringWriter())).getSubcommands();
        assertThat(full.keySet()).containsExactlyElementsOf(S3BackupCommand.COMMANDS.keySet());
        full.forEach((name, cl) -> assertThat(cl.getCommandSpec().name()).as(name).isEqualTo(name));
    }

    @Test
    void theChosenCommandIsFoundBehindTheRootOptionsOnly() {
        assertThat(Main.chosenCommand(new String[] {"list", "--repo", "x"})).isEqualTo("list");
        assertThat(Main.chosenCommand(new String[] {"--debug", "--metrics-file", "m.prom", "push"})).isEqualTo("push");
        assertThat(Main.chosenCommand(new String[] {"--metrics-file=m.prom", "lifecycle", "plan"}))
                .isEqualTo("lifecycle");
        // help, root options, typos and nothing at all need every command
        assertThat(Main.chosenCommand(new String[] {"help", "list"})).isNull();
        assertThat(Main.chosenCommand(new String[] {"--help", "list"})).isNull();
        assertThat(Main.chosenCommand(new String[] {"lsit"})).isNull();
        assertThat(Main.chosenCommand(new String[] {"--metrics-file"})).isNull();
        assertThat(Main.chosenCommand(new String[0])).isNull();
    }

    @Test
    void aRunWithTheChosenCommandOnlyMatchesTheFullCommandLine(@TempDir Path dir) {
        String repo = dir.resolve("repo").toUri().toString();
        List<String[]> runs = List.of(
                new String[] {"--version"},
                new String[] {"-V"},
                new String[] {"list", "--help"},
                new String[] {"list", "--no-such-option"},
                new String[] {"list", "--repo", repo},
                new String[] {"--debug", "show", "latest", "--repo", repo},
                new String[] {"show", "latest", "--debug", "--repo", repo},
                new String[] {"lifecycle", "plan", "--help"},
                new String[] {"restore"},
                new String[] {"push", "--repo", repo, "--metrics-file", dir.resolve("m.prom").toString(),
                    "node=" + dir.resolve("missing")},
                new String[] {"--metrics-file", dir.resolve("n.prom").toString(), "list", "--repo", repo},
                new String[] {"verify", "--format", "nonsense", "--repo", repo});
        for (String[] args : runs) {
            CliRun chosen = CliRun.of(true, args);
            CliRun full = CliRun.of(false, args);
            // --debug's stack traces differ in the test's own line numbers only
            assertThat(withoutFrames(chosen)).as(String.join(" ", args)).isEqualTo(withoutFrames(full));
        }
        assertThat(dir.resolve("n.prom")).exists();
    }

    private static CliRun withoutFrames(CliRun run) {
        return new CliRun(run.exitCode(), run.out(), run.err().replaceAll("(?m)^\\s+at .*\\R", ""));
    }
}
