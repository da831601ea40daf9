package dev.s3backup.cli;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.restore.Restore;
import dev.s3backup.core.restore.RestoreOptions;
import dev.s3backup.core.restore.RestoreProgress;
import dev.s3backup.core.restore.RestoreResult;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "restore", mixinStandardHelpOptions = true,
        description = {"Restore a backup into a directory, verifying every byte.",
            "",
            "Layout, as HyperDex's backup-manager lays out a backup: one directory per node token (pass it to the "
                    + "daemon's --data) and the loose files beside them (coordinator.bin). Every chunk is checked "
                    + "against its SHA-256 before use; a file appears under its name only when complete and "
                    + "verified. A damaged chunk fails only the files that use it: the rest is restored and the "
                    + "failures are listed (exit code 4).",
            "",
            "Examples:",
            "  s3backup restore -r s3://bucket/db --manifest latest --target /srv/restore",
            "  s3backup restore -r s3://bucket/db -m 20261125T081309.123Z-1f2e3d4c \\",
            "      --node 1303626734 --target /data"},
        footer = ExitCodes.HELP_FOOTER)
final class RestoreCommand extends BaseCommand {
    @Mixin
    RepoOptions repoOptions;

    @Option(names = {"-m", "--manifest"}, required = true, paramLabel = "ID|latest", description = "The backup to restore.")
    String manifest;

    @Option(names = {"-t", "--target"}, required = true, paramLabel = "DIR",
            description = "Directory to restore into; must be empty or absent unless --force.")
    Path target;

    @Option(names = "--node", paramLabel = "TOKEN", description = "Restore only this node's directory.")
    String node;

    @Option(names = "--force", description = "Restore into a non-empty target; files of the backup replace files there.")
    boolean force;

    @Option(names = "--delta", description = "Keep files already in the target whose size and SHA-256 match the "
            + "backup; download only the others (implies --force; files not in the backup are left alone).")
    boolean delta;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "" + RestoreOptions.DEFAULT_THREADS,
            description = "Files downloaded at once (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--json", description = "Print the summary as JSON on stdout.")
    boolean json;

    @Override
    public Integer call() {
        Output output = output();
        if (threads < 1) {
            throw new BackupException(BackupException.Reason.INVALID_INPUT, "Cannot restore: --threads must be at least 1");
        }
        RestoreProgress progress = new RestoreProgress();
        RestoreResult result;
        try (Repository repo = repoOptions.openRepository();
             ProgressLine line = new ProgressLine(output, () -> status(progress))) {
            result = new Restore(repo, new RestoreOptions(node, force, threads, delta), progress).run(manifest, target);
        }
        metrics(toMap(result));
        if (json) {
            output.out().println(Json.write(toMap(result)));
        } else {
            var out = output.out();
            out.println((result.complete() ? "Restored backup " : "Restored backup, INCOMPLETE: ") + result.backupId()
                    + " into " + target.toAbsolutePath());
            out.printf("  files:         %d (%s, %s)%n", result.files(), Sizes.count(result.directories(), "directory"),
                    Sizes.count(result.symlinks(), "symlink"));
            out.printf("  bytes written: %s%s%n", Sizes.bytes(result.bytesWritten()),
                    delta ? " (" + result.filesKept() + " files already in place, kept)" : "");
            out.printf("  duration:      %s%n", Sizes.duration(result.duration()));
            out.printf("  requests:      %s%n", result.requests());
        }
        for (RestoreResult.Failure f : result.failures()) {
            output.err().println("s3backup: error: " + f.message());
        }
        if (!result.complete()) {
            output.err().println("s3backup: error: " + result.failures().size() + " file(s) of backup "
                    + result.backupId() + " could not be restored; they are absent from the target");
            if (result.failures().stream().anyMatch(f -> f.message().contains("the disk is full"))) {
                output.err().println("s3backup: hint: free space on the target's disk, then rerun with --delta to keep "
                        + "the files already restored");
            }
            output.err().flush();
            return result.failures().stream().map(f -> ExitCodes.of(f.reason())).max(Integer::compare).orElse(ExitCodes.IO);
        }
        return ExitCodes.OK;
    }

    private static String status(RestoreProgress p) {
        if (p.totalBytes() < 0) {
            return "checking manifest...";
        }
        return "restored " + p.filesDone() + "/" + p.totalFiles() + " files, " + Sizes.bytes(p.bytesWritten()) + " of "
                + Sizes.bytes(p.totalBytes()) + ProgressLine.percent(p.bytesWritten(), p.totalBytes());
    }

    private static Map<String, Object> toMap(RestoreResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("backupId", r.backupId());
        m.put("complete", r.complete());
        m.put("files", r.files());
        m.put("directories", r.directories());
        m.put("symlinks", r.symlinks());
        m.put("bytesWritten", r.bytesWritten());
        m.put("filesKept", r.filesKept());
        m.put("durationSeconds", r.duration().toNanos() / 1e9);
        m.put("requests", Requests.toMap(r.requests()));
        List<Object> failures = r.failures().stream().map(f -> (Object) Map.of(
                "path", f.path(), "reason", f.reason().name(), "message", f.message())).toList();
        m.put("failures", failures);
        return m;
    }
}
