package dev.s3backup.it.model;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.cache.HashCache;
import dev.s3backup.core.cache.ResumeJournal;
import dev.s3backup.core.drill.Drill;
import dev.s3backup.core.drill.DrillOptions;
import dev.s3backup.core.drill.DrillResult;
import dev.s3backup.core.gc.GarbageCollector;
import dev.s3backup.core.gc.GcOptions;
import dev.s3backup.core.gc.GcProtocol;
import dev.s3backup.core.gc.GcResult;
import dev.s3backup.core.push.DelegatingStore;
import dev.s3backup.core.push.Push;
import dev.s3backup.core.push.PushOptions;
import dev.s3backup.core.push.PushProgress;
import dev.s3backup.core.push.PushResult;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.repo.RepositoryLayout;
import dev.s3backup.core.restore.Restore;
import dev.s3backup.core.restore.RestoreOptions;
import dev.s3backup.core.restore.RestoreProgress;
import dev.s3backup.core.restore.RestoreResult;
import dev.s3backup.core.retention.Forget;
import dev.s3backup.core.retention.RetentionPolicy;
import dev.s3backup.core.snapshot.BackupSet;
import dev.s3backup.core.source.Source;
import dev.s3backup.core.store.DeleteResult;
import dev.s3backup.core.store.ListPage;
import dev.s3backup.core.store.ObjectInfo;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.Payload;
import dev.s3backup.core.store.StoreException;
import dev.s3backup.core.verify.Verifier;
import dev.s3backup.core.verify.VerifyOptions;
import dev.s3backup.core.verify.VerifyProgress;
import dev.s3backup.core.verify.VerifyResult;
import dev.s3backup.it.Backend;
import dev.s3backup.it.TreeAssert;
import dev.s3backup.it.model.SourceModel.Item;
import dev.s3backup.manifest.ChunkRef;
import dev.s3backup.manifest.Entry;
import dev.s3backup.manifest.ManifestCodec;
import dev.s3backup.manifest.ManifestReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The operator's commands against one real repository, each followed by the model's checks.
 * Pushes, forgets, gc, verify, drill and restore go through the library; the pushes that a signal
 * stops run the CLI jar in a child JVM. The expected state is kept here: every backup the
 * repository should list with the source tree it was pushed from, and every backup set's parts.
 * A check that fails throws an AssertionError; the test adds the seed and the trace.
 */
final class Operations {
    private static final int CHUNK_SIZE = 64 << 10;
    private static final int PACK_BELOW = 16 << 10;
    private static final String VERSION = "model-test";
    /**
     * Bugs this test found that are not fixed yet (docs/reliability/model.md, "What it found"),
     * left out of the default run so that every build is not red for them; comma-separated names
     * of {@link #without}. None: the four it found (interrupt, gc-refusal, dead-pending,
     * sigint-lease) are fixed and checked by every run.
     */
    static final String KNOWN_OPEN = "";
    private static final Pattern CHUNK_KEY = Pattern.compile("^chunks/[0-9a-f]{2}/[0-9a-f]{64}$");

    /** A backup the repository must list, and the tree it must restore to. */
    record Expected(String id, Map<String, Item> tree, List<String> nodes, String how) {
    }

    /** A backup set as the model saw it: the parts pushed, each with its node's tree; the backup once complete. */
    private static final class SetState {
        final String id;
        final Map<String, Map<String, Item>> parts = new TreeMap<>();
        String backupId;

        SetState(String id) {
            this.id = id;
        }
    }

    private final Backend backend;
    private final String repoUrl;
    private final ObjectStore store;
    private final Path work;
    private final SourceModel sources;
    private final SplittableRandom random;
    private final List<String> trace;
    /** How often each command ran, over every sequence: the run's figures. */
    private final Map<String, Integer> tally;
    private final boolean signals;
    /** The key file of an encrypted repository (null: a plain one), and the key source built from it. */
    private final Path keyFile;
    private final dev.s3backup.core.repo.KeySource keys;
    private final Map<String, Expected> backups = new LinkedHashMap<>();
    private final Map<String, SetState> sets = new LinkedHashMap<>();
    /** Leases and pending manifests of pushes killed by SIGKILL: theirs to leave, gc's to disregard. */
    private final Set<String> killedLeftovers = new HashSet<>();
    private SetState openSet;
    private int counter;
    private int setCount;
    private int step;
    private boolean stepLogged;

