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
            code = commandLine(out, err, args).execute(args);
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

    /** The configured command line with every subcommand (help, man pages); tests drive it with their own writers. */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new S3BackupCommand());
        S3BackupCommand.COMMANDS.forEach((name, command) -> cl.addSubcommand(name, command.get()));
        return configure(cl, out, err);
    }

    /**
     * The command line for running {@code args}: when they name a subcommand, only that one is
     * added, as building every command's model costs start-up time (issue #13); otherwise (root
     * help, a typo to suggest a fix for, {@code help}) all of them. Either way the run behaves the same.
     */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err, String[] args) {
        CommandLine cl = new CommandLine(new S3BackupCommand());
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            return configure(cl, out, err); // the root alone answers
        }
        String name = chosenCommand(args);
        if (name == null) {
            return commandLine(out, err);
        }
        cl.addSubcommand(name, S3BackupCommand.COMMANDS.get(name).get());
        return configure(cl, out, err);
    }

    /** The subcommand {@code args} run, skipping the root's own options; null when unsure. */
    static String chosenCommand(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--debug") || arg.startsWith("--metrics-file=")) {
                continue;
            }
            if (arg.equals("--metrics-file")) {
                i++;
                continue;
            }
            return S3BackupCommand.COMMANDS.containsKey(arg) && !arg.equals("help") ? arg : null;
        }
        return null;
    }

    /** Settings reach the subcommands added so far: called once they all are. */
    private static CommandLine configure(CommandLine cl, PrintWriter out, PrintWriter err) {
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // Help fills the terminal it is shown in (80 columns when there is none), every command alike.
        cl.setUsageHelpAutoWidth(true);
        cl.setExecutionExceptionHandler(Main::handleError);
        cl.setParameterExceptionHandler(Main::handleUsageError);
        cl.setExecutionStrategy(Main::executeWithMetrics);
        return cl;
    }

    /** Runs the chosen command; with --metrics-file, records its outcome whatever it was. */
    private static int executeWithMetrics(CommandLine.ParseResult parseResult) {
        java.nio.file.Path file = metricsFile(parseResult);
        if (file == null || helpRequested(parseResult)) {
            return new CommandLine.RunLast().execute(parseResult);
        }
        CommandLine.ParseResult last = parseResult;
        while (last.subcommand() != null) {
            last = last.subcommand();
        }
        CommandLine cl = last.commandSpec().commandLine();
        String command = last.commandSpec().qualifiedName(" ").replaceFirst("^s3backup ?", "");
        try {
            MetricsFile.requireWritable(file);
        } catch (dev.s3backup.core.BackupException e) {
            cl.getErr().println("s3backup: error: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        long start = System.nanoTime();
        int code;
        CommandLine.ExecutionException failure = null;
        try {
            code = new CommandLine.RunLast().execute(parseResult);
        } catch (CommandLine.ExecutionException e) {
            code = e.getCause() instanceof S3BackupCommand.MissingCommand ? ExitCodes.USAGE : ExitCodes.of(e.getCause());
            failure = e;
        }
        Object user = last.commandSpec().userObject();
        java.util.Map<String, Object> values = user instanceof BaseCommand b ? b.metrics : java.util.Map.of();
        boolean written;
        try {
            MetricsFile.write(file, command.isEmpty() ? "s3backup" : command, repository(last), code,
                    java.time.Duration.ofNanos(System.nanoTime() - start), java.time.Instant.now(), values);
            written = true;
        } catch (java.io.IOException | RuntimeException e) {
            cl.getErr().println("s3backup: error: Cannot write metrics file " + file + ": " + e.getMessage());
            written = false;
        }
        if (failure != null) {
            throw failure;
        }
        // A success nobody hears of is a failure of the job: the monitoring would alert on silence.
        return written || code != ExitCodes.OK ? code : ExitCodes.IO;
    }

    private static boolean helpRequested(CommandLine.ParseResult parseResult) {
        for (CommandLine.ParseResult r = parseResult; r != null; r = r.subcommand()) {
            if (r.isUsageHelpRequested() || r.isVersionHelpRequested()) {
                return true;
            }
        }
        return false;
    }

    private static java.nio.file.Path metricsFile(CommandLine.ParseResult parseResult) {
        java.nio.file.Path file = null;
        for (CommandLine.ParseResult r = parseResult; r != null; r = r.subcommand()) {
            if (r.matchedOption("--metrics-file") != null) {
                file = r.matchedOption("--metrics-file").getValue();
            }
        }
        return file;
    }

    /** The repository a command was given (as typed: URLs holding credentials are refused earlier). */
    private static String repository(CommandLine.ParseResult last) {
        Object mixin = last.commandSpec().mixins().containsKey("repoOptions")
                ? last.commandSpec().mixins().get("repoOptions").userObject() : null;
        return mixin instanceof RepoOptions r ? r.repo : null;
    }

    private static int handleError(Exception e, CommandLine cl, CommandLine.ParseResult parseResult) {
        PrintWriter err = cl.getErr();
        if (e instanceof S3BackupCommand.MissingCommand) {
            return ExitCodes.USAGE;
        }
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
