package dev.s3backup.cli;

import java.io.PrintWriter;
import picocli.CommandLine;

/** Entry point of the s3backup command. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code;
        try {
            code = commandLine(out, err).execute(args);
        } catch (OutOfMemoryError e) {
            // Memory is bounded by design; running out means a very large manifest or a small heap.
            err.println("s3backup: error: out of memory (" + e.getMessage() + "); raise the heap with "
                    + "S3BACKUP_HEAP=512m (bin/s3backup) or -Xmx");
            code = ExitCodes.FAILURE;
        }
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** The configured command line; tests drive it with their own writers. */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new S3BackupCommand());
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler(Main::handleError);
        cl.setParameterExceptionHandler(Main::handleUsageError);
        return cl;
    }

    private static int handleError(Exception e, CommandLine cl, CommandLine.ParseResult parseResult) {
        PrintWriter err = cl.getErr();
        Throwable cause = e;
        boolean debug = parseResult.matchedOption("--debug") != null || debugRequested(parseResult);
        int code = ExitCodes.of(cause);
        if (code == ExitCodes.FAILURE) {
            err.println("s3backup: unexpected error: " + cause + (debug ? "" : " (rerun with --debug for details)"));
        } else {
            err.println("s3backup: error: " + cause.getMessage());
        }
        if (debug) {
            cause.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    private static boolean debugRequested(CommandLine.ParseResult parseResult) {
        for (CommandLine.ParseResult r = parseResult; r != null; r = r.subcommand()) {
            if (r.matchedOption("--debug") != null) {
                return true;
            }
        }
        return false;
    }

    private static int handleUsageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println("s3backup: usage error: " + e.getMessage());
        if (!CommandLine.UnmatchedArgumentException.printSuggestions(e, err)) {
            err.println("Try '" + cl.getCommandSpec().qualifiedName() + " --help' for more information.");
        }
        err.flush();
        return ExitCodes.USAGE;
    }

    static boolean stderrIsTerminal() {
        return System.console() != null;
    }
}