    /**
     * @param tally counts of the commands run, added to
     * @param signals whether the CLI pushes stopped by SIGINT and SIGKILL run (a child JVM each)
     */
    Operations(Backend backend, Path work, SplittableRandom random, List<String> trace, Map<String, Integer> tally,
               boolean signals, boolean encrypted) {
        this.tally = tally;
        this.backend = backend;
        this.work = work;
        this.random = random;
        this.trace = trace;
        this.signals = signals;
        this.repoUrl = backend.newRepoUrl("model");
        this.store = backend.openStore(repoUrl);
        Path outside = mkdirs(work.resolve("outside"));
        write(outside.resolve("secret.txt"), "nothing may write here\n".getBytes());
        this.sources = new SourceModel(mkdirs(work.resolve("src")), outside);
        if (encrypted) {
            byte[] key = dev.s3backup.core.crypt.KeySlot.newKeyFileKey();
            keyFile = work.resolve("repository.key");
            write(keyFile, dev.s3backup.core.crypt.KeySlot.encodeKeyFile(key).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            keys = dev.s3backup.core.repo.KeySource.keyFile(key);
            Repository.init(unclosed(), dev.s3backup.core.repo.RepositoryConfig.create(CHUNK_SIZE, null,
                    dev.s3backup.core.repo.RepositoryConfig.AES_256_GCM, dev.s3backup.core.repo.RepositoryConfig.ZSTD),
                    keys).close();
        } else {
            keyFile = null;
            keys = dev.s3backup.core.repo.KeySource.NONE;
            Repository.init(unclosed(), CHUNK_SIZE).close();
        }
    }

    /**
     * Whether {@code -Ds3backup.model.without=...} leaves out this operation or check, to look
     * past a known bug: failing-push, interrupt, sigint, sigkill; the links leaving-links,
     * absolute-links, inside-links, dangling-links; the checks gc-refusal, dead-pending and
     * sigint-lease.
     * Default: {@link #KNOWN_OPEN}; {@code -Ds3backup.model.without=} (empty) leaves out nothing.
     */
    static boolean without(String what) {
        return List.of(System.getProperty("s3backup.model.without", KNOWN_OPEN).split(",")).contains(what);
    }

    String repoUrl() {
        return repoUrl;
    }

    /** One random operation and the checks that follow it; its trace lines start with {@code #step}. */
    void step(int step) {
        this.step = step;
        this.stepLogged = false;
        int op = random.nextInt(100);
        if (op < 22) {
            count("change");
            log("change: " + String.join("; ", sources.change(random, 1 + random.nextInt(5))));
        } else if (op < 40) {
            push();
        } else if (op < 45 && !without("failing-push")) {
            failingPush();
        } else if (op < 48 && !without("interrupt")) {
            interruptedPush();
        } else if (op < 53 && signals) {
            boolean kill = random.nextBoolean();
            if (!without(kill ? "sigkill" : "sigint")) {
                signalledPush(kill);
            } else {
                push();
            }
        } else if (op < 62) {
            pushSetPart();
        } else if (op < 64) {
            completeSets();
        } else if (op < 69) {
            forgetByPolicy();
        } else if (op < 73) {
            forgetById();
        } else if (op < 81) {
            gc();
        } else if (op < 86) {
            verify();
        } else if (op < 90) {
            drill();
        } else {
            restore();
        }
        checkListing();
    }

    // ---------------------------------------------------------------- pushes

    private PushResult libraryPush(ObjectStore through, String host, List<Source> list, String setId, String node) {
        try (Repository repo = Repository.open(through, keys)) {
            Repository target = setId == null ? repo : BackupSet.partRepository(repo, setId, node, SourceModel.NODES);
            Path cacheDir = mkdirs(work.resolve("cache-" + host));
            String repoId = repo.config().repositoryId();
            HashCache cache = HashCache.open(HashCache.fileFor(cacheDir, repoId), repoId, CHUNK_SIZE,
                    HashCache.DEFAULT_MAX_ENTRIES, false, w -> log("  warning: " + w));
            ResumeJournal journal = ResumeJournal.open(ResumeJournal.fileFor(cacheDir, repoId), repoId,
                    w -> log("  warning: " + w));
            PushOptions options = PushOptions.defaults(host, VERSION).withName(random.nextInt(3) == 0 ? "nightly" : "");
            if (setId != null) {
                options = options.withName("").withProperties(Map.of("set.id", setId, "set.node", node));
            }
            return new Push(target, options, Clock.systemUTC(), new PushProgress()).useHashCache(cache)
                    .useResumeJournal(journal).packSmallFilesBelow(PACK_BELOW).run(list);
        }
    }

    private List<Source> allNodes() {
        return SourceModel.NODES.stream().map(n -> new Source(n, sources.nodeDir(n), false)).toList();
    }

    private void push() {
        count("push");
        Map<String, Item> tree = sources.snapshot();
        PushResult r = refusedOnce(() -> libraryPush(unclosed(), "main", allNodes(), null, null));
        if (r == null) {
            return;
        }
        adopt(r.backupId(), tree, SourceModel.NODES, "push");
        log("push -> " + r.backupId() + " (" + r.files() + " files, " + r.symlinks() + " links, " + r.chunksNew()
                + " new, " + r.filesFromCache() + " cached, " + r.chunksResumed() + " resumed)");
        requireResumedOnlyWhatIsNeeded(r);
        checkBackup(r.backupId());
        requireNoProtocolLeftovers("push " + r.backupId());
    }

    /**
     * Runs a push; when a gc that finished before it began makes it refuse to commit ("a concurrent
     * gc may have deleted chunk ..."), runs it again as the message says, and that must work:
     * nothing runs between the two. {@code -Ds3backup.model.without=gc-refusal} accepts a second
     * refusal too (and the push commits nothing), to look past that bug.
     */
    private PushResult refusedOnce(java.util.function.Supplier<PushResult> push) {
        try {
            return push.get();
        } catch (BackupException e) {
            if (!e.getMessage().contains("concurrent gc")) {
                throw e;
            }
            log("push refused: " + e.getMessage());
            try {
                return push.get();
            } catch (BackupException again) {
                if (without("gc-refusal") && again.getMessage().contains("concurrent gc")) {
                    log("push refused again (accepted: without gc-refusal)");
                    return null;
                }
                throw new AssertionError("push refused again, though no gc has run since the first attempt: "
                        + again.getMessage(), again);
            }
        }
    }

    /**
     * A resumed chunk is one this backup references and its parent did not: confirming others is
     * the journal of an unrelated push applied to this one.
     */
    private void requireResumedOnlyWhatIsNeeded(PushResult r) {
        if (r.chunksResumed() == 0) {
            return;
        }
        try (Repository repo = Repository.open(unclosed(), keys)) {
            Set<String> fresh = chunksOf(repo, RepositoryLayout.manifestKey(r.backupId()));
            if (r.parentId() != null && backups.containsKey(r.parentId())) {
                fresh.removeAll(chunksOf(repo, RepositoryLayout.manifestKey(r.parentId())));
            }
            if (r.chunksResumed() > fresh.size()) {
                throw new AssertionError("push " + r.backupId() + " confirmed " + r.chunksResumed() + " chunks of an "
                        + "interrupted push, but it needs only " + fresh.size() + " chunks its parent does not have");
            }
        }
    }

    /** A push whose store fails every data request from the n-th on; with "answered" the failing request was applied. */
    private void failingPush() {
        count("push, store failing");
        int after = random.nextInt(40);
        boolean applied = random.nextBoolean();
        FailingStore failing = new FailingStore(unclosed(), after, applied);
        Map<String, Item> tree = sources.snapshot();
        try {
            PushResult r = libraryPush(failing, "main", allNodes(), null, null);
            adopt(r.backupId(), tree, SourceModel.NODES, "push (store failing after " + after + ", not reached)");
            log("push with store failing after request " + after + ": not reached, committed " + r.backupId());
            checkBackup(r.backupId());
        } catch (RuntimeException e) {
            log("push with store failing after request " + after + (applied ? " (answers lost)" : "") + ": failed: "
                    + e.getMessage() + (failing.manifestLanded.get() ? " (its manifest landed)" : ""));
            // Its manifest may have landed (the answer lost), or a request after the commit failed.
            adoptUnexpected(tree, true, "failed push");
        }
        requireNoProtocolLeftovers("failed push");
    }

    /** A library push on a thread of its own, interrupted after a random delay. */
    private void interruptedPush() {
        count("push, interrupted");
        Map<String, Item> tree = sources.snapshot();
        long delayMicros = random.nextInt(60_000);
        AtomicInteger outcome = new AtomicInteger();
        StringBuilder failure = new StringBuilder();
        Thread t = new Thread(() -> {
            try {
                libraryPush(unclosed(), "main", allNodes(), null, null);
                outcome.set(1);
            } catch (RuntimeException e) {
                failure.append(e);
                outcome.set(2);
            }
        }, "model-push");
        t.start();
        sleepMicros(delayMicros);
        t.interrupt();
        join(t);
        log("push interrupted after " + delayMicros / 1000 + " ms: "
                + (outcome.get() == 1 ? "finished" : "failed: " + failure));
        adoptUnexpected(tree, true, outcome.get() == 1 ? "push that finished before its interrupt" : "interrupted push");
        requireNoProtocolLeftovers("interrupted push");
    }

    /**
     * The CLI jar in a child JVM, stopped by SIGINT (Ctrl-C) or SIGKILL at a random moment. A push
     * stopped by SIGINT must end its lease; one killed cannot, and gc must not wait for it (the
     * push runs on this host and its pid is gone).
     */
    private void signalledPush(boolean kill) {
        Map<String, Item> tree = sources.snapshot();
        long delay = 300 + random.nextInt(1500);
        // A JVM keeps SIGINT ignored when it starts so (a build run in the background): reset it.
        List<String> cmd = new ArrayList<>(List.of("env", "--default-signal=INT",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx128m",
                "-Djava.io.tmpdir=" + mkdirs(work.resolve("child-tmp")),
                "-jar", cliJar(), "push", "-r", repoUrl));
        cmd.addAll(backend.connectionArgs());
        if (keyFile != null) {
            cmd.addAll(List.of("--key-file", keyFile.toString()));
        }
        cmd.addAll(List.of("--cache-dir", mkdirs(work.resolve("cache-main")).toString(), "--pack-below", PACK_BELOW + "",
                "--limit-requests", "12"));
        SourceModel.NODES.forEach(n -> cmd.add(n + "=" + sources.nodeDir(n)));
        Path log = work.resolve("child.log");
        int exit;
        boolean signalled;
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(backend.childEnvironment());
            Process p = pb.start();
            signalled = !p.waitFor(delay, TimeUnit.MILLISECONDS);
            if (signalled) {
                if (kill) {
                    p.destroyForcibly();
                } else {
                    Process k = new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).inheritIO().start();
                    k.waitFor();
                }
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("a CLI push did not end 60 s after " + (kill ? "SIGKILL" : "SIGINT") + ":\n"
                        + Files.readString(log));
            }
            exit = p.exitValue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        String output = read(log);
        count(signalled ? "CLI push, " + (kill ? "SIGKILL" : "SIGINT") + " (exit " + exit + ")"
                : "CLI push, ended before the signal");
        log("CLI push, " + (signalled ? (kill ? "SIGKILL" : "SIGINT") + " after " + delay + " ms" : "finished before "
                + delay + " ms") + ": exit " + exit + " | " + lastLines(output, 3));
        if (!signalled && exit == 5 && output.contains("concurrent gc")) {
            // As a library push can be: run it again, as the message says.
            log("  refused by a finished gc; again:");
            adoptUnexpected(tree, false, "refused CLI push");
            push();
            return;
        }
        if (!signalled && exit != 0) {
            throw new AssertionError("a CLI push failed without a signal: exit " + exit + "\n" + output);
        }
        if (signalled && !kill && exit != 130 && exit != 0) {
            throw new AssertionError("a CLI push stopped by SIGINT exited " + exit + ", not 130:\n" + output);
        }
        adoptUnexpected(tree, true, "CLI push that committed before its signal");
        if (kill || without("sigint-lease")) {
            // A killed push cannot remove its lease (or a pending manifest it had written).
            List<String> left = new ArrayList<>(leases());
            left.addAll(keys(GcProtocol.PENDING));
            left.removeAll(killedLeftovers);
            if (!left.isEmpty()) {
                log("  left " + left);
            }
            killedLeftovers.addAll(left);
        } else {
            requireNoProtocolLeftovers("CLI push " + (signalled ? "stopped by SIGINT" : "") + " (exit " + exit + ")");
        }
    }

