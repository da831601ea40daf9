package dev.s3backup.core.snapshot;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;

/**
 * Takes a coordinated snapshot of several nodes: freeze every node (in parallel), hard-link each
 * node's immutable files and copy the others into a snapshot directory beside its data (or let
 * the store checkpoint itself), thaw every node (in parallel). Nothing is uploaded while the
 * nodes are frozen; the pause lasts as long as the hooks and the links take.
 *
 * <p>Guarantees: every node whose freeze was started is thawed exactly once, whatever happens -
 * a freeze that fails or overruns its timeout, a capture error, an interrupt of the calling
 * thread, or the JVM shutting down (Ctrl-C) while the nodes are frozen. Everything that can be
 * checked without pausing (data directories, snapshot directories, file systems) is checked
 * before the first freeze. On failure the snapshot directories are removed, except after a
 * failed thaw, when they are kept for inspection.
 */
public final class CoordinatedSnapshot {
    private static final int BATCH = 64;
    /** Grace after a command hook's own timeout, so it can report (and kill) before we give up on it. */
    private static final Duration GRACE = Duration.ofSeconds(2);

    private final List<SnapshotNode> nodes;
    private final List<Path> looseFiles;
    private final SnapshotOptions options;
    private final Clock clock;

    /**
     * @param looseFiles files copied during the pause and pushed as loose files under their own
     *     name (such as a coordinator's {@code coordinator.bin})
     */
    public CoordinatedSnapshot(List<SnapshotNode> nodes, List<Path> looseFiles, SnapshotOptions options, Clock clock) {
        this.nodes = List.copyOf(nodes);
        this.looseFiles = List.copyOf(looseFiles);
        this.options = options;
        this.clock = clock;
    }

    private record Prepared(SnapshotNode node, Path snapshotDir, boolean copyAll) {
    }

    private record Op(Path source, Path target, boolean link, Counters counters) {
    }

    private static final class Counters {
        final LongAdder linked = new LongAdder();
        final LongAdder copied = new LongAdder();
        final LongAdder bytesCopied = new LongAdder();
    }

