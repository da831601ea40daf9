package dev.s3backup.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ParentCommand;

/** What every subcommand shares: access to the streams and the global options. */
abstract class BaseCommand implements Callable<Integer> {
    @ParentCommand
    S3BackupCommand root;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** This run's figures for --metrics-file (numbers, and a "requests" map), filled by the command. */
    final java.util.Map<String, Object> metrics = new java.util.LinkedHashMap<>();

    /** Records the numbers of a result map (the one --json prints) for --metrics-file. */
    void metrics(java.util.Map<String, Object> values) {
        values.forEach((k, v) -> {
            if (v instanceof Number || (k.equals("requests") && v instanceof java.util.Map)) {
                metrics.put(k, v);
            }
        });
    }

    Output output() {
        CommandLine cl = spec.commandLine();
        return new Output(cl.getOut(), cl.getErr(), Main.stderrIsTerminal());
    }
}