    /** One node of the open backup set, pushed by that node's host (own hash cache); the last part completes it. */
    private void pushSetPart() {
        count("backup-set part");
        if (openSet == null) {
            openSet = new SetState("set" + (++setCount));
            sets.put(openSet.id, openSet);
        }
        List<String> missing = SourceModel.NODES.stream().filter(n -> !openSet.parts.containsKey(n)).toList();
        String node = missing.get(random.nextInt(missing.size()));
        Map<String, Item> tree = SourceModel.ofNode(sources.snapshot(), node);
        String setId = openSet.id;
        PushResult r = refusedOnce(() -> libraryPush(unclosed(), "host-" + node,
                List.of(new Source(node, sources.nodeDir(node), false)), setId, node));
        if (r == null) {
            return;
        }
        openSet.parts.put(node, tree);
        BackupSet.Status status;
        try (Repository repo = Repository.open(unclosed(), keys)) {
            status = BackupSet.tryComplete(repo, openSet.id, mkdirs(work.resolve("tmp")));
        }
        log("set " + openSet.id + " part " + node + " (host-" + node + ", " + r.files() + " files) -> "
                + (status.complete() ? "complete: " + status.backupId() : "waiting for " + status.missing()));
        if (status.complete() != (openSet.parts.size() == SourceModel.NODES.size())) {
            throw new AssertionError("set " + openSet.id + " has parts " + openSet.parts.keySet() + " but complete="
                    + status.complete());
        }
        if (status.complete()) {
            Map<String, Item> union = new TreeMap<>();
            openSet.parts.values().forEach(union::putAll);
            openSet.backupId = status.backupId();
            adopt(status.backupId(), union, SourceModel.NODES, "set " + openSet.id);
            checkBackup(status.backupId());
            openSet = null;
        }
        requireNoProtocolLeftovers("set part");
    }