    public Snapshot take() {
        List<String> warnings = new ArrayList<>();
        List<Prepared> prepared = prepare(warnings);
        List<Snapshot.LooseFile> loose = prepareLoose();
        List<Path> created = new ArrayList<>();
        try {
            for (Prepared p : prepared) {
                if (p.node().checkpointer() == null) {
                    Files.createDirectory(p.snapshotDir());
                    created.add(p.snapshotDir());
                }
            }
            for (Prepared p : prepared) {
                if (p.node().checkpointer() == null && !p.copyAll()) {
                    probe(p);
                }
            }
        } catch (IOException e) {
            deleteAll(created);
            throw new BackupException(Reason.IO, "Cannot create snapshot directory: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            deleteAll(created);
            throw e;
        }
        return run(prepared, loose, warnings);
    }

    /**
     * Links and copies a probe file in the snapshot directory before anything is frozen: it proves
     * the file system takes hard links (some network and FUSE file systems do not), and it loads
     * the code of the capture so the first pause is not a cold one.
     */
    private static void probe(Prepared p) throws IOException {
        Path probe = p.snapshotDir().resolve(".s3backup-probe");
        Path link = p.snapshotDir().resolve(".s3backup-probe-link");
        Path copy = p.snapshotDir().resolve(".s3backup-probe-copy");
        try {
            Files.writeString(probe, "probe");
            try {
                Files.createLink(link, probe);
            } catch (IOException | UnsupportedOperationException e) {
                throw new BackupException(Reason.INVALID_INPUT, "Cannot snapshot node " + p.node().token() + ": "
                        + p.snapshotDir() + " does not take hard links (" + e.getMessage() + "); use --copy-fallback "
                        + "to copy every file while the node is frozen", e);
            }
            Files.copy(probe, copy, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
            Files.readAttributes(probe, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } finally {
            Files.deleteIfExists(probe);
            Files.deleteIfExists(link);
            Files.deleteIfExists(copy);
        }
    }

    private List<Prepared> prepare(List<String> warnings) {
        if (nodes.isEmpty()) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot take a snapshot: no node given");
        }
        Set<String> names = new HashSet<>();
        Set<Path> targets = new HashSet<>();
        List<Prepared> prepared = new ArrayList<>();
        for (SnapshotNode node : nodes) {
            String what = "Cannot snapshot node " + node.token() + ": ";
            if (!names.add(node.token())) {
                throw new BackupException(Reason.INVALID_INPUT, what + "the token is given twice");
            }
            Path data = node.dataDir();
            if (!Files.isDirectory(data)) {
                throw new BackupException(Reason.INVALID_INPUT, what + (Files.exists(data)
                        ? data + " is not a directory" : "no such data directory " + data));
            }
            Path snap = options.snapshotPathOf(node.token(), data);
            requireFree(what, snap, targets);
            boolean copyAll = false;
            if (node.checkpointer() == null && !sameFileSystem(data, snap.getParent())) {
                if (!options.copyFallback()) {
                    throw new BackupException(Reason.INVALID_INPUT, what + "snapshot directory " + snap
                            + " is on another file system than " + data + ", and hard links cannot cross file "
                            + "systems; put the snapshot on the data's file system (--snapshot-dir), or accept "
                            + "copying every file while the node is frozen (--copy-fallback)");
                }
                copyAll = true;
                warnings.add("node " + node.token() + ": " + snap + " is on another file system than " + data
                        + "; copying every file while the node is frozen (the pause grows with the data)");
            }
            prepared.add(new Prepared(node, snap, copyAll));
        }
        for (Path f : looseFiles) {
            String name = f.getFileName().toString();
            if (!names.add(name)) {
                throw new BackupException(Reason.INVALID_INPUT, "Cannot snapshot " + f + ": the name " + name
                        + " is already used by a node or another file");
            }
            if (!Files.isRegularFile(f)) {
                throw new BackupException(Reason.INVALID_INPUT, "Cannot snapshot " + f + ": no such file");
            }
        }
        return prepared;
    }

    private List<Snapshot.LooseFile> prepareLoose() {
        List<Snapshot.LooseFile> loose = new ArrayList<>();
        Set<Path> targets = new HashSet<>();
        for (Path f : looseFiles) {
            String name = f.getFileName().toString();
            Path copy = options.snapshotPathOf(name, f);
            requireFree("Cannot snapshot " + f + ": ", copy, targets);
            loose.add(new Snapshot.LooseFile(name, f, copy));
        }
        return loose;
    }

    private void requireFree(String what, Path snap, Set<Path> targets) {
        if (Files.exists(snap, LinkOption.NOFOLLOW_LINKS)) {
            throw new BackupException(Reason.INVALID_INPUT, what + "snapshot directory " + snap
                    + " already exists (left by an earlier run, or kept with --keep-snapshot); inspect it, "
                    + "remove it and retry");
        }
        if (!targets.add(snap.toAbsolutePath().normalize())) {
            throw new BackupException(Reason.INVALID_INPUT, what + "two snapshots would go to " + snap);
        }
        Path parent = snap.toAbsolutePath().getParent();
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new BackupException(Reason.INVALID_INPUT, what + "cannot create " + parent + ": " + e.getMessage(), e);
        }
    }

    private Snapshot run(List<Prepared> prepared, List<Snapshot.LooseFile> loose, List<String> warnings) {
        Duration timeout = options.hookTimeout();
        ExecutorService hooks = Executors.newCachedThreadPool(daemon("s3backup-freeze"));
        java.util.concurrent.ThreadPoolExecutor capturePool = (java.util.concurrent.ThreadPoolExecutor)
                Executors.newFixedThreadPool(options.captureThreads(), daemon("s3backup-capture"));
        capturePool.prestartAllCoreThreads();
        List<PathMatcher> immutable = options.immutablePatterns().stream()
                .map(CoordinatedSnapshot::globMatcher).toList();
        immutable.forEach(m -> m.matches(Path.of("warm-up")));
        ThawOnce thawOnce = new ThawOnce(prepared.stream().map(Prepared::node).toList(), timeout);
        List<Path> paths = new ArrayList<>();
        prepared.forEach(p -> paths.add(p.snapshotDir()));
        loose.forEach(f -> paths.add(f.copy()));
        // Ctrl-C while frozen: thaw, and remove the incomplete snapshot so the next run can start
        Thread onExit = new Thread(() -> {
            thawOnce.run();
            if (thawOnce.failures().isEmpty()) {
                deleteAll(paths);
            }
        }, "s3backup-thaw-on-exit");
        Runtime.getRuntime().addShutdownHook(onExit);

        boolean interrupted = false;
        Map<String, String> freezeFailures = new LinkedHashMap<>();
        Exception captureFailure = null;
        // identity: a record's first hashCode() costs milliseconds of bootstrap, paid inside the pause
        Map<Prepared, Counters> counters = new java.util.IdentityHashMap<>();
        Instant startedAt = clock.instant();
        long t0 = System.nanoTime();
        long t1;
        long t2;
        try {
            Map<String, Future<?>> freezes = new LinkedHashMap<>();
            for (Prepared p : prepared) {
                freezes.put(p.node().token(), hooks.submit(() -> {
                    p.node().quiescer().freeze(timeout);
                    return null;
                }));
            }
            interrupted = awaitAll(freezes, t0 + timeout.plus(GRACE).toNanos(), freezeFailures);
            t1 = System.nanoTime();
            if (freezeFailures.isEmpty() && !interrupted) {
                try {
                    capture(prepared, loose, counters, capturePool, immutable);
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (Exception e) {
                    captureFailure = e;
                }
            }
            t2 = System.nanoTime();
        } finally {
            capturePool.shutdownNow();
            hooks.shutdownNow();
            // runs even if something above threw unexpectedly
            thawOnce.run();
        }
        long t3 = System.nanoTime();
        try {
            Runtime.getRuntime().removeShutdownHook(onExit);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down; the hook found the nodes thawed
        }
        interrupted |= Thread.interrupted();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }

        Map<String, String> thawFailures = thawOnce.failures();
        if (!thawFailures.isEmpty()) {
            throw new BackupException(Reason.IO, "Cannot thaw " + describe(thawFailures)
                    + ". THE STORE MAY STILL BE PAUSED: check it now. Nothing was backed up; the snapshot is kept "
                    + "for inspection at " + paths);
        }
        if (!freezeFailures.isEmpty() || interrupted || captureFailure != null) {
            deleteAll(paths);
            if (!freezeFailures.isEmpty()) {
                throw new BackupException(Reason.IO, "Cannot freeze " + describe(freezeFailures)
                        + "; every node was thawed and nothing was backed up");
            }
            if (interrupted) {
                throw new BackupException(Reason.IO, "Cannot take the snapshot: interrupted; every node was thawed "
                        + "and nothing was backed up");
            }
            if (captureFailure instanceof BackupException be) {
                throw be;
            }
            throw new BackupException(Reason.IO, "Cannot take the snapshot: " + captureFailure.getMessage()
                    + "; every node was thawed and nothing was backed up", captureFailure);
        }

        List<Snapshot.NodeSnapshot> results = new ArrayList<>();
        for (Prepared p : prepared) {
            Counters c = counters.get(p);
            if (p.node().checkpointer() != null) {
                c = countCheckpoint(p.snapshotDir());
            }
            results.add(new Snapshot.NodeSnapshot(p.node().token(), p.node().dataDir(), p.snapshotDir(),
                    c.linked.sum(), c.copied.sum(), c.bytesCopied.sum()));
        }
        return new Snapshot(results, loose, startedAt, Duration.ofNanos(t3 - t0), Duration.ofNanos(t1 - t0),
                Duration.ofNanos(t2 - t1), Duration.ofNanos(t3 - t2), warnings);
    }

    /** Waits for every future until the deadline; returns true if interrupted. Failures go to the map. */
    private static boolean awaitAll(Map<String, Future<?>> futures, long deadlineNanos, Map<String, String> failures) {
        boolean interrupted = false;
        for (Map.Entry<String, Future<?>> e : futures.entrySet()) {
            Future<?> f = e.getValue();
            try {
                if (interrupted) {
                    f.cancel(true);
                    continue;
                }
                f.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException ie) {
                interrupted = true;
                f.cancel(true);
            } catch (TimeoutException te) {
                f.cancel(true);
                failures.put(e.getKey(), "it did not finish in time");
            } catch (ExecutionException ee) {
                failures.put(e.getKey(), messageOf(ee.getCause()));
            } catch (CancellationException ce) {
                failures.put(e.getKey(), "cancelled");
            }
        }
        return interrupted;
    }

    private void capture(List<Prepared> prepared, List<Snapshot.LooseFile> loose, Map<Prepared, Counters> counters,
                         ExecutorService pool, List<PathMatcher> immutable) throws Exception {
        Set<Path> skip = new HashSet<>();
        prepared.forEach(p -> skip.add(p.snapshotDir().toAbsolutePath().normalize()));
        List<Future<?>> tasks = new ArrayList<>();
        List<Future<List<Op>>> walks = new ArrayList<>();
        for (Prepared p : prepared) {
            Counters c = new Counters();
            counters.put(p, c);
            if (p.node().checkpointer() != null) {
                tasks.add(pool.submit(() -> {
                    try {
                        p.node().checkpointer().checkpoint(p.snapshotDir());
                    } catch (Exception e) {
                        throw new IOException("checkpoint of node " + p.node().token() + " into " + p.snapshotDir()
                                + " failed: " + messageOf(e), e);
                    }
                    return null;
                }));
            } else {
                walks.add(pool.submit(() -> {
                    List<Op> ops = new ArrayList<>();
                    walk(p, p.node().dataDir(), p.snapshotDir(), immutable, skip, c, ops);
                    return ops;
                }));
            }
        }
        for (Snapshot.LooseFile f : loose) {
            tasks.add(pool.submit(() -> {
                Files.copy(f.live(), f.copy(), StandardCopyOption.COPY_ATTRIBUTES);
                return null;
            }));
        }
        List<Op> ops = new ArrayList<>();
        for (Future<List<Op>> w : walks) {
            ops.addAll(get(w));
        }
        for (int i = 0; i < ops.size(); i += BATCH) {
            List<Op> batch = ops.subList(i, Math.min(ops.size(), i + BATCH));
            tasks.add(pool.submit(() -> {
                for (Op op : batch) {
                    apply(op);
                }
                return null;
            }));
        }
        for (Future<?> t : tasks) {
            get(t);
        }
    }

    private static <T> T get(Future<T> f) throws Exception {
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception ex) {
                throw ex;
            }
            throw e;
        }
    }

    private static void walk(Prepared p, Path dir, Path target, List<PathMatcher> immutable, Set<Path> skip,
                             Counters c, List<Op> ops) throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            stream.forEach(children::add);
        }
        for (Path child : children) {
            Path name = child.getFileName();
            Path to = target.resolve(name.toString());
            // The common case, an SST, costs one link() and no stat: the pause is per file.
            if (!p.copyAll() && matches(immutable, name)) {
                ops.add(new Op(child, to, true, c));
                continue;
            }
            BasicFileAttributes attrs;
            try {
                attrs = Files.readAttributes(child, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                throw vanished(p, child);
            }
            if (attrs.isDirectory()) {
                if (skip.contains(child.toAbsolutePath().normalize())) {
                    continue;
                }
                Files.createDirectory(to);
                walk(p, child, to, immutable, skip, c, ops);
            } else if (attrs.isRegularFile() || attrs.isSymbolicLink()) {
                ops.add(new Op(child, to, false, c));
            }
            // devices, sockets and FIFOs have no content; push would skip them anyway
        }
    }

    private static boolean matches(List<PathMatcher> matchers, Path name) {
        for (PathMatcher m : matchers) {
            if (m.matches(name)) {
                return true;
            }
        }
        return false;
    }

    /** A glob on file names; "*.sst" is a plain suffix test, anything else goes to the JDK's glob. */
    static PathMatcher globMatcher(String glob) {
        if (glob.startsWith("*") && glob.substring(1).chars().noneMatch(ch -> "*?[]{}\\/".indexOf(ch) >= 0)) {
            String suffix = glob.substring(1);
            return path -> path.toString().endsWith(suffix);
        }
        return FileSystems.getDefault().getPathMatcher("glob:" + glob);
    }

    private static void apply(Op op) throws IOException {
        try {
            if (op.link()) {
                try {
                    Files.createLink(op.target(), op.source());
                } catch (java.nio.file.FileSystemException e) {
                    if (Files.isDirectory(op.source(), LinkOption.NOFOLLOW_LINKS)) {
                        throw new IOException("directory " + op.source() + " matches an immutable-file pattern, and "
                                + "directories cannot be hard-linked; narrow the patterns (--immutable)", e);
                    }
                    throw e;
                }
                op.counters().linked.increment();
            } else {
                Files.copy(op.source(), op.target(), StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                op.counters().copied.increment();
                op.counters().bytesCopied.add(Files.size(op.target()));
            }
        } catch (NoSuchFileException e) {
            if (!Files.exists(op.source(), LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("file " + op.source() + " vanished while its node was frozen: the freeze "
                        + "hook must stop the store from deleting files too (RocksDB: pause background work)", e);
            }
            throw e;
        }
    }

    private static IOException vanished(Prepared p, Path file) {
        return new IOException("file " + file + " of node " + p.node().token() + " vanished while its node was "
                + "frozen: the freeze hook must stop the store from deleting files too (RocksDB: pause background work)");
    }

    private static Counters countCheckpoint(Path dir) {
        Counters c = new Counters();
        try (var files = Files.walk(dir)) {
            files.filter(Files::isRegularFile).forEach(f -> {
                try {
                    Object nlink = Files.getAttribute(f, "unix:nlink");
                    if (nlink instanceof Integer n && n > 1) {
                        c.linked.increment();
                    } else {
                        c.copied.increment();
                        c.bytesCopied.add(Files.size(f));
                    }
                } catch (IOException | UnsupportedOperationException e) {
                    c.copied.increment();
                }
            });
        } catch (IOException e) {
            // counts are informative only
        }
        return c;
    }

    private static boolean sameFileSystem(Path a, Path b) {
        try {
            return Files.getAttribute(a, "unix:dev").equals(Files.getAttribute(b, "unix:dev"));
        } catch (UnsupportedOperationException | IllegalArgumentException | IOException e) {
            try {
                return Files.getFileStore(a).equals(Files.getFileStore(b));
            } catch (IOException ex) {
                return false;
            }
        }
    }

    private static String describe(Map<String, String> failures) {
        StringBuilder sb = new StringBuilder();
        failures.forEach((token, why) -> sb.append(sb.length() == 0 ? "" : "; ").append("node ").append(token)
                .append(": ").append(why));
        return sb.toString();
    }

    static String messageOf(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.toString() : m;
    }

    private static void deleteAll(List<Path> paths) {
        for (Path p : paths) {
            try {
                Snapshot.deleteTree(p);
            } catch (IOException ignored) {
                // an incomplete snapshot left behind is named by the next run's "already exists" error
            }
        }
    }

    static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Thaws every node once, in parallel, whoever asks first: the coordinator or the shutdown hook. */
    private static final class ThawOnce {
        private final List<SnapshotNode> nodes;
        private final Duration timeout;
        private Map<String, String> failures;

        ThawOnce(List<SnapshotNode> nodes, Duration timeout) {
            this.nodes = nodes;
            this.timeout = timeout;
        }

        synchronized void run() {
            if (failures != null) {
                return;
            }
            Map<String, String> result = new LinkedHashMap<>();
            ExecutorService pool = Executors.newCachedThreadPool(daemon("s3backup-thaw"));
            try {
                Map<String, Future<?>> thaws = new LinkedHashMap<>();
                for (SnapshotNode n : nodes) {
                    thaws.put(n.token(), pool.submit(() -> {
                        n.quiescer().thaw(timeout);
                        return null;
                    }));
                }
                long deadline = System.nanoTime() + timeout.plus(GRACE).toNanos();
                boolean interrupted = false;
                for (Map.Entry<String, Future<?>> e : thaws.entrySet()) {
                    // a thaw is waited for even when interrupted: giving up on it could leave a node frozen
                    while (true) {
                        try {
                            e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                            break;
                        } catch (InterruptedException ie) {
                            interrupted = true;
                        } catch (TimeoutException te) {
                            e.getValue().cancel(true);
                            result.put(e.getKey(), "it did not finish in time");
                            break;
                        } catch (ExecutionException ee) {
                            result.put(e.getKey(), messageOf(ee.getCause()));
                            break;
                        }
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            } finally {
                pool.shutdownNow();
                failures = result;
            }
        }

        synchronized Map<String, String> failures() {
            return failures == null ? Map.of() : failures;
        }
    }
}
