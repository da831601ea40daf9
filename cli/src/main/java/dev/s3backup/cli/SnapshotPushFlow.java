package dev.s3backup.cli;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.core.cache.HashCache;
import dev.s3backup.core.cache.ResumeJournal;
import dev.s3backup.core.push.PushOptions;
import dev.s3backup.core.push.PushProgress;
import dev.s3backup.core.push.PushResult;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.push.Push;
import dev.s3backup.core.snapshot.BackupSet;
import dev.s3backup.core.snapshot.HyperDexBackup;
import dev.s3backup.core.snapshot.LsmBackup;
import dev.s3backup.core.snapshot.Snapshot;
import dev.s3backup.core.snapshot.SnapshotOptions;
import dev.s3backup.core.source.Source;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
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

    @Option(names = "--hyperdex", paramLabel = "NAME",
            description = "Run 'hyperdex backup NAME' (HyperDex's coordinated snapshot), then push every daemon's "
                    + "snapshot under its token and NAME.coordinator.bin as coordinator.bin; both are removed after "
                    + "the push unless --keep-snapshot. See docs/HYPERDEX.md.")
    String hyperdex;

    @Option(names = "--hyperdex-command", paramLabel = "CMD", defaultValue = HyperDexBackup.DEFAULT_COMMAND,
            description = "How to run hyperdex, e.g. 'ssh coordinator hyperdex' (default: ${DEFAULT-VALUE}).")
    String hyperdexCommand;

    @Option(names = "--hyperdex-dir", paramLabel = "DIR", defaultValue = ".",
            description = "Where hyperdex backup runs and leaves NAME.coordinator.bin (default: the current directory).")
    Path hyperdexDir;

    @Option(names = "--hyperdex-timeout", paramLabel = "DURATION", defaultValue = "10m",
            description = "Longest 'hyperdex backup' may take before it is killed (default: ${DEFAULT-VALUE}).")
    String hyperdexTimeout;

    @Option(names = "--backup-set", paramLabel = "ID",
            description = "Push this host's node as one part of backup set ID; the set becomes one backup once every "
                    + "node of --set-nodes has pushed its part (see 's3backup backup-sets'). Needs --node and --set-nodes.")
    String backupSet;

    @Option(names = "--node", paramLabel = "TOKEN", description = "With --backup-set: the node this host pushes.")
    String node;

    @Option(names = "--set-nodes", paramLabel = "TOKEN", split = ",",
            description = "With --backup-set: every node of the set, e.g. n1,n2,n3 (the same on every host).")
    List<String> setNodes;

    private BackupSet.Status setStatus;
    private Snapshot taken;
    private HyperDexBackup hyperdexTaken;
    private boolean kept;

    boolean active() {
        return snapshot || hyperdex != null || backupSet != null;
    }

    void validate() {
        if (!snapshot && (flags.hooksGiven() || flags.snapshotDir != null || flags.copyFallback
                || flags.immutable != null)) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot push: --freeze, --thaw, --snapshot-dir, "
                    + "--copy-fallback and --immutable need --snapshot");
        }
        if ((backupSet == null) != (node == null) || (backupSet == null) != (setNodes == null)) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot push: --backup-set, --node and --set-nodes go together");
        }
        if (keepSnapshot && !snapshot && hyperdex == null) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot push: --keep-snapshot needs --snapshot or --hyperdex");
        }
    }

    PushResult push(Output output, Repository repo, PushOptions options, List<Source> sources, HashCache cache,
                    ResumeJournal journal, PushProgress progress) {
        if (backupSet != null) {
            for (Source s : sources) {
                if (!s.looseFile() && !s.token().equals(node)) {
                    throw new BackupException(Reason.INVALID_INPUT, "Cannot push source " + s.token() + " as node " + node
                            + " of backup set " + backupSet + ": a host pushes only its own node; label it " + node + "=DIR");
                }
            }
            Repository part = BackupSet.partRepository(repo, backupSet, node, setNodes);
            PushResult result = pushOne(output, part, options.withProperties(Map.of("set.id", backupSet, "set.node", node)),
                    sources, cache, journal, progress);
            setStatus = BackupSet.tryComplete(repo, backupSet, java.nio.file.Path.of(System.getProperty("java.io.tmpdir")));
            return result;
        }
        return pushOne(output, repo, options, sources, cache, journal, progress);
    }

    private PushResult pushOne(Output output, Repository repo, PushOptions options, List<Source> sources,
                               HashCache cache, ResumeJournal journal, PushProgress progress) {
        if (!snapshot && hyperdex == null) {
            return new Push(repo, options, Clock.systemUTC(), progress).useHashCache(cache).useResumeJournal(journal)
                    .run(sources);
        }
        if (hyperdex != null) {
            return pushHyperDex(output, repo, options, sources, cache, journal, progress);
        }
        SnapshotOptions snapshotOptions = flags.options();
        LsmBackup backup = LsmBackup.to(repo, options).snapshotOptions(snapshotOptions).keepSnapshot(keepSnapshot)
                .hashCache(cache).resumeJournal(journal).progress(progress).clock(Clock.systemUTC());
        flags.nodes(sources, snapshotOptions).forEach(backup::node);
        SnapshotFlags.looseFiles(sources).forEach(backup::looseFile);
        LsmBackup.Result r = backup.run();
        r.warnings().forEach(output::warn);
        taken = r.snapshot();
        kept = r.snapshotKept();
        return r.push();
    }

    private PushResult pushHyperDex(Output output, Repository repo, PushOptions options, List<Source> sources,
                                    HashCache cache, ResumeJournal journal, PushProgress progress) {
        if (snapshot) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot push: --hyperdex takes its own snapshot; "
                    + "drop --snapshot");
        }
        HyperDexBackup hd = HyperDexBackup.take(hyperdexCommand, hyperdex, hyperdexDir.toAbsolutePath(),
                SnapshotFlags.parseDuration(hyperdexTimeout));
        hyperdexTaken = hd;
        List<Source> all = new ArrayList<>(hd.sources());
        all.addAll(sources);
        PushResult result = new Push(repo, options.withProperties(hd.properties()), Clock.systemUTC(), progress)
                .useHashCache(cache).useResumeJournal(journal).run(all);
        kept = keepSnapshot;
        if (!keepSnapshot) {
            try {
                hd.delete();
            } catch (IOException e) {
                kept = true;
                output.warn("could not remove the HyperDex snapshot " + hd.nodes().values() + ": " + e.getMessage());
            }
        }
        return result;
    }

    void printSummary(Output output) {
        if (setStatus != null) {
            output.out().printf("  backup set:     %s, node %s committed as a part; %s%n", backupSet, node,
                    setStatus.complete() ? "set complete: backup " + setStatus.backupId() + " committed"
                            : "waiting for " + setStatus.missing());
        }
        if (hyperdexTaken != null) {
            output.out().printf("  hyperdex:       'backup %s' took %s ms (the cluster's pause is within it), %d servers; "
                    + "%s%n", hyperdexTaken.name(), Snapshot.millis(hyperdexTaken.duration()),
                    hyperdexTaken.nodes().size(), kept ? "snapshot kept" : "snapshot removed");
        }
        if (taken != null) {
            SnapshotFlags.printSummary(output, taken, kept);
        }
    }

    void addTo(Map<String, Object> json) {
        if (setStatus != null) {
            json.put("backupSet", BackupSetsCommand.toMap(setStatus));
        }
        if (hyperdexTaken != null) {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("name", hyperdexTaken.name());
            m.put("backupMillis", hyperdexTaken.duration().toNanos() / 1e6);
            m.put("servers", new ArrayList<>(hyperdexTaken.nodes().keySet()));
            m.put("kept", kept);
            json.put("hyperdex", m);
        }
        if (taken != null) {
            json.put("snapshot", SnapshotFlags.toMap(taken, kept));
        }
    }
}
