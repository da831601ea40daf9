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

    @Option(names = "--hyperdex-coordinator", paramLabel = "ADDRESS",
            description = "The coordinator 'hyperdex backup' talks to, as HOST:PORT (passed as -h HOST -p PORT; "
                    + "default: hyperdex's own).")
    String hyperdexCoordinator;

    @Option(names = "--hyperdex-dir", paramLabel = "DIR", defaultValue = ".",
            description = "Where hyperdex backup runs and leaves the file NAME.coordinator.bin (default: the current directory).")
    Path hyperdexDir;

    @Option(names = "--hyperdex-timeout", paramLabel = "DURATION", defaultValue = "10m",
            description = "Longest 'hyperdex backup' may take before it is killed (default: ${DEFAULT-VALUE}).")
    String hyperdexTimeout;

    @Option(names = "--backup-set", paramLabel = "ID",
            description = "Push this host's node as one part of backup set ID; the set becomes one backup once every "
                    + "node of --set-nodes has pushed its part (see 's3backup backup-sets'). Needs --node and --set-nodes, "
                    + "except with --hyperdex: then this host pushes its own daemons and coordinator.bin as node "
                    + "'" + HYPERDEX_COORDINATOR_NODE + "' and prints the command each other daemon host must run.")
    String backupSet;

    @Option(names = "--node", paramLabel = "TOKEN", description = "With --backup-set: the node this host pushes.")
    String node;

    @Option(names = "--set-nodes", paramLabel = "TOKENS", split = ",", hideParamSyntax = true,
            description = "With --backup-set: the tokens of every node of the set, comma-separated (the same on every host).")
    List<String> setNodes;

    static final String HYPERDEX_COORDINATOR_NODE = "coordinator";

    private BackupSet.Status setStatus;
    private final List<String> otherHostCommands = new ArrayList<>();
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
        if (hyperdex != null && backupSet != null && (node != null || setNodes != null)) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot push: with --hyperdex, --backup-set takes its nodes "
                    + "from hyperdex's output; drop --node and --set-nodes");
        }
        if (hyperdex == null && hyperdexCoordinator != null) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot push: --hyperdex-coordinator needs --hyperdex");
        }
        if (hyperdex == null && ((backupSet == null) != (node == null) || (backupSet == null) != (setNodes == null))) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot push: --backup-set, --node and --set-nodes go together");
        }
        if (keepSnapshot && !snapshot && hyperdex == null) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot push: --keep-snapshot needs --snapshot or --hyperdex");
        }
    }

    PushResult push(Output output, Repository repo, String repoUrl, PushOptions options, List<Source> sources,
                    HashCache cache, ResumeJournal journal, PushProgress progress) {
        if (hyperdex != null) {
            return pushHyperDex(output, repo, repoUrl, options, sources, cache, journal, progress);
        }
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
        if (!snapshot) {
            return new Push(repo, options, Clock.systemUTC(), progress).useHashCache(cache).useResumeJournal(journal)
                    .run(sources);
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

    /**
     * Takes HyperDex's snapshot and pushes what this host can read. Daemons on other hosts are
     * pushed there as parts of a backup set (with --backup-set; this host prints their commands),
     * or the push is refused naming them. Whatever fails, the snapshot left on this host is
     * removed (unless --keep-snapshot), so the next run can take a fresh backup of that name.
     */
    private PushResult pushHyperDex(Output output, Repository repo, String repoUrl, PushOptions options,
                                    List<Source> sources, HashCache cache, ResumeJournal journal, PushProgress progress) {
        if (snapshot) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot push: --hyperdex takes its own snapshot; "
                    + "drop --snapshot");
        }
        HyperDexBackup.Command command = new HyperDexBackup.Command(hyperdexCommand, hyperdexCoordinator,
                SnapshotFlags.parseDuration(hyperdexTimeout));
        HyperDexBackup hd = HyperDexBackup.take(command, hyperdex, hyperdexDir.toAbsolutePath(),
                HyperDexBackup.thisHostsAddresses());
        hyperdexTaken = hd;
        kept = true;
        try {
            List<HyperDexBackup.Server> remote = hd.remoteServers();
            if (!remote.isEmpty() && backupSet == null) {
                throw new BackupException(Reason.INVALID_INPUT, "Cannot push HyperDex backup " + hd.name() + ": "
                        + remote + " run on other hosts, and their snapshots cannot be read here; push with "
                        + "--backup-set ID so that each host pushes its own daemon (this host prints their commands), "
                        + "and remove DATA/backup-" + hd.name() + " on those hosts");
            }
            List<Source> all = new ArrayList<>(hd.sources());
            all.addAll(sources);
            PushOptions withHd = options.withProperties(hd.properties());
            PushResult result;
            if (backupSet == null) {
                result = new Push(repo, withHd, Clock.systemUTC(), progress).useHashCache(cache).useResumeJournal(journal)
                        .run(all);
            } else {
                List<String> nodes = new ArrayList<>(List.of(HYPERDEX_COORDINATOR_NODE));
                remote.forEach(s -> nodes.add(s.id()));
                Repository part = BackupSet.partRepository(repo, backupSet, HYPERDEX_COORDINATOR_NODE, nodes);
                result = new Push(part, withHd.withProperties(Map.of("set.id", backupSet, "set.node",
                        HYPERDEX_COORDINATOR_NODE)), Clock.systemUTC(), progress).useHashCache(cache)
                        .useResumeJournal(journal).run(all);
                setStatus = BackupSet.tryComplete(repo, backupSet, Path.of(System.getProperty("java.io.tmpdir")));
                for (HyperDexBackup.Server s : remote) {
                    otherHostCommands.add("on " + s.ip() + ": s3backup push -r " + repoUrl + " --backup-set " + backupSet
                            + " --node " + s.id() + " --set-nodes " + String.join(",", nodes) + " " + s.id() + "="
                            + s.path() + " && rm -rf " + s.path());
                }
            }
            if (!keepSnapshot) {
                String left = hd.delete();
                if (left.isEmpty()) {
                    kept = false;
                } else {
                    output.warn("could not remove the HyperDex snapshot: " + left);
                }
            }
            return result;
        } catch (RuntimeException e) {
            if (!keepSnapshot) {
                String left = hd.delete();
                output.warn(left.isEmpty()
                        ? "removed the HyperDex snapshot " + hd.name() + " of this host, so the next run can take it again"
                        : "could not remove the HyperDex snapshot: " + left);
            }
            throw e;
        }
    }

    void printSummary(Output output) {
        if (setStatus != null) {
            output.out().printf("  backup set:     %s, node %s committed as a part; %s%n", backupSet, node,
                    switch (setStatus.state()) {
                        case COMPLETE -> "set complete: backup " + setStatus.backupId() + " committed";
                        case INCOMPLETE -> "waiting for " + setStatus.missing();
                        case FORGOTTEN -> "the set's backup " + setStatus.backupId() + " was forgotten";
                    });
        }
        if (hyperdexTaken != null) {
            output.out().printf("  hyperdex:       'backup %s' took %s ms (the cluster's pause is within it), %d servers; "
                    + "%s%n", hyperdexTaken.name(), Snapshot.millis(hyperdexTaken.duration()),
                    hyperdexTaken.servers().size(), kept ? "snapshot kept" : "snapshot removed");
            if (!otherHostCommands.isEmpty()) {
                output.out().printf("  other hosts:    %d daemon(s) run elsewhere; push each there (with the same S3 "
                        + "options as here):%n", otherHostCommands.size());
                otherHostCommands.forEach(c -> output.out().printf("    %s%n", c));
            }
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
            m.put("servers", hyperdexTaken.servers().stream().map(HyperDexBackup.Server::id).toList());
            m.put("remoteServers", hyperdexTaken.remoteServers().stream().map(HyperDexBackup.Server::id).toList());
            m.put("otherHostCommands", otherHostCommands);
            m.put("kept", kept);
            json.put("hyperdex", m);
        }
        if (taken != null) {
            json.put("snapshot", SnapshotFlags.toMap(taken, kept));
        }
    }
}
