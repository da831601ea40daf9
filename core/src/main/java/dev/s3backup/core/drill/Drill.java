package dev.s3backup.core.drill;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.core.drill.DrillResult.Check;
import dev.s3backup.core.drill.DrillResult.Outcome;
import dev.s3backup.core.drill.DrillResult.Step;
import dev.s3backup.core.repo.ContentCheck;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.restore.Restore;
import dev.s3backup.core.restore.RestoreOptions;
import dev.s3backup.core.restore.RestoreProgress;
import dev.s3backup.core.restore.RestoreResult;
import dev.s3backup.core.store.StoreException;
import dev.s3backup.manifest.Entry;
import dev.s3backup.manifest.EntryType;
import dev.s3backup.manifest.ManifestCodec;
import dev.s3backup.manifest.ManifestFormatException;
import dev.s3backup.manifest.ManifestReader;
import dev.s3backup.manifest.Node;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;

/**
 * A restore drill: proves that a backup restores, not only that its objects exist.
 *
 * <p>Stages, each reported as a {@link Step}: resolve the backup; download its manifest and read
 * it through; check that the temporary directory has room; restore into it (every chunk and every
 * file verified against its hash, as {@link Restore} does); check that every entry of the manifest
 * is in place with its type and size; optionally re-read every file from disk and hash it again;
 * optionally run the user's check command against the restored data; remove everything. The
 * first failing stage ends the drill, the later ones are reported skipped, and the cleanup always
 * runs.
 *
 * <p>{@link #abort()} may be called from another thread (a shutdown hook on Ctrl-C or a CI
 * cancel): it stops the check command and removes the drill's directory, and names what could not
 * be removed. Single use: create one per drill.
 */
public final class Drill {
    /** Every drill's directory starts with this, so a leftover is recognisable. */
    public static final String DIR_PREFIX = "s3backup-drill-";
    private static final int MAX_LISTED_LEFTOVERS = 20;
    private static final int MAX_LISTED_FAILURES = 10;

    private final Repository repository;
    private final DrillOptions options;
    private final Clock clock;
    private final RestoreProgress progress;
    private final CheckRunner checkRunner;
    private ToLongFunction<Path> freeSpace = Drill::usableSpace;

    private final List<Step> steps = Collections.synchronizedList(new ArrayList<>());
    private final Object cleanupLock = new Object();
    private volatile boolean aborted;
    private volatile boolean finished;
    private volatile Path workDir;
    private volatile String currentStep;
    private volatile long currentStepStart;
    private volatile Instant started;
    private volatile long startNanos;

    private volatile String backupId;
    private Outcome outcome = Outcome.PASSED;
    private String message;
    private long files;
    private long bytes;
    private Duration restoreDuration = Duration.ZERO;
    private Check check;
    private List<RestoreResult.Failure> restoreFailures = List.of();
    private Path manifestCopy;
    private long needed;
    private final List<String> plan = new ArrayList<>();
    private volatile DrillResult finalResult;

    /**
     * @param checkOutput receives every line the check command prints, as it prints it
     */
    public Drill(Repository repository, DrillOptions options, Clock clock, RestoreProgress progress,
                 Consumer<String> checkOutput) {
        this.repository = repository;
        this.options = options;
        this.clock = clock;
        this.progress = progress;
        this.checkRunner = new CheckRunner(checkOutput);
    }

    /** For tests: how free space is measured. */
    Drill withFreeSpace(ToLongFunction<Path> probe) {
        this.freeSpace = probe;
        return this;
    }

    /** The drill's temporary directory once created, else null: for messages while it runs. */
    public Path workDir() {
        return workDir;
    }