    /** {@code backup-sets --complete}: commits every set whose parts have all arrived, and only those. */
    private void completeSets() {
        count("backup-sets --complete");
        List<String> done = new ArrayList<>();
        try (Repository repo = Repository.open(unclosed(), keys)) {
            for (BackupSet.Status s : BackupSet.list(repo)) {
                if (!s.complete() && s.missing().isEmpty() && !s.expected().isEmpty()) {
                    try {
                        BackupSet.Status after = BackupSet.tryComplete(repo, s.setId(), mkdirs(work.resolve("tmp")));
                        done.add(s.setId() + (after.complete() ? " -> " + after.backupId() : " refused"));
                    } catch (RuntimeException e) {
                        done.add(s.setId() + " refused: " + e.getMessage());
                    }
                }
            }
        }
        log("backup-sets --complete: " + (done.isEmpty() ? "nothing to do" : String.join("; ", done)));
    }

    /** Adopts a backup this model just pushed. */
    private void adopt(String id, Map<String, Item> tree, List<String> nodes, String how) {
        if (backups.containsKey(id)) {
            throw new AssertionError(how + " reported backup " + id + ", which already existed");
        }
        backups.put(id, new Expected(id, tree, nodes, how));
    }

    /**
     * After a push that failed or was stopped: a backup the model does not know may only be that
     * push's own, committed before it stopped (its answer lost or the signal late); it must hold
     * the tree of that push.
     */
    private void adoptUnexpected(Map<String, Item> tree, boolean mayHaveCommitted, String how) {
        List<String> unknown = listed().stream().filter(id -> !backups.containsKey(id)).toList();
        if (unknown.size() > (mayHaveCommitted ? 1 : 0)) {
            throw new AssertionError("after a " + how + " the repository lists unknown backups " + unknown);
        }
        for (String id : unknown) {
            adopt(id, tree, SourceModel.NODES, how);
            log("  it committed " + id);
            checkBackup(id);
        }
    }

