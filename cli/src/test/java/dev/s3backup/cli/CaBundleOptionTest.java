package dev.s3backup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every command that reaches S3 takes --ca-bundle, and a wrong file fails before any request. */
class CaBundleOptionTest {

    @ParameterizedTest
    @ValueSource(strings = {"list", "lifecycle check", "doctor", "verify"})
    void aMissingBundleIsNamedBeforeAnyRequest(String command) {
        String missing = "/nonexistent/s3backup-test-ca.pem";
        String[] words = command.split(" ");
        String[] connection = {"-r", "s3://bucket/db", "--endpoint", "https://127.0.0.1:9", "--path-style",
            "--ca-bundle", missing};
        String[] args = new String[words.length + connection.length];
        System.arraycopy(words, 0, args, 0, words.length);
        System.arraycopy(connection, 0, args, words.length, connection.length);
        CliRun run = CliRun.of(args);
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(run.err()).as(run.toString()).contains("Cannot read CA bundle " + missing + ": no such file");
    }
}
