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

    Output output() {
        CommandLine cl = spec.commandLine();
        return new Output(cl.getOut(), cl.getErr(), Main.stderrIsTerminal());
    }
}