    // ---------------------------------------------------------------- retention

    private void forgetByPolicy() {
        count("forget by policy");
        RetentionPolicy policy = random.nextInt(8) == 0 ? new RetentionPolicy(0, 0, 0, 0, 0, 0, null, true)
                : RetentionPolicy.keepLast(1 + random.nextInt(3));
        Forget.Result r;
        try (Repository repo = Repository.open(unclosed(), keys)) {
            r = new Forget(repo, policy, Clock.systemUTC()).run(false);
        }
        List<String> removed = r.removed().stream().map(Forget.Decision::id).toList();
        log("forget " + (policy.all() ? "--all" : "--keep-last " + policy.keepLast()) + ": forgot " + removed);
        if (!r.failed().isEmpty() || !r.unreadable().isEmpty()) {
            throw new AssertionError("forget failed: " + r.failed() + " " + r.unreadable());
        }
        for (String id : removed) {
            if (backups.remove(id) == null) {
                throw new AssertionError("forget removed " + id + ", which the model does not know");
            }
        }
    }

    /** {@code forget ID}: one backup, whatever the policy would keep. */
    private void forgetById() {
        count("forget by id");
        if (backups.isEmpty()) {
            log("forget by id: no backups");
            return;
        }
        String id = pickBackup();
        Forget.Result r;
        try (Repository repo = Repository.open(unclosed(), keys)) {
            r = new Forget(repo, new RetentionPolicy(0, 0, 0, 0, 0, 0, null, true), Clock.systemUTC())
                    .onlyBackups(List.of(id)).run(false);
        }
        List<String> removed = r.removed().stream().map(Forget.Decision::id).toList();
        if (!removed.equals(List.of(id)) || !r.failed().isEmpty()) {
            throw new AssertionError("forget " + id + " forgot " + removed + " (failed: " + r.failed() + ")");
        }
        backups.remove(id);
        log("forget " + id + " (" + backups.size() + " left)");
    }

    /**
     * gc with grace 0 (now and then 1 h). With no push running, every chunk no backup and no
     * incomplete set part needs, older than the run's start by the store's clock, must be gone:
     * nothing may hold the cutoff back.
     */
    private void gc() {
        count("gc");
        boolean longGrace = random.nextInt(6) == 0;
        Duration grace = longGrace ? Duration.ofHours(1) : Duration.ZERO;
        // The store's clock has a granularity (1 s on S3Proxy): a chunk of the same tick as gc's marker is not older.
        Map<String, ObjectInfo> before = chunkObjects();
        GcResult r;
        try (Repository repo = Repository.open(unclosed(), keys)) {
            r = new GarbageCollector(repo, GcOptions.defaults().withGrace(grace)
                    .withTiming(GcProtocol.Timing.defaults()), Clock.systemUTC()).run();
        }
        log("gc --grace " + grace.toSeconds() + "s: " + r.deleted() + " deleted of " + r.chunksListed() + " listed, "
                + r.candidates() + " candidates, " + r.spared() + " spared, " + r.liveLeases() + " live lease(s), cutoff "
                + r.cutoff() + " (store now " + r.storeNow() + ")"
                + (r.stopped() == null ? "" : ", stopped: " + r.stopped()));
        if (!r.complete()) {
            throw new AssertionError("gc did not complete: " + r.stopped() + " " + r.unreadable() + " " + r.failed());
        }
        Set<String> needed = neededChunks();
        Map<String, ObjectInfo> after = chunkObjects();
        for (String key : needed) {
            if (!after.containsKey(key)) {
                throw new AssertionError("gc deleted " + key + ", which a backup or an incomplete set needs");
            }
        }
        if (longGrace) {
            return;
        }
        if (!r.cutoff().equals(r.storeNow().minus(grace))) {
            throw new AssertionError("gc with no push running held its cutoff back to " + r.cutoff() + " (store now "
                    + r.storeNow() + ", " + r.liveLeases() + " live lease(s): " + leases() + ")");
        }
        List<String> kept = new ArrayList<>();
        for (ObjectInfo o : after.values()) {
            ObjectInfo was = before.get(o.key());
            if (!needed.contains(o.key()) && was != null && was.lastModified().isBefore(r.cutoff())) {
                kept.add(o.key());
            }
        }
        if (!kept.isEmpty()) {
            throw new AssertionError("gc kept " + kept.size() + " chunk(s) no backup needs, older than its cutoff, e.g. "
                    + kept.get(0) + " (pending: " + keys(GcProtocol.PENDING) + ", leases: " + leases() + ")");
        }
    }

