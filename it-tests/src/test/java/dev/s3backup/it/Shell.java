package dev.s3backup.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One run of an outside command (the installed launcher, tar, apt-get), with its merged output. */
record Shell(int exitCode, String output) {
    /** @param env variables to set; an empty value removes the variable */
    static Shell run(Map<String, String> env, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(List.of(command)).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        env.forEach((k, v) -> {
            if (v.isEmpty()) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IOException("Cannot finish " + String.join(" ", command) + ": still running after 5 minutes");
        }
        return new Shell(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    static Shell run(String... command) throws IOException, InterruptedException {
        return run(Map.of(), command);
    }

    /** Where the cli module's package phase leaves its files (set by the it-tests pom). */
    static Path cliTarget() {
        return Path.of(System.getProperty("s3backup.cli.jar")).getParent();
    }

    static String version() {
        return System.getProperty("s3backup.version");
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n" + output;
    }
}
