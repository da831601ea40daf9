package dev.s3backup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** --max-attempts and --io-timeout are checked before any request is sent. */
class RetryOptionsTest {
    private static final String[] UNREACHABLE = {"-r", "s3://bucket/db", "--endpoint", "http://127.0.0.1:9", "--path-style"};

    private static CliRun list(String... options) {
        String[] args = new String[1 + UNREACHABLE.length + options.length];
        args[0] = "list";
        System.arraycopy(UNREACHABLE, 0, args, 1, UNREACHABLE.length);
        System.arraycopy(options, 0, args, 1 + UNREACHABLE.length, options.length);
        return CliRun.of(args);
    }

    @Test
    void zeroAttemptsIsAUsageError() {
        CliRun run = list("--max-attempts", "0");
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("maxAttempts must be >= 1");
    }

    @Test
    void aTimeoutMustBeAPositiveDuration() {
        CliRun zero = list("--io-timeout", "0");
        assertThat(zero.exitCode()).as(zero.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(zero.err()).contains("Cannot use duration '0'");
        CliRun garbage = list("--io-timeout", "soon");
        assertThat(garbage.exitCode()).as(garbage.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(garbage.err()).contains("Cannot use duration 'soon'");
    }
}
