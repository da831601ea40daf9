package dev.s3backup.core.snapshot;

import dev.s3backup.core.cache.HashCache;
import dev.s3backup.core.cache.ResumeJournal;
import dev.s3backup.core.push.Push;
import dev.s3backup.core.push.PushOptions;
import dev.s3backup.core.push.PushProgress;
import dev.s3backup.core.push.PushResult;
import dev.s3backup.core.repo.Repository;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The library entry point for applications that embed their LSM store: take a coordinated
 * snapshot, push it after writes resumed, remove it. No CLI involved.
 *
 * <pre>{@code
 * try (Repository repo = Repository.open(new FileObjectStore(Path.of("/mnt/nas/backups")))) {
 *     LsmBackup.Result r = LsmBackup.to(repo, PushOptions.defaults(host, "my-app 1.0"))
 *             // a RocksDB that snapshots itself: no pause at all
 *             .checkpointNode("users", usersDir, dir -> Checkpoint.create(usersDb).createCheckpoint(dir.toString()))
 *             // any store: pause writes, s3backup hard-links the SSTs and copies the rest
 *             .node("events", eventsDir, Quiescer.of(events::pauseWrites, events::resumeWrites))
 *             .run();
 *     log.info("backup {} paused writes for {} ms", r.push().backupId(), r.snapshot().pause().toMillis());
 * }
 * }</pre>
 */
public final class LsmBackup {
    private final Repository repository;
    private PushOptions pushOptions;
    private SnapshotOptions snapshotOptions = SnapshotOptions.defaults();
    private final List<SnapshotNode> nodes = new ArrayList<>();
    private final List<Path> looseFiles = new ArrayList<>();
    private boolean keepSnapshot;
    private Clock clock = Clock.systemUTC();
    private PushProgress progress = new PushProgress();
    private HashCache hashCache = HashCache.disabled();
    private ResumeJournal resumeJournal = ResumeJournal.disabled();

    private LsmBackup(Repository repository, PushOptions pushOptions) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.pushOptions = Objects.requireNonNull(pushOptions, "pushOptions");
    }

    public static LsmBackup to(Repository repository, PushOptions pushOptions) {
        return new LsmBackup(repository, pushOptions);
    }

    /** A node paused by the quiescer while s3backup hard-links its immutable files and copies the rest. */
    public LsmBackup node(String token, Path dataDir, Quiescer quiescer) {
        nodes.add(SnapshotNode.hardLinked(token, dataDir, quiescer));
        return this;
    }

    /**
     * A node that writes its own consistent checkpoint (RocksDB: {@code Checkpoint.createCheckpoint});
     * the checkpoint goes where the snapshot of {@code dataDir} would, and is removed after the push.
     */
    public LsmBackup checkpointNode(String token, Path dataDir, Checkpointer checkpointer) {
        nodes.add(SnapshotNode.checkpointed(token, dataDir, checkpointer));
        return this;
    }

    public LsmBackup node(SnapshotNode node) {
        nodes.add(Objects.requireNonNull(node, "node"));
        return this;
    }

    /** A file copied during the pause and restored at the top of the target, such as coordinator state. */
    public LsmBackup looseFile(Path file) {
        looseFiles.add(Objects.requireNonNull(file, "file"));
        return this;
    }

    public LsmBackup snapshotOptions(SnapshotOptions options) {
        this.snapshotOptions = Objects.requireNonNull(options, "options");
        return this;
    }

    public LsmBackup keepSnapshot(boolean keep) {
        this.keepSnapshot = keep;
        return this;
    }

    public LsmBackup clock(Clock c) {
        this.clock = Objects.requireNonNull(c, "clock");
        return this;
    }

    /** Lets the push skip reading hard-linked files whose inode the cache already knows. */
    public LsmBackup hashCache(HashCache cache) {
        this.hashCache = Objects.requireNonNull(cache, "cache");
        return this;
    }

    /** Lets a push after an interrupted one skip the chunks that one stored; see {@link Push#useResumeJournal}. */
    public LsmBackup resumeJournal(ResumeJournal journal) {
        this.resumeJournal = Objects.requireNonNull(journal, "journal");
        return this;
    }

    public LsmBackup progress(PushProgress p) {
        this.progress = Objects.requireNonNull(p, "progress");
        return this;
    }

    /**
     * @param snapshotKept whether the snapshot is still on disk (asked for, or its removal failed:
     *     then a warning says so)
     */
    public record Result(Snapshot snapshot, PushResult push, boolean snapshotKept, List<String> warnings) {
        public Result {
            warnings = List.copyOf(warnings);
        }
    }

    /**
     * Snapshots, pushes, removes the snapshot. A failed snapshot throws (every node thawed) and
     * pushes nothing; a failed push throws after removing the snapshot (unless kept), so a re-run
     * starts clean.
     */
    public Result run() {
        Snapshot snapshot = new CoordinatedSnapshot(nodes, looseFiles, snapshotOptions, clock).take();
        List<String> warnings = new ArrayList<>(snapshot.warnings());
        PushResult result;
        try {
            result = new Push(repository, pushOptions.withProperties(snapshot.properties()), clock, progress)
                    .useHashCache(hashCache).useResumeJournal(resumeJournal).run(snapshot.sources());
        } catch (RuntimeException e) {
            if (!keepSnapshot) {
                deleteQuietly(snapshot, warnings);
            }
            throw e;
        }
        boolean kept = keepSnapshot;
        if (!keepSnapshot) {
            kept = !deleteQuietly(snapshot, warnings);
        }
        return new Result(snapshot, result, kept, warnings);
    }

    private static boolean deleteQuietly(Snapshot snapshot, List<String> warnings) {
        try {
            snapshot.delete();
            return true;
        } catch (IOException e) {
            warnings.add("could not remove the snapshot " + snapshot.paths() + ": " + e.getMessage()
                    + "; remove it before the next snapshot");
            return false;
        }
    }
}
