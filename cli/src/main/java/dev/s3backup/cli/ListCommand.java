package dev.s3backup.cli;

import dev.s3backup.core.repo.BackupSummary;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.snapshot.BackupSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "list", mixinStandardHelpOptions = true,
        description = {"List the committed backups, oldest first.",
            "",
            "Each line: id, name, time, files, logical size."},
        footer = ExitCodes.HELP_FOOTER)
final class ListCommand extends BaseCommand {
    @Mixin
    RepoOptions repoOptions;

    @Option(names = "--json", description = "Print a JSON array on stdout.")
    boolean json;

    @Option(names = "--name", paramLabel = "NAME", description = "Only backups of this name (repeatable).")
    List<String> names;

    @Override
    public Integer call() {
        Output output = output();
        try (Repository repo = repoOptions.openRepository()) {
            List<BackupSummary> backups = new ArrayList<>();
            for (String id : repo.listBackupIds()) {
                BackupSummary summary = repo.summary(id);
                if (names == null || names.contains(summary.header().name())) {
                    backups.add(summary);
                }
            }
            metrics.put("backups", backups.size());
            if (json) {
                output.out().println(Json.write(backups.stream().map(ListCommand::toMap).toList()));
            } else if (backups.isEmpty()) {
                output.out().println("No backups" + (names == null ? "" : " named " + String.join(", ", names)) + " in "
                        + repo.describe());
            } else {
                output.out().printf("%-31s  %-16s  %-20s  %9s  %10s%n", "ID", "NAME", "CREATED (UTC)", "FILES", "SIZE");
                for (BackupSummary b : backups) {
                    output.out().printf("%-31s  %-16s  %-20s  %9d  %10s%n", b.id(), b.header().name(),
                            b.header().created().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString(),
                            b.totals().files(), Sizes.bytes(b.totals().bytes()));
                }
            }
            if (!json) {
                // A set waiting for a node is not a backup, but its owner needs to see it waiting.
                for (BackupSet.Status set : BackupSet.list(repo)) {
                    if (set.state() == BackupSet.State.INCOMPLETE) {
                        output.out().println("incomplete backup set " + set.setId() + ": waiting for node(s) "
                                + set.missing() + " (not a backup; see 's3backup backup-sets')");
                    }
                }
            }
        }
        return ExitCodes.OK;
    }

    static Map<String, Object> toMap(BackupSummary b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", b.id());
        m.put("name", b.header().name());
        m.put("created", b.header().created().toString());
        m.put("host", b.header().host());
        m.put("toolVersion", b.header().toolVersion());
        m.put("parent", b.header().parent());
        m.put("nodes", b.header().nodes().stream().map(n -> n.token()).toList());
        m.put("files", b.totals().files());
        m.put("directories", b.totals().directories());
        m.put("symlinks", b.totals().symlinks());
        m.put("bytes", b.totals().bytes());
        return m;
    }
}