    /** Chunks the listed backups and the parts of sets not yet complete reference. */
    private Set<String> neededChunks() {
        Set<String> needed = new HashSet<>();
        try (Repository repo = Repository.open(unclosed(), keys)) {
            for (String id : listed()) {
                needed.addAll(chunksOf(repo, RepositoryLayout.manifestKey(id)));
            }
            if (without("dead-pending")) {
                // Taken as roots: gc honours a pending manifest for a day, even of a push known dead.
                for (String key : killedLeftovers) {
                    if (key.startsWith(GcProtocol.PENDING) && store.head(key).isPresent()) {
                        needed.addAll(chunksOf(repo, key));
                    }
                }
            }
            for (SetState s : sets.values()) {
                if (s.backupId == null) {
                    for (String node : s.parts.keySet()) {
                        needed.addAll(chunksOf(repo, BackupSet.PREFIX + s.id + "/parts/" + node));
                    }
                }
            }
        }
        return needed;
    }

    // ---------------------------------------------------------------- reading back

    /** verify --read-data: a backup is intact exactly when it restores. */
    private void verify() {
        count("verify --read-data");
        VerifyResult r;
        try (Repository repo = Repository.open(unclosed(), keys)) {
            VerifyOptions options = VerifyOptions.defaults("model", VERSION).withReadData(VerifyOptions.ReadData.all())
                    .withWriteLog(false).withThreads(4);
            r = new Verifier(repo, options, Clock.systemUTC(), new VerifyProgress()).run();
        }
        Map<String, Boolean> intact = new TreeMap<>();
        for (VerifyResult.BackupStatus b : r.backups()) {
            intact.put(b.id(), b.ok());
        }
        log("verify --read-data: " + intact);
        if (!intact.keySet().equals(new TreeSet<>(backups.keySet()))) {
            throw new AssertionError("verify looked at " + intact.keySet() + ", the repository has " + backups.keySet());
        }
        for (Map.Entry<String, Boolean> e : intact.entrySet()) {
            String restoreProblem = restoreProblem(e.getKey(), null);
            if (e.getValue() != (restoreProblem == null)) {
                throw new AssertionError("verify says backup " + e.getKey() + (e.getValue() ? " is intact" : " is damaged")
                        + " but restore " + (restoreProblem == null ? "succeeds" : "fails: " + restoreProblem));
            }
        }
    }

    /** A drill passes exactly when the same restore succeeds. */
    private void drill() {
        count("drill");
        if (backups.isEmpty()) {
            log("drill: no backups");
            return;
        }
        String id = pickBackup();
        String node = random.nextBoolean() ? null : SourceModel.NODES.get(random.nextInt(SourceModel.NODES.size()));
        Path temp = mkdirs(work.resolve("drill-tmp"));
        DrillResult r;
        try (Repository repo = Repository.open(unclosed(), keys)) {
            r = new Drill(repo, DrillOptions.defaults().withBackup(id).withNode(node).withTempRoot(temp).withThreads(4),
                    Clock.systemUTC(), new RestoreProgress(), line -> { }).run();
        }
        String restoreProblem = restoreProblem(id, node);
        log("drill " + id + (node == null ? "" : " --node " + node) + ": " + r.outcome()
                + (r.message() == null ? "" : " (" + r.message() + ")"));
        if (r.passed() != (restoreProblem == null)) {
            throw new AssertionError("drill of " + id + (r.passed() ? " passed" : " failed: " + r.message()) + " but restore "
                    + (restoreProblem == null ? "succeeds" : "fails: " + restoreProblem));
        }
        requireOutsideUntouched("drill " + id);
    }

    /** restore, restore --node, or restore --delta over the target of an earlier restore. */
    private void restore() {
        count("restore");
        if (backups.isEmpty()) {
            log("restore: no backups");
            return;
        }
        String id = pickBackup();
        int mode = random.nextInt(3);
        if (mode == 0) {
            log("restore " + id);
            checkBackup(id);
        } else if (mode == 1) {
            String node = SourceModel.NODES.get(random.nextInt(SourceModel.NODES.size()));
            log("restore " + id + " --node " + node);
            Path target = newTarget();
            RestoreResult r = runRestore(id, new RestoreOptions(node, false, 4), target);
            requireComplete(id, r);
            compare(id, SourceModel.ofNode(backups.get(id).tree(), node), List.of(node), target, false);
        } else {
            // Over what an older backup restored: its links (one may lead outside) must not be followed.
            List<String> ids = new ArrayList<>(backups.keySet());
            String older = ids.get(random.nextInt(ids.size()));
            Path target = newTarget();
            requireComplete(older, runRestore(older, RestoreOptions.defaults(), target));
            log("restore " + id + " --delta over a restore of " + older);
            RestoreResult r = runRestore(id, new RestoreOptions(null, true, 4, true), target);
            requireComplete(id, r);
            compare(id, backups.get(id).tree(), SourceModel.NODES, target, true);
        }
    }

