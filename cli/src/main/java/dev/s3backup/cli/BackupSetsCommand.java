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
        description = {"List backup sets (nodes pushed from several hosts with push --backup-set): complete ones",
            "with their backup, incomplete ones with the nodes still missing. An incomplete set is not a backup.",
            "--complete commits every set whose parts have all arrived (normally the last host's push does it)."},
        footer = ExitCodes.HELP_FOOTER)
final class BackupSetsCommand extends BaseCommand {
    @Mixin
    RepoOptions repoOptions;

    @Option(names = "--json", description = "Print a JSON array on stdout.")
    boolean json;

    @Option(names = "--complete", description = "Commit every set whose parts have all arrived.")
    boolean complete;

    @Override
    public Integer call() {
        Output output = output();
        try (Repository repo = Repository.open(StoreFactory.open(repoOptions, false))) {
            List<BackupSet.Status> sets = new ArrayList<>();
            for (BackupSet.Status s : BackupSet.list(repo)) {
                if (complete && !s.complete() && s.missing().isEmpty() && !s.expected().isEmpty()) {
                    s = BackupSet.tryComplete(repo, s.setId(), Path.of(System.getProperty("java.io.tmpdir")));
                }
                sets.add(s);
            }
            if (json) {
                output.out().println(Json.write(sets.stream().map(BackupSetsCommand::toMap).toList()));
            } else if (sets.isEmpty()) {
                output.out().println("No backup sets in " + repo.describe());
            } else {
                for (BackupSet.Status s : sets) {
                    output.out().printf("%-24s  %-10s  nodes %s  %s%n", s.setId(), s.complete() ? "complete" : "INCOMPLETE",
                            s.expected(), s.complete() ? "backup " + s.backupId() : "missing " + s.missing());
                }
            }
        }
        return ExitCodes.OK;
    }

    static Map<String, Object> toMap(BackupSet.Status s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.setId());
        m.put("complete", s.complete());
        m.put("backupId", s.backupId());
        m.put("nodes", s.expected());
        m.put("present", s.present());
        m.put("missing", s.missing());
        return m;
    }
}
