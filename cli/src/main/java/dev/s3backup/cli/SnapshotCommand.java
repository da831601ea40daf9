package dev.s3backup.cli;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.core.snapshot.CoordinatedSnapshot;
import dev.s3backup.core.snapshot.Snapshot;
import dev.s3backup.core.snapshot.SnapshotOptions;
import dev.s3backup.core.source.Source;
import java.time.Clock;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "snapshot", mixinStandardHelpOptions = true,
        description = {"Take a coordinated snapshot of live data directories.",
            "",
            "The snapshot is kept, to be pushed later. Freezes every node in parallel (--freeze), hard-links each "
                    + "node's immutable files (*.sst, *.ldb) and copies the others into a snapshot directory beside "
                    + "its data, then thaws every node (--thaw). Prints each snapshot directory and the pause "
                    + "window. 'push --snapshot' does the same, pushes the snapshot after writes resumed, and "
                    + "removes it. See docs/SNAPSHOTS.md.",
            "",
            "Example:",
            "  s3backup snapshot --freeze 'kill -STOP $(cat $S3BACKUP_DATA_DIR/pid)' \\",
            "      --thaw 'kill -CONT $(cat $S3BACKUP_DATA_DIR/pid)' \\",
            "      n1=/data/db1 n2=/data/db2"},
        footer = ExitCodes.HELP_FOOTER)
final class SnapshotCommand extends BaseCommand {
    @Parameters(arity = "1..*", paramLabel = "SOURCE",
            description = "TOKEN=DIR (a node's live data directory) or FILE (a loose file copied during the pause).")
    List<String> sources;

    @Mixin
    SnapshotFlags flags;

    @Option(names = "--json", description = "Print the snapshot as JSON on stdout.")
    boolean json;

    @Override
    public Integer call() {
        Output output = output();
        List<Source> parsed = sources.stream().map(Source::parse).toList();
        SnapshotOptions options = flags.options();
        if (flags.nodes(parsed, options).isEmpty()) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot take a snapshot: give at least one TOKEN=DIR");
        }
        Snapshot s = new CoordinatedSnapshot(flags.nodes(parsed, options), SnapshotFlags.looseFiles(parsed), options,
                Clock.systemUTC()).take();
        s.warnings().forEach(output::warn);
        if (json) {
            output.out().println(Json.write(SnapshotFlags.toMap(s, true)));
        } else {
            output.out().println("Snapshot taken at " + s.startedAt());
            SnapshotFlags.printSummary(output, s, true);
        }
        return ExitCodes.OK;
    }
}
