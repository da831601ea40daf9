package dev.s3backup.cli;

import java.io.PrintWriter;
import java.util.function.Supplier;

/**
 * Redraws one status line on a terminal while long work runs. Silent when stderr is not a
 * terminal, so logs and CI output hold only the summary.
 */
final class ProgressLine implements AutoCloseable {
    private static final long INTERVAL_MS = 500;
    private final Thread thread;
    private final PrintWriter err;
    private volatile boolean running = true;
    private volatile boolean drawn;

    ProgressLine(Output output, Supplier<String> status) {
        this.err = output.err();
        if (!output.terminal()) {
            thread = null;
            return;
        }
        thread = new Thread(() -> {
            try {
                Thread.sleep(INTERVAL_MS);
                while (running) {
                    synchronized (err) {
                        err.print("\r\033[K" + status.get());
                        err.flush();
                        drawn = true;
                    }
                    Thread.sleep(INTERVAL_MS);
                }
            } catch (InterruptedException ignored) {
                // closing
            }
        }, "s3backup-progress");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() {
        running = false;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (drawn) {
                synchronized (err) {
                    err.print("\r\033[K");
                    err.flush();
                }
            }
        }
    }

    static String percent(long done, long total) {
        return total <= 0 ? "" : String.format(java.util.Locale.ROOT, " (%d%%)", Math.min(100, done * 100 / total));
    }
}
