package dev.s3backup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LifecycleCommandTest {
    @TempDir
    Path dir;

    @Test
    void aFileRepositoryIsNotApplicable() {
        CliRun run = CliRun.of("lifecycle", "check", "-r", dir.toUri().toString());
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("not applicable", "s3://");
    }

    @Test
    void archiveTransitionsAreRefusedBeforeAnyRequest() {
        CliRun run = CliRun.of("lifecycle", "plan", "-r", "s3://bucket/db", "--transition", "GLACIER:90");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("break restores");
    }

    @Test
    void withoutASubcommandItSaysWhichExist() {
        CliRun run = CliRun.of("lifecycle", "-r", "s3://bucket/db");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("plan, apply or check");
    }
}