    // ---------------------------------------------------------------- the oracle

    /** After every step: the repository lists exactly the backups the model expects. */
    void checkListing() {
        Set<String> listed = new TreeSet<>(listed());
        if (!listed.equals(new TreeSet<>(backups.keySet()))) {
            Set<String> extra = new TreeSet<>(listed);
            extra.removeAll(backups.keySet());
            Set<String> missing = new TreeSet<>(backups.keySet());
            missing.removeAll(listed);
            throw new AssertionError("the repository lists backups the model does not expect " + extra
                    + " and lacks " + missing);
        }
    }

    /** Every listed backup restores, whole, byte for byte to the tree its push saw. */
    void checkAll() {
        for (String id : backups.keySet()) {
            checkBackup(id);
        }
    }

    private void checkBackup(String id) {
        Path target = newTarget();
        RestoreResult r = runRestore(id, RestoreOptions.defaults(), target);
        requireComplete(id, r);
        compare(id, backups.get(id).tree(), SourceModel.NODES, target, false);
    }

    private RestoreResult runRestore(String id, RestoreOptions options, Path target) {
        try (Repository repo = Repository.open(unclosed(), keys)) {
            return new Restore(repo, options, new RestoreProgress()).run(id, target);
        } catch (RuntimeException e) {
            throw new AssertionError("restore of " + id + " (" + backups.get(id).how() + ") failed: " + e, e);
        } finally {
            requireOutsideUntouched("restore " + id);
        }
    }

    /** Why a whole (or one node's) restore of this backup fails, or null when it succeeds. */
    private String restoreProblem(String id, String node) {
        try (Repository repo = Repository.open(unclosed(), keys)) {
            RestoreResult r = new Restore(repo, new RestoreOptions(node, false, 4), new RestoreProgress())
                    .run(id, newTarget());
            return r.complete() ? null : r.failures().toString();
        } catch (RuntimeException e) {
            return e.toString();
        } finally {
            requireOutsideUntouched("restore " + id);
        }
    }

    private void requireComplete(String id, RestoreResult r) {
        if (!r.complete()) {
            throw new AssertionError("restore of " + id + " (" + backups.get(id).how() + ") failed for " + r.failures());
        }
    }

