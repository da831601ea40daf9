package dev.s3backup.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One run of the real command line, with what it printed. */
record CliRun(int exitCode, String out, String err) {
    /** Runs {@code args} as {@link Main#main} does: with only the subcommand they name. */
    static CliRun of(String... args) {
        return of(true, args);
    }

    /** @param chosenOnly false builds every subcommand's model, as help and man pages do */
    static CliRun of(boolean chosenOnly, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        PrintWriter o = new PrintWriter(out, true);
        PrintWriter e = new PrintWriter(err, true);
        int code = (chosenOnly ? Main.commandLine(o, e, args) : Main.commandLine(o, e)).execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- out ---\n" + out + "--- err ---\n" + err;
    }
}
