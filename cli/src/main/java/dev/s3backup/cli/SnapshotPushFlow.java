package dev.s3backup.cli;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.core.cache.HashCache;
import dev.s3backup.core.push.PushOptions;
import dev.s3backup.core.push.PushProgress;
import dev.s3backup.core.push.PushResult;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.snapshot.LsmBackup;
import dev.s3backup.core.snapshot.Snapshot;
import dev.s3backup.core.snapshot.SnapshotOptions;
import dev.s3backup.core.source.Source;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What {@code push} does beyond pushing finished directories: take a coordinated snapshot first
 * ({@code --snapshot}). Kept out of PushCommand so the plain push stays as it was.
 */
final class SnapshotPushFlow {
    @Option(names = "--snapshot",
            description = "Treat TOKEN=DIR sources as live data: freeze every node, hard-link its immutable files and "
                    + "copy the rest into a snapshot beside it, thaw, then push the snapshot (writes resume before "
                    + "any upload) and remove it. The pause window is printed and recorded in the backup.")
    boolean snapshot;

    @Option(names = "--keep-snapshot", description = "With --snapshot: keep the snapshot directories after the push.")
    boolean keepSnapshot;

    @Mixin
    SnapshotFlags flags;

    private Snapshot taken;
    private boolean kept;

    boolean active() {
        return snapshot;
    }

    void validate() {
        if (!snapshot && (flags.hooksGiven() || keepSnapshot || flags.snapshotDir != null || flags.copyFallback
                || flags.immutable != null)) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot push: --freeze, --thaw, --keep-snapshot, "
                    + "--snapshot-dir, --copy-fallback and --immutable need --snapshot");
        }
    }

    PushResult push(Output output, Repository repo, PushOptions options, List<Source> sources, HashCache cache,
                    PushProgress progress) {
        SnapshotOptions snapshotOptions = flags.options();
        LsmBackup backup = LsmBackup.to(repo, options).snapshotOptions(snapshotOptions).keepSnapshot(keepSnapshot)
                .hashCache(cache).progress(progress).clock(Clock.systemUTC());
        flags.nodes(sources, snapshotOptions).forEach(backup::node);
        SnapshotFlags.looseFiles(sources).forEach(backup::looseFile);
        LsmBackup.Result r = backup.run();
        r.warnings().forEach(output::warn);
        taken = r.snapshot();
        kept = r.snapshotKept();
        return r.push();
    }

    void printSummary(Output output) {
        if (taken != null) {
            SnapshotFlags.printSummary(output, taken, kept);
        }
    }

    void addTo(Map<String, Object> json) {
        if (taken != null) {
            json.put("snapshot", SnapshotFlags.toMap(taken, kept));
        }
    }
}
