package dev.s3backup.it;

import dev.s3backup.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

/** Runs the real command line in this JVM and keeps what it printed. */
record Cli(int exitCode, String out, String err) {
    static Cli run(List<String> connection, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        // Options go after the subcommand name.
        all.addAll(1, connection);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] argv = all.toArray(String[]::new);
        int code = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true), argv).execute(argv);
        return new Cli(code, out.toString(), err.toString());
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
    }
}