    /**
     * Runs the drill. Failures of the backup, the check or the environment are in the result;
     * only a bug escapes as an exception (after the cleanup).
     */
    public DrillResult run() {
        started = clock.instant();
        startNanos = System.nanoTime();
        plan.addAll(List.of("resolve", "manifest", "space", "restore", "tree"));
        if (options.rehash()) {
            plan.add("rehash");
        }
        plan.add("check");
        try {
            runSteps();
        } finally {
            List<String> leftovers = cleanup();
            if (aborted) {
                outcome = Outcome.INTERRUPTED;
                message = interruptedMessage(leftovers);
            }
            finalResult = result(leftovers);
            finished = true;
        }
        return finalResult;
    }

    /**
     * Stops a running drill from another thread: stops the check command, removes the drill's
     * directory, and returns the result so far with outcome INTERRUPTED; returns null when the
     * drill had already finished (its own result stands).
     */
    public DrillResult abort() {
        if (finished) {
            return null;
        }
        aborted = true;
        checkRunner.stop();
        List<String> leftovers;
        synchronized (cleanupLock) {
            leftovers = removeWorkDir();
            if (!leftovers.isEmpty() || workDir != null) {
                // Restore's workers may still be finishing a file; give them a moment and sweep again.
                sleep(200);
                leftovers = removeWorkDir();
            }
        }
        DrillResult done = finalResult;
        if (done != null) {
            return done; // the run ended while we cleaned up: its own result says it all
        }
        List<Step> so = new ArrayList<>(steps);
        String running = currentStep;
        if (running != null) {
            so.add(new Step(running, Step.Status.FAILED, Duration.ofNanos(System.nanoTime() - currentStepStart),
                    "interrupted", null));
        }
        so.add(new Step("cleanup", leftovers.isEmpty() ? Step.Status.PASSED : Step.Status.FAILED, Duration.ZERO,
                leftovers.isEmpty() ? "removed " + workDir : "could not remove " + String.join(", ", leftovers), null));
        Instant s = started == null ? clock.instant() : started;
        return new DrillResult(repository.describe(), backupId, s, Outcome.INTERRUPTED, interruptedMessage(leftovers),
                so, files, progress.bytesWritten(), restoreDuration, check,
                Duration.ofNanos(System.nanoTime() - startNanos), repository.requests().snapshot(), restoreFailures,
                workDir == null ? null : workDir.toString(), leftovers);
    }

    private String interruptedMessage(List<String> leftovers) {
        String what = "Drill" + (backupId == null ? "" : " of backup " + backupId) + " was interrupted";
        if (workDir == null) {
            return what + "; nothing was written";
        }
        return leftovers.isEmpty() ? what + "; removed " + workDir
                : what + "; could not remove: " + String.join(", ", leftovers);
    }

    // ---- the stages ----

    private interface Body {
        /** Does the stage; returns a short note for the report, or null. */
        String run() throws Exception;
    }

    /** A stage that fails with a known cause. */
    private static final class StepFailure extends Exception {
        final Outcome outcome;
        final String output;

        StepFailure(Outcome outcome, String message, String output) {
            super(message, null, false, false);
            this.outcome = outcome;
            this.output = output;
        }

        StepFailure(Outcome outcome, String message) {
            this(outcome, message, null);
        }
    }

    private void runSteps() {
        if (!step("resolve", () -> {
            backupId = repository.resolve(options.backup());
            return "backup " + backupId;
        })) {
            return;
        }
        if (!step("manifest", this::readManifest)) {
            return;
        }
        if (!step("space", this::checkSpace)) {
            return;
        }
        if (!step("restore", this::restore)) {
            return;
        }
        if (!step("tree", this::checkTree)) {
            return;
        }
        if (options.rehash() && !step("rehash", this::rehash)) {
            return;
        }
        if (options.checkCommand() == null) {
            steps.add(new Step("check", Step.Status.SKIPPED, Duration.ZERO, "no check command (--check)", null));
        } else {
            step("check", this::runCheck);
        }
    }

