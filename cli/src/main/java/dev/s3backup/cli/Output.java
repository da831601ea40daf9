package dev.s3backup.cli;

import java.io.PrintWriter;

/** Where a command writes: results to out (for scripts), messages and progress to err (for people). */
record Output(PrintWriter out, PrintWriter err, boolean terminal) {
    void warn(String message) {
        err.println("s3backup: warning: " + message);
        err.flush();
    }
}