    /**
     * The restored tree against the model's. With {@code extrasAllowed} (a delta restore over an
     * older restore) paths the backup does not have may remain; every path it has must match.
     */
    private void compare(String id, Map<String, Item> tree, List<String> nodes, Path target, boolean extrasAllowed) {
        Path expected = work.resolve("expected").resolve(id + "-" + String.join("", nodes));
        if (!Files.exists(expected)) {
            SourceModel.materialize(tree, nodes, expected);
        }
        try {
            if (extrasAllowed) {
                Set<Path> wanted = new HashSet<>(TreeAssert.relativePaths(expected));
                for (Path rel : TreeAssert.relativePaths(target)) {
                    if (!wanted.contains(rel) && Files.exists(target.resolve(rel), LinkOption.NOFOLLOW_LINKS)) {
                        SourceModel.deleteTree(target.resolve(rel));
                    }
                }
            }
            TreeAssert.assertSameTree(expected, target);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (AssertionError e) {
            throw new AssertionError("backup " + id + " (" + backups.get(id).how() + ") does not restore to the tree its "
                    + "push saw: " + e.getMessage(), e);
        }
    }

    /** Nothing was written beside the targets: the directory absolute links point at holds only its file. */
    private void requireOutsideUntouched(String after) {
        Path outside = work.resolve("outside");
        try (Stream<Path> s = Files.walk(outside)) {
            List<String> names = s.map(p -> outside.relativize(p).toString()).sorted().toList();
            if (!names.equals(List.of("", "secret.txt"))
                    || !Files.readString(outside.resolve("secret.txt")).equals("nothing may write here\n")) {
                throw new AssertionError(after + " wrote outside its target: " + outside + " holds " + names);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** No push runs between steps: none but a killed one may have left a lease or a pending manifest behind. */
    private void requireNoProtocolLeftovers(String after) {
        List<String> left = new ArrayList<>(leases());
        left.addAll(keys(GcProtocol.PENDING));
        left.removeAll(killedLeftovers);
        if (!left.isEmpty()) {
            throw new AssertionError("after " + after + " the store still holds " + left);
        }
    }

    // ---------------------------------------------------------------- helpers

    private List<String> listed() {
        try (Repository repo = Repository.open(unclosed(), keys)) {
            return repo.listBackupIds();
        }
    }

    private String pickBackup() {
        List<String> ids = new ArrayList<>(backups.keySet());
        return ids.get(random.nextInt(ids.size()));
    }

    private Path newTarget() {
        return work.resolve("restores").resolve("r" + (++counter));
    }

    private List<String> leases() {
        return keys(GcProtocol.LEASES);
    }

    private List<String> keys(String prefix) {
        List<String> keys = new ArrayList<>();
        for (Iterator<ObjectInfo> it = store.listAll(prefix); it.hasNext(); ) {
            keys.add(it.next().key());
        }
        return keys;
    }

    private Map<String, ObjectInfo> chunkObjects() {
        Map<String, ObjectInfo> chunks = new TreeMap<>();
        for (Iterator<ObjectInfo> it = store.listAll(RepositoryLayout.CHUNKS); it.hasNext(); ) {
            ObjectInfo o = it.next();
            if (CHUNK_KEY.matcher(o.key()).matches()) {
                chunks.put(o.key(), o);
            }
        }
        return chunks;
    }

    private static Set<String> chunksOf(Repository repo, String manifestKey) {
        Set<String> chunks = new HashSet<>();
        try (InputStream in = repo.store().get(manifestKey); ManifestReader reader = ManifestCodec.newReader(in)) {
            for (Entry e = reader.next(); e != null; e = reader.next()) {
                for (ChunkRef c : e.chunks()) {
                    chunks.add(RepositoryLayout.chunkKey(c.hash()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return chunks;
    }

    /** The store, for a Repository that may close it: closing is left to the test. */
    private ObjectStore unclosed() {
        return new DelegatingStore(store);
    }

    void close() {
        store.close();
    }

    private void count(String what) {
        tally.merge(what, 1, Integer::sum);
    }

    private void log(String line) {
        trace.add((stepLogged ? "     " : String.format("#%-3d ", step)) + line);
        stepLogged = true;
    }

    private static String cliJar() {
        String jar = System.getProperty("s3backup.cli.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("the CLI jar " + jar + " is missing: run the build through Maven");
        }
        return jar;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String lastLines(String text, int n) {
        List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
        return String.join(" / ", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }

    private static Path mkdirs(Path p) {
        try {
            return Files.createDirectories(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path p, byte[] content) {
        try {
            Files.write(p, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleepMicros(long micros) {
        try {
            TimeUnit.MICROSECONDS.sleep(micros);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void join(Thread t) {
        try {
            t.join(TimeUnit.MINUTES.toMillis(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            throw new AssertionError("an interrupted push still runs after 2 minutes");
        }
    }

    /**
     * Fails every request for a chunk or a manifest from the n-th on, as a network that goes away
     * does; with {@code applied} the store did the request and only the answer is lost. Protocol
     * objects (leases, pending manifests) pass, so the push can end cleanly.
     */
    private static final class FailingStore extends DelegatingStore {
        private final int after;
        private final boolean applied;
        private final AtomicInteger requests = new AtomicInteger();
        final AtomicBoolean manifestLanded = new AtomicBoolean();

        FailingStore(ObjectStore delegate, int after, boolean applied) {
            super(delegate);
            this.after = after;
            this.applied = applied;
        }

        private boolean data(String key) {
            return key.startsWith(RepositoryLayout.CHUNKS) || key.startsWith(RepositoryLayout.MANIFESTS);
        }

        private boolean fails(String key) {
            return data(key) && requests.incrementAndGet() > after;
        }

        private static StoreException lost(String key) {
            return new StoreException(StoreException.Kind.IO, "injected: connection reset on " + key);
        }

        @Override
        public PutOutcome putIfAbsent(String key, Payload payload) {
            if (!fails(key)) {
                return delegate.putIfAbsent(key, payload);
            }
            if (applied) {
                delegate.putIfAbsent(key, payload);
                if (key.startsWith(RepositoryLayout.MANIFESTS)) {
                    manifestLanded.set(true);
                }
            }
            throw lost(key);
        }

        @Override
        public InputStream get(String key) {
            if (fails(key)) {
                throw lost(key);
            }
            return delegate.get(key);
        }

        @Override
        public InputStream getRange(String key, long offset, long length) {
            if (fails(key)) {
                throw lost(key);
            }
            return delegate.getRange(key, offset, length);
        }

        @Override
        public Optional<ObjectInfo> head(String key) {
            if (fails(key)) {
                throw lost(key);
            }
            return delegate.head(key);
        }

        @Override
        public ListPage list(String prefix, String continuation) {
            if (fails(prefix)) {
                throw lost(prefix);
            }
            return delegate.list(prefix, continuation);
        }

        @Override
        public DeleteResult delete(Collection<String> keys) {
            if (keys.stream().anyMatch(this::fails)) {
                throw lost(keys.iterator().next());
            }
            return delegate.delete(keys);
        }
    }
}