    /** Runs one stage and records it; false when the drill must stop. */
    private boolean step(String name, Body body) {
        if (aborted) {
            return false;
        }
        currentStep = name;
        currentStepStart = System.nanoTime();
        String note;
        StepFailure failure;
        try {
            note = body.run();
            failure = null;
        } catch (StepFailure f) {
            note = null;
            failure = f;
        } catch (BackupException e) {
            note = null;
            failure = new StepFailure(outcomeOf(e.reason(), e.getMessage()), e.getMessage());
        } catch (StoreException e) {
            note = null;
            failure = new StepFailure(outcomeOf(storeReason(e), e.getMessage()), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            aborted = true;
            note = null;
            failure = new StepFailure(Outcome.INTERRUPTED, "interrupted");
        } catch (IOException | UncheckedIOException e) {
            note = null;
            String text = "Cannot drill" + (backupId == null ? "" : " backup " + backupId) + ": " + e.getMessage();
            failure = new StepFailure(outcomeOf(Reason.IO, String.valueOf(e.getMessage())), text);
        } catch (Exception e) {
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        } finally {
            currentStep = null;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - currentStepStart);
        if (failure == null) {
            steps.add(new Step(name, Step.Status.PASSED, took, note, name.equals("check") ? outputOf(check) : null));
            return !aborted;
        }
        steps.add(new Step(name, Step.Status.FAILED, took, failure.getMessage(), failure.output));
        outcome = failure.outcome;
        message = failure.getMessage();
        for (String later : plan.subList(plan.indexOf(name) + 1, plan.size())) {
            steps.add(new Step(later, Step.Status.SKIPPED, Duration.ZERO, "not run: " + name + " failed", null));
        }
        return false;
    }

    private static String outputOf(Check c) {
        return c == null ? null : c.outputTail();
    }

    private static Outcome outcomeOf(Reason reason, String message) {
        return switch (reason) {
            case INVALID_INPUT -> Outcome.INVALID_INPUT;
            case NOT_FOUND -> Outcome.NOT_FOUND;
            case INTEGRITY -> Outcome.DAMAGED;
            case ACCESS_DENIED -> Outcome.ACCESS_DENIED;
            case IO -> isNoSpace(message) ? Outcome.NO_SPACE : Outcome.IO_ERROR;
        };
    }

    private static Reason storeReason(StoreException e) {
        return switch (e.kind()) {
            case NOT_FOUND -> Reason.NOT_FOUND;
            case ACCESS_DENIED -> Reason.ACCESS_DENIED;
            case INTEGRITY -> Reason.INTEGRITY;
            case IO -> Reason.IO;
        };
    }

    private static boolean isNoSpace(String message) {
        return message != null && (message.contains("No space left on device") || message.contains("Disk quota exceeded"));
    }

    private String readManifest() throws Exception {
        Path root = options.tempRoot().toAbsolutePath();
        if (!Files.isDirectory(root)) {
            throw new StepFailure(Outcome.INVALID_INPUT, "Cannot drill: temporary directory " + root
                    + " does not exist or is not a directory (see --temp-dir)");
        }
        try {
            workDir = Files.createTempDirectory(root, DIR_PREFIX + backupId + "-");
        } catch (AccessDeniedException e) {
            throw new StepFailure(Outcome.INVALID_INPUT, "Cannot drill: cannot create a directory in " + root
                    + ": permission denied (see --temp-dir)");
        } catch (IOException e) {
            throw new StepFailure(isNoSpace(e.getMessage()) ? Outcome.NO_SPACE : Outcome.IO_ERROR,
                    "Cannot drill: cannot create a directory in " + root + ": " + e.getMessage());
        }
        manifestCopy = repository.downloadManifest(backupId, workDir);
        long fileCount = 0;
        long entries = 0;
        long blocks = 0;
        long size = 0;
        try (ManifestReader reader = openLocal(manifestCopy)) {
            if (options.node() != null && reader.header().nodes().stream().noneMatch(n -> n.token().equals(options.node()))) {
                throw new StepFailure(Outcome.NOT_FOUND, "Cannot drill node '" + options.node() + "': backup " + backupId
                        + " has nodes " + reader.header().nodes().stream().map(Node::token).toList());
            }
            for (Entry e = reader.next(); e != null; e = reader.next()) {
                if (!selected(e)) {
                    continue;
                }
                entries++;
                if (e.type() == EntryType.FILE) {
                    fileCount++;
                    size += e.size();
                    blocks += (e.size() + 4095) / 4096;
                } else {
                    blocks++;
                }
            }
        } catch (ManifestFormatException e) {
            throw new StepFailure(Outcome.DAMAGED, "Backup " + backupId + " cannot be restored: its manifest is damaged: "
                    + e.getMessage());
        }
        needed = blocks * 4096;
        return entries + " entries, " + fileCount + " files, " + human(size);
    }

    private String checkSpace() throws StepFailure {
        long free = freeSpace.applyAsLong(workDir);
        if (free >= 0 && free < needed) {
            throw new StepFailure(Outcome.NO_SPACE, "Cannot drill backup " + backupId + ": " + options.tempRoot()
                    + " has " + human(free) + " free, the restore needs about " + human(needed)
                    + " (choose another --temp-dir, or --node to drill one node)");
        }
        return human(free) + " free, about " + human(needed) + " needed";
    }

    private String restore() throws StepFailure {
        RestoreResult r = new Restore(repository, new RestoreOptions(options.node(), false, options.threads()), progress)
                .run(backupId, restoredDir());
        restoreDuration = r.duration();
        files = r.files();
        bytes = r.bytesWritten();
        restoreFailures = r.failures();
        if (!r.complete()) {
            boolean noSpace = r.failures().stream().anyMatch(f -> isNoSpace(f.message()));
            Reason worst = r.failures().stream().map(RestoreResult.Failure::reason)
                    .max((a, b) -> Integer.compare(severity(a), severity(b))).orElse(Reason.IO);
            Outcome o = noSpace ? Outcome.NO_SPACE : outcomeOf(worst, null);
            StringBuilder sb = new StringBuilder("Backup " + backupId + " did not restore: " + r.failures().size()
                    + " file(s) failed");
            if (noSpace) {
                sb.append(" (no space left in ").append(options.tempRoot()).append(')');
            }
            sb.append(": ");
            for (int i = 0; i < r.failures().size() && i < MAX_LISTED_FAILURES; i++) {
                sb.append(i == 0 ? "" : "; ").append(r.failures().get(i).message());
            }
            if (r.failures().size() > MAX_LISTED_FAILURES) {
                sb.append("; and ").append(r.failures().size() - MAX_LISTED_FAILURES).append(" more");
            }
            throw new StepFailure(o, sb.toString());
        }
        return r.files() + " files, " + human(r.bytesWritten()) + " in " + seconds(r.duration()) + ", every chunk and file "
                + "verified against its SHA-256";
    }

    /** Integrity outranks the rest: damaged data is the news, a flaky network is not. */
    private static int severity(Reason r) {
        return switch (r) {
            case INTEGRITY -> 5;
            case NOT_FOUND -> 4;
            case ACCESS_DENIED -> 3;
            case IO -> 2;
            case INVALID_INPUT -> 1;
        };
    }

    private String checkTree() throws Exception {
        Path root = restoredDir();
        List<String> problems = new ArrayList<>();
        long checked = 0;
        try (ManifestReader reader = openLocal(manifestCopy)) {
            for (Entry e = reader.next(); e != null; e = reader.next()) {
                if (!selected(e)) {
                    continue;
                }
                checked++;
                String dest = e.node().isEmpty() ? e.path() : e.node() + "/" + e.path();
                Path p = root.resolve(dest);
                String problem = switch (e.type()) {
                    case FILE -> !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? "missing"
                            : Files.size(p) != e.size() ? "has " + Files.size(p) + " bytes, not " + e.size() : null;
                    case DIRECTORY -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? null : "missing directory";
                    case SYMLINK -> !Files.isSymbolicLink(p) ? "missing symbolic link"
                            : !Files.readSymbolicLink(p).toString().equals(e.linkTarget()) ? "points elsewhere" : null;
                };
                if (problem != null) {
                    problems.add(dest + " " + problem);
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new StepFailure(Outcome.DAMAGED, "Backup " + backupId + " restored incompletely: "
                    + String.join("; ", problems.subList(0, Math.min(problems.size(), MAX_LISTED_FAILURES)))
                    + (problems.size() > MAX_LISTED_FAILURES ? "; and " + (problems.size() - MAX_LISTED_FAILURES) + " more" : ""));
        }
        return checked + " entries in place with their type and size";
    }

    private String rehash() throws Exception {
        Path root = restoredDir();
        List<String> problems = new ArrayList<>();
        long n = 0;
        byte[] buffer = new byte[1 << 20];
        try (ManifestReader reader = openLocal(manifestCopy)) {
            for (Entry e = reader.next(); e != null; e = reader.next()) {
                if (!selected(e) || e.type() != EntryType.FILE) {
                    continue;
                }
                String dest = e.node().isEmpty() ? e.path() : e.node() + "/" + e.path();
                try (InputStream in = Files.newInputStream(root.resolve(dest))) {
                    if (!ContentCheck.matches(repository, e, in, buffer)) {
                        problems.add(dest);
                    }
                }
                n++;
            }
        }
        if (!problems.isEmpty()) {
            throw new StepFailure(Outcome.DAMAGED, "Backup " + backupId + ": restored files read back from disk do not "
                    + "match their hash: " + String.join(", ", problems));
        }
        return n + " files read back from disk and re-hashed";
    }

    private String runCheck() throws Exception {
        Path dir = restoredDir();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("S3BACKUP_DRILL_DIR", dir.toString());
        env.put("S3BACKUP_DRILL_BACKUP_ID", backupId);
        env.put("S3BACKUP_DRILL_REPOSITORY", repository.describe());
        CheckRunner.Outcome o;
        try {
            o = checkRunner.run(options.checkCommand(), dir, env, options.checkTimeout());
        } catch (IOException e) {
            throw new StepFailure(Outcome.INVALID_INPUT, "Cannot start the check command: " + e.getMessage());
        }
        check = new Check(options.checkCommand(), o.exitCode(), o.timedOut(), o.duration(), o.tail());
        if (o.timedOut()) {
            throw new StepFailure(Outcome.CHECK_TIMEOUT, "Check command did not finish within "
                    + seconds(options.checkTimeout()) + " on backup " + backupId + " and was stopped: "
                    + options.checkCommand(), o.tail());
        }
        if (o.exitCode() == null) {
            throw new InterruptedException("check command stopped");
        }
        if (o.exitCode() != 0) {
            String hint = switch (o.exitCode()) {
                case 126 -> " (not executable)";
                case 127 -> " (command not found)";
                default -> o.exitCode() > 128 && o.exitCode() < 160 ? " (killed by signal " + (o.exitCode() - 128) + ")" : "";
            };
            String last = lastLine(o.tail());
            throw new StepFailure(Outcome.CHECK_FAILED, "Check command failed with exit code " + o.exitCode() + hint
                    + " on backup " + backupId + ": " + options.checkCommand()
                    + (last.isEmpty() ? "" : " (last output: " + last + ")"), o.tail());
        }
        return "exit code 0 in " + seconds(o.duration());
    }

    private static String lastLine(String text) {
        String t = text.strip();
        int nl = t.lastIndexOf('\n');
        String line = nl < 0 ? t : t.substring(nl + 1);
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }

    // ---- cleanup ----

    private List<String> cleanup() {
        long t0 = System.nanoTime();
        if (workDir == null) {
            return List.of();
        }
        if (options.keep()) {
            steps.add(new Step("cleanup", Step.Status.SKIPPED, Duration.ZERO, "kept " + workDir + " (--keep)", null));
            if (manifestCopy != null) {
                try {
                    Files.deleteIfExists(manifestCopy);
                } catch (IOException ignored) {
                    // the restored data is what --keep is for; a stray manifest copy is harmless
                }
            }
            return List.of(workDir.toString());
        }
        List<String> leftovers;
        synchronized (cleanupLock) {
            leftovers = removeWorkDir();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        if (leftovers.isEmpty()) {
            steps.add(new Step("cleanup", Step.Status.PASSED, took, "removed " + workDir, null));
        } else {
            String text = "Cannot remove the drill's restored data; remove by hand: " + String.join(", ", leftovers);
            steps.add(new Step("cleanup", Step.Status.FAILED, took, text, null));
            if (outcome == Outcome.PASSED) {
                outcome = Outcome.CLEANUP_FAILED;
                message = "Drill of backup " + backupId + " passed, but " + text;
            }
        }
        return leftovers;
    }

    /** Removes the drill's directory; returns what remains (empty when all is gone). */
    private List<String> removeWorkDir() {
        Path dir = workDir;
        if (dir == null || !Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        return removeTree(dir);
    }

    /**
     * Deletes a tree that restore may have made read-only (modes are restored: an SST file is
     * often 0444, a directory may be 0555). Never follows a symbolic link.
     */
    static List<String> removeTree(Path dir) {
        List<Path> files = new ArrayList<>();
        List<Path> dirs = new ArrayList<>();
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                    makeOwnerWritable(d);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    files.add(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    if (!(e instanceof NoSuchFileException)) {
                        files.add(file);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) {
                    dirs.add(d); // children first: the order to delete them in
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // what remains is listed below
        }
        // Unlinking a large file frees its extents; a few at once take a third less time than one
        // by one, and the cleanup is part of every drill's wall time.
        files.parallelStream().forEach(Drill::deleteQuietly);
        dirs.forEach(Drill::deleteQuietly);
        List<String> failed = new ArrayList<>();
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return failed;
        }
        try (Stream<Path> left = Files.walk(dir)) {
            List<Path> all = left.toList();
            all.stream().limit(MAX_LISTED_LEFTOVERS).forEach(p -> failed.add(p.toString()));
            if (all.size() > MAX_LISTED_LEFTOVERS) {
                failed.add("and " + (all.size() - MAX_LISTED_LEFTOVERS) + " more below " + dir);
            }
        } catch (IOException | UncheckedIOException e) {
            failed.add(dir.toString());
        }
        return failed;
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // what remains is listed by the caller
        }
    }

    private static void makeOwnerWritable(Path d) {
        try {
            Set<PosixFilePermission> perms = EnumSet.copyOf(Files.getPosixFilePermissions(d, LinkOption.NOFOLLOW_LINKS));
            if (perms.addAll(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                    PosixFilePermission.OWNER_EXECUTE))) {
                Files.setPosixFilePermissions(d, perms);
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            // not POSIX, or not ours: the delete below reports what remains
        }
    }

    // ---- helpers ----

    private DrillResult result(List<String> leftovers) {
        return new DrillResult(repository.describe(), backupId, started, outcome,
                outcome == Outcome.PASSED ? "Backup " + backupId + " restored and passed every check" : message,
                steps, files, bytes, restoreDuration, check, Duration.ofNanos(System.nanoTime() - startNanos),
                repository.requests().snapshot(), restoreFailures, workDir == null ? null : workDir.toString(), leftovers);
    }

    private Path restoredDir() {
        return workDir.resolve("restored");
    }

    private boolean selected(Entry e) {
        return options.node() == null || options.node().equals(e.node());
    }

    private static ManifestReader openLocal(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        try {
            return ManifestCodec.newReader(in);
        } catch (RuntimeException e) {
            in.close();
            throw e;
        }
    }

    private static long usableSpace(Path dir) {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            return -1; // unknown: let the restore itself find out
        }
    }

    static String human(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.2f s", d.toNanos() / 1e9);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
