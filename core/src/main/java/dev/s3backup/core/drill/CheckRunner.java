package dev.s3backup.core.drill;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs the user's check command with {@code /bin/sh -c} in the restored directory, with its
 * stdin closed, its output streamed to the caller and its tail kept, and a hard timeout that stops
 * the command and everything it started.
 */
final class CheckRunner {
    static final int TAIL_BYTES = 64 << 10;
    private static final Duration GRACE = Duration.ofSeconds(5);

    private final Consumer<String> output;
    private volatile Process process;
    private volatile boolean stopped;

    CheckRunner(Consumer<String> output) {
        this.output = output;
    }

    /** What happened; {@code exitCode} is null when the command timed out or was stopped. */
    record Outcome(Integer exitCode, boolean timedOut, Duration duration, String tail) {
    }

    /**
     * @throws IOException when the command cannot be started at all (no /bin/sh)
     */
    Outcome run(String command, Path dir, Map<String, String> env, Duration timeout)
            throws IOException, InterruptedException {
        String expanded = command.replace("{dir}", shellQuote(dir.toString()));
        ProcessBuilder pb = new ProcessBuilder(List.of("/bin/sh", "-c", expanded))
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(env);
        long start = System.nanoTime();
        Tail tail = new Tail();
        synchronized (this) {
            if (stopped) {
                throw new InterruptedException("the drill was stopped before its check command started");
            }
            process = pb.start();
        }
        Process p = process;
        Thread pump = new Thread(() -> pump(p, tail), "s3backup-check-output");
        pump.setDaemon(true);
        pump.start();
        boolean finished;
        try {
            finished = p.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            stop();
            throw e;
        }
        if (!finished) {
            stop();
        }
        // A grandchild may hold the output open after the command ended; do not wait for it forever.
        pump.join(TimeUnit.SECONDS.toMillis(2));
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        if (!finished) {
            return new Outcome(null, true, took, tail.text());
        }
        if (stopped) {
            return new Outcome(null, false, took, tail.text());
        }
        return new Outcome(p.exitValue(), false, took, tail.text());
    }

    /** Stops the command and every process it started: politely, then forcibly after a grace period. */
    void stop() {
        Process p;
        synchronized (this) {
            stopped = true;
            p = process;
        }
        if (p == null || !p.isAlive()) {
            return;
        }
        // Collected first: once the shell is gone its children are re-parented and no longer found.
        List<ProcessHandle> family = p.descendants().toList();
        family.forEach(ProcessHandle::destroy);
        p.destroy();
        try {
            if (!p.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                family.forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS);
            } else {
                family.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
            }
        } catch (InterruptedException e) {
            family.forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private void pump(Process p, Tail tail) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                tail.add(line);
                output.accept(line);
            }
        } catch (IOException ignored) {
            // the process was stopped; what was read is kept
        }
    }

    /** POSIX shell quoting: the whole word in single quotes, embedded single quotes spliced in. */
    static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** The last lines of output, at most {@link #TAIL_BYTES} characters. */
    private static final class Tail {
        private final Deque<String> lines = new ArrayDeque<>();
        private long chars;
        private boolean cut;

        synchronized void add(String line) {
            lines.addLast(line);
            chars += line.length() + 1;
            while (chars > TAIL_BYTES && lines.size() > 1) {
                chars -= lines.removeFirst().length() + 1;
                cut = true;
            }
        }

        synchronized String text() {
            StringBuilder sb = new StringBuilder();
            if (cut) {
                sb.append("[... earlier output cut ...]\n");
            }
            for (String l : lines) {
                sb.append(l.length() > TAIL_BYTES ? l.substring(0, TAIL_BYTES) : l).append('\n');
            }
            return sb.toString();
        }
    }
}
