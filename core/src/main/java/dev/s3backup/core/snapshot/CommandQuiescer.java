package dev.s3backup.core.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Freeze and thaw hooks that are shell commands. */
final class CommandQuiescer implements Quiescer {
    private static final int OUTPUT_TAIL_CHARS = 2000;

    private final String freezeCommand;
    private final String thawCommand;
    private final Map<String, String> env;

    CommandQuiescer(String freezeCommand, String thawCommand, Map<String, String> env) {
        this.freezeCommand = blankToNull(freezeCommand);
        this.thawCommand = blankToNull(thawCommand);
        this.env = Map.copyOf(env);
    }

    @Override
    public void freeze(Duration timeout) throws IOException, InterruptedException {
        run("freeze", freezeCommand, timeout);
    }

    @Override
    public void thaw(Duration timeout) throws IOException, InterruptedException {
        run("thaw", thawCommand, timeout);
    }

    private void run(String phase, String command, Duration timeout) throws IOException, InterruptedException {
        if (command == null) {
            return;
        }
        run(phase, command, env, timeout);
    }

    /**
     * Runs {@code sh -c command}; its output goes to a temporary file (a pipe nobody drains could
     * block the hook forever) whose tail is quoted in the error.
     */
    static String run(String phase, String command, Map<String, String> env, Duration timeout)
            throws IOException, InterruptedException {
        Path output = Files.createTempFile("s3backup-hook-", ".out");
        try {
            ProcessBuilder pb = new ProcessBuilder(List.of("sh", "-c", command))
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().putAll(env);
            pb.environment().put("S3BACKUP_PHASE", phase);
            Process process;
            try {
                process = pb.start();
            } catch (IOException e) {
                throw new HookException(phase + " hook '" + command + "' could not start: " + e.getMessage(), e);
            }
            boolean done;
            try {
                done = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                kill(process);
                throw e;
            }
            if (!done) {
                kill(process);
                throw new HookException(phase + " hook '" + command + "' did not finish within "
                        + timeout.toMillis() + " ms and was killed" + tail(output));
            }
            if (process.exitValue() != 0) {
                throw new HookException(phase + " hook '" + command + "' exited with status "
                        + process.exitValue() + tail(output));
            }
            return Files.readString(output);
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String tail(Path output) {
        try {
            String text = Files.readString(output).strip();
            if (text.isEmpty()) {
                return "";
            }
            if (text.length() > OUTPUT_TAIL_CHARS) {
                text = "..." + text.substring(text.length() - OUTPUT_TAIL_CHARS);
            }
            return "; its output: " + text;
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    @Override
    public String toString() {
        return "commands(freeze=" + freezeCommand + ", thaw=" + thawCommand + ")";
    }

    /** A hook that failed, timed out or could not start; its message says which and how. */
    static final class HookException extends IOException {
        HookException(String message) {
            super(message);
        }

        HookException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
