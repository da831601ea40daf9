package dev.s3backup.cli;

import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.snapshot.BackupSet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "backup-sets", mixinStandardHelpOptions = true,
        description = {"List the backup sets pushed from several hosts.",
            "",
            "A backup set gathers the nodes pushed from several hosts with push --backup-set. Complete sets are "
                    + "listed with their backup, incomplete ones with the nodes still missing. An incomplete set "
                    + "is not a backup. --complete commits every set whose parts have all arrived (normally the "
                    + "last host's push does it). A set whose backup was forgotten stays forgotten: --complete "
                    + "never commits it again (counted, and listed by --json with state \"forgotten\")."},
        footer = ExitCodes.HELP_FOOTER)
final class BackupSetsCommand extends BaseCommand {
    @Mixin
    WriteRepoOptions repoOptions;

    @Option(names = "--json", description = "Print a JSON array on stdout.")
    boolean json;

    @Option(names = "--complete", description = "Commit every set whose parts have all arrived.")
    boolean complete;

    @Override
    public Integer call() {
        Output output = output();
        try (Repository repo = repoOptions.openRepository()) {
            List<BackupSet.Status> sets = new ArrayList<>();
            for (BackupSet.Status s : BackupSet.list(repo)) {
                if (complete && s.state() == BackupSet.State.INCOMPLETE && s.missing().isEmpty() && !s.expected().isEmpty()) {
                    s = BackupSet.tryComplete(repo, s.setId(), Path.of(System.getProperty("java.io.tmpdir")));
                }
                sets.add(s);
            }
            if (json) {
                output.out().println(Json.write(sets.stream().map(BackupSetsCommand::toMap).toList()));
            } else if (sets.isEmpty()) {
                output.out().println("No backup sets in " + repo.describe());
            } else {
                long forgotten = sets.stream().filter(s -> s.state() == BackupSet.State.FORGOTTEN).count();
                for (BackupSet.Status s : sets) {
                    switch (s.state()) {
                        case COMPLETE -> output.out().printf("%-24s  %-10s  nodes %s  backup %s%n", s.setId(), "complete",
                                s.expected(), s.backupId());
                        case INCOMPLETE -> output.out().printf("%-24s  %-10s  nodes %s  missing %s%n", s.setId(),
                                "INCOMPLETE", s.expected(), s.missing());
                        case FORGOTTEN -> { }
                    }
                }
                if (forgotten > 0) {
                    output.out().println(forgotten + " forgotten set(s) not shown: their backups were forgotten, "
                            + "and a forgotten set is never committed again (--json lists them)");
                }
            }
        }
        return ExitCodes.OK;
    }

    static Map<String, Object> toMap(BackupSet.Status s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.setId());
        m.put("complete", s.complete());
        m.put("state", s.state().name().toLowerCase(java.util.Locale.ROOT));
        m.put("backupId", s.backupId());
        m.put("nodes", s.expected());
        m.put("present", s.present());
        m.put("missing", s.missing());
        return m;
    }
}
