package dev.s3backup.it.crash;

import static dev.s3backup.it.crash.CrashKit.child;
import static dev.s3backup.it.crash.CrashKit.here;
import static dev.s3backup.it.crash.CrashKit.toCompletion;
import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.it.crash.CrashKit.Outcome;
import dev.s3backup.it.crash.CrashKit.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills the real CLI (the shaded jar, in a JVM of its own) with SIGKILL at random points of push,
 * restore and forget+gc, and checks after every kill what a crash must never break:
 *
 * <ul>
 *   <li>every committed backup has all its chunks, passes {@code verify --read-data} and
 *       restores byte-identical to its source;</li>
 *   <li>a re-run push commits and uploads exactly the chunks that are missing (its bytes
 *       uploaded equal the missing chunks' bytes; chunk bodies sent again to meet a 412 are
 *       counted and bounded by the uploads that were in flight);</li>
 *   <li>no restored file is under its final name with wrong or partial content; leftovers carry
 *       restore's temporary name and the next {@code restore --delta} removes them;</li>
 *   <li>gc never deleted a chunk a committed backup references, and a re-run leaves exactly the
 *       referenced chunks.</li>
 * </ul>
 *
 * Each kill point waits a random delay (seeded; the seed is printed) spread over the command's
 * crash-free duration, measured first: point i of n falls at a random moment of the i-th n-th of
 * that duration, so even a few points cover the start, the middle and the end. The default build
 * runs 5 points per operation on file://; the campaign behind docs/RELIABILITY.md runs 25 per
 * operation on file:// and on S3Proxy:
 *
 * <pre>
 * mvn -B -o verify -pl it-tests -am -Dtest='*CrashTest' -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Ds3backup.crash.points=25 [-Ds3backup.crash.seed=N]
 * </pre>
 */
abstract class CrashCampaign {
    /** Points per operation on this backend (default: the short version). */
    static final String POINTS_PROPERTY = "s3backup.crash.points";
    private static final long SEED = Long.getLong("s3backup.crash.seed", System.nanoTime() & 0xffff_ffffL);
    /**
     * Upload and restore threads of the killed commands: few, so that chunks complete one after
     * another over the command's duration rather than all at once (as 8 threads sharing a
     * throttled link do), and at most this many chunk PUTs are in flight when a push is killed.
     */
    private static final int THREADS = 2;
    /** Protocol PUTs of a short push besides its chunks: lease, pending manifest, manifest. */
    private static final int PROTOCOL_PUTS = 3;
    private static final Pattern BACKUP_ID = Pattern.compile("\"backupId\":\"([^\"]+)\"");

    @TempDir
    Path dir;

    abstract CrashTarget target();

    /** Kill points per operation when {@code -Ds3backup.crash.points} is not given. */
    int defaultPoints() {
        return 5;
    }

    /** Bandwidth and request limits that make each command last long enough to be killed in its middle. */
    String uploadLimit() {
        return "8MiB";
    }

    String downloadLimit() {
        return "8MiB";
    }

    String requestLimit() {
        return "60";
    }

    /** Point {@code index} (from 1) of n: a random moment in the index-th n-th of the duration. */
    private long delay(Random random, int index, long durationNanos) {
        return (long) ((index - 1 + random.nextDouble()) / points() * durationNanos);
    }

    private int points() {
        return Integer.getInteger(POINTS_PROPERTY, defaultPoints());
    }

    private Random random(String operation, CrashTarget target) {
        long seed = SEED * 31 + (operation + target.name()).hashCode();
        System.out.println("crash " + operation + " " + target.name() + ": seed " + SEED);
        return new Random(seed);
    }

    // ---- push ------------------------------------------------------------------------------

    @Test
    void killedPushes() {
        CrashTarget target = target();
        Path base = dir.resolve("data/base");
        for (int i = 0; i < 2; i++) {
            CrashKit.writeRandom(base.resolve(String.format("%06d.sst", i)), 1 << 20, 100 + i);
        }
        Path next = dir.resolve("data/next");
        CrashKit.linkAll(base, next, p -> true);
        for (int i = 2; i < 10; i++) {
            CrashKit.writeRandom(next.resolve(String.format("%06d.sst", i)), (1 << 20) + 4096 * i, 100 + i);
        }
        for (int i = 0; i < 24; i++) {
            CrashKit.writeRandom(next.resolve("small/" + i + ".log"), 8 << 10, 1000 + i); // packed together
        }

        Path work = dir.resolve("work");
        String[] calibration = preparedPush(target, base, "push-calibration");
        Outcome crashFree = toCompletion(target, work, "push", pushArgs(calibration, next, true));
        long crashFreeBytes = Long.parseLong(field(crashFree.output(), "bytesUploaded"));
        Tally tally = new Tally("push", target.name(), SEED, TimeUnit.NANOSECONDS.toMillis(crashFree.nanos()));
        Random random = random("push", target);
        for (int point = 1; point <= points(); point++) {
            String[] prepared = preparedPush(target, base, "push");
            String repo = prepared[0];
            long delay = delay(random, point, crashFree.nanos());
            Outcome killed = child(target, work, System.nanoTime() + delay, "push", pushArgs(prepared, next, true));
            List<String> found = new ArrayList<>();
            if (!killed.killed() && killed.exitCode() != 0) {
                found.add("the push failed by itself: " + killed.output());
            }
            found.addAll(committedBackupsIntact(target, repo, work));
            Map<String, Long> present;
            try (ObjectStore store = target.openStore(repo)) {
                present = CrashKit.chunkObjects(store);
            }
            Run rerun = here(target, "push", pushArgs(prepared, next, false));
            String detail = "";
            if (rerun.exitCode() != 0) {
                found.add("the re-run push failed: " + rerun);
            } else {
                Matcher id = BACKUP_ID.matcher(rerun.out());
                assertThat(id.find()).as(rerun.toString()).isTrue();
                Map<String, Integer> needed;
                Repository opened;
                try (Repository r = Repository.open(target.openStore(repo), target.keys())) {
                    needed = CrashKit.chunksOf(r, id.group(1));
                    opened = r;
                }
                long missingBytes = 0;
                int missing = 0;
                for (Map.Entry<String, Integer> c : needed.entrySet()) {
                    Long size = present.get(c.getKey());
                    if (size == null || !opened.chunkSizeMatches(size, c.getValue())) {
                        missing++;
                        missingBytes += c.getValue();
                    }
                }
                long uploaded = rerun.number("bytesUploaded");
                long chunkPuts = rerun.number("put") - PROTOCOL_PUTS;
                if (uploaded != missingBytes) {
                    found.add("the re-run uploaded " + uploaded + " bytes; missing were " + missingBytes);
                }
                long resent = chunkPuts - missing;
                if (resent < 0 || resent > THREADS) {
                    found.add("the re-run sent " + chunkPuts + " chunk PUTs for " + missing + " missing chunks");
                }
                tally.resentBodies(Math.max(0, resent));
                double fraction = (double) uploaded / crashFreeBytes;
                if (killed.killed()) {
                    tally.uploadFraction(fraction);
                }
                detail = String.format(java.util.Locale.ROOT, "re-run uploaded %d of %d bytes (%.2f), read %d, "
                        + "%d chunks resumed, %d bodies re-sent", uploaded, crashFreeBytes, fraction,
                        rerun.number("bytesScanned"), rerun.number("chunksResumed"), resent);
                found.addAll(committedBackupsIntact(target, repo, work));
            }
            tally.point(point, TimeUnit.NANOSECONDS.toMillis(delay), outcome(killed), found, detail);
            drop(target, repo);
        }
        tally.report();
        assertThat(tally.violations()).isEmpty();
    }

    /** A fresh repository holding one backup of {@code base}; returns its URL and the hash cache directory. */
    private String[] preparedPush(CrashTarget target, Path base, String label) {
        String repo = target.newRepo(label);
        Path cache = dir.resolve("cache-" + repo.hashCode());
        ok(here(target, "init", "-r", repo, "--chunk-size", "1MiB"));
        ok(here(target, "push", "-r", repo, "--cache-dir", cache.toString(), "--name", "base", "n1=" + base));
        return new String[] {repo, cache.toString()};
    }

    private String[] pushArgs(String[] prepared, Path source, boolean limited) {
        List<String> args = new ArrayList<>(List.of("-r", prepared[0], "--json", "--cache-dir", prepared[1],
                "--name", "next", "--checkpoint-interval", "300ms", "--upload-threads", "" + THREADS));
        if (limited) {
            args.addAll(List.of("--limit-upload", uploadLimit()));
        }
        args.add("n1=" + source);
        return args.toArray(String[]::new);
    }

    // ---- restore ---------------------------------------------------------------------------

    @Test
    void killedRestores() {
        CrashTarget target = target();
        Path source = dir.resolve("data/src");
        for (int i = 0; i < 8; i++) {
            CrashKit.writeRandom(source.resolve(String.format("%06d.sst", i)), (1 << 20) + 4096 * i, 200 + i);
        }
        for (int i = 0; i < 24; i++) {
            CrashKit.writeRandom(source.resolve("small/" + i + ".log"), 8 << 10, 2000 + i);
        }
        String repo = target.newRepo("restore");
        ok(here(target, "init", "-r", repo, "--chunk-size", "1MiB"));
        ok(here(target, "push", "-r", repo, "--no-cache", "n1=" + source));

        Path work = dir.resolve("work");
        Outcome crashFree = toCompletion(target, work, "restore", restoreArgs(repo, dir.resolve("restore-calibration"), true));
        Tally tally = new Tally("restore", target.name(), SEED, TimeUnit.NANOSECONDS.toMillis(crashFree.nanos()));
        Random random = random("restore", target);
        for (int point = 1; point <= points(); point++) {
            Path into = dir.resolve("restore-" + point);
            long delay = delay(random, point, crashFree.nanos());
            Outcome killed = child(target, work, System.nanoTime() + delay, "restore", restoreArgs(repo, into, true));
            List<String> found = new ArrayList<>();
            if (!killed.killed() && killed.exitCode() != 0) {
                found.add("the restore failed by itself: " + killed.output());
            }
            long partials = 0;
            for (Map.Entry<String, Path> f : CrashKit.files(into).entrySet()) {
                if (CrashKit.PARTIAL.matcher(f.getValue().getFileName().toString()).matches()) {
                    partials++;
                    continue;
                }
                Path original = f.getKey().startsWith("n1/") ? source.resolve(f.getKey().substring(3)) : null;
                if (original == null || !Files.isRegularFile(original) || !CrashKit.sameContent(original, f.getValue())) {
                    found.add("restored file " + f.getKey() + " is under its final name with wrong content");
                }
            }
            tally.partials(partials);
            Run verify = here(target, "verify", "-r", repo, "--read-data", "--no-log");
            if (verify.exitCode() != 0) {
                found.add("verify after the kill: " + verify);
            }
            Run rerun = here(target, "restore", restoreArgs(repo, into, false));
            if (rerun.exitCode() != 0) {
                found.add("the re-run restore failed: " + rerun);
            } else {
                CrashKit.differences(source, into.resolve("n1")).forEach(d -> found.add("after the re-run: " + d));
                CrashKit.files(into).keySet().stream().filter(k -> !k.startsWith("n1/"))
                        .forEach(k -> found.add("after the re-run: stray " + k));
                CrashKit.files(into).values().stream()
                        .filter(p -> CrashKit.PARTIAL.matcher(p.getFileName().toString()).matches())
                        .forEach(p -> found.add("after the re-run: partial file left " + p));
            }
            tally.point(point, TimeUnit.NANOSECONDS.toMillis(delay), outcome(killed), found,
                    partials + " partial file(s) left by the kill");
            CrashKit.deleteTree(into);
        }
        tally.report();
        drop(target, repo);
        assertThat(tally.violations()).isEmpty();
    }

    private String[] restoreArgs(String repo, Path into, boolean limited) {
        List<String> args = new ArrayList<>(List.of("-r", repo, "-m", "latest", "--target", into.toString(),
                "--threads", "" + THREADS));
        args.add(limited ? "--limit-download" : "--delta");
        if (limited) {
            args.add(downloadLimit());
        }
        return args.toArray(String[]::new);
    }

    // ---- forget + gc -----------------------------------------------------------------------

    private int generation;
    private int fileCounter;
    private Path previousGeneration;

    /** The next snapshot of a store that compacts: 8 of its 24 files replaced by new ones. */
    private Path nextGeneration() {
        Path gen = dir.resolve("data/gen-" + generation++);
        if (previousGeneration == null) {
            for (int i = 0; i < 24; i++) {
                CrashKit.writeRandom(gen.resolve(String.format("%06d.sst", fileCounter)), 96 << 10, fileCounter++);
            }
        } else {
            List<String> names = new ArrayList<>(CrashKit.files(previousGeneration).keySet());
            java.util.Collections.sort(names);
            Set<String> dropped = new HashSet<>(names.subList(0, 8));
            CrashKit.linkAll(previousGeneration, gen, p -> !dropped.contains(p.getFileName().toString()));
            for (int i = 0; i < 8; i++) {
                CrashKit.writeRandom(gen.resolve(String.format("%06d.sst", fileCounter)), 96 << 10, fileCounter++);
            }
        }
        previousGeneration = gen;
        return gen;
    }

    private void pushGenerations(CrashTarget target, String repo, int count) {
        for (int i = 0; i < count; i++) {
            ok(here(target, "push", "-r", repo, "--cache-dir", dir.resolve("gc-cache").toString(), "--name", "gen",
                    "--pack-below", "0", "n1=" + nextGeneration()));
        }
    }

    @Test
    void killedForgetAndGc() {
        CrashTarget target = target();
        String repo = target.newRepo("gc");
        ok(here(target, "init", "-r", repo, "--chunk-size", "64KiB"));
        Path work = dir.resolve("work");
        String[] forget = {"-r", repo, "--keep-last", "2", "--limit-requests", requestLimit()};
        String[] gc = {"-r", repo, "--grace", "0", "--limit-requests", requestLimit()};

        pushGenerations(target, repo, 3);
        long forgetNanos = toCompletion(target, work, "forget", forget).nanos();
        long gcNanos = toCompletion(target, work, "gc", gc).nanos();
        long total = forgetNanos + gcNanos;
        Tally tally = new Tally("forget+gc", target.name(), SEED, TimeUnit.NANOSECONDS.toMillis(total));
        Random random = random("forget+gc", target);
        for (int point = 1; point <= points(); point++) {
            pushGenerations(target, repo, 2);
            long delay = delay(random, point, total);
            long deadline = System.nanoTime() + delay;
            List<String> found = new ArrayList<>();
            String outcome;
            Outcome f = child(target, work, deadline, "forget", forget);
            if (f.killed()) {
                outcome = "killed in forget";
            } else {
                if (f.exitCode() != 0) {
                    found.add("forget failed by itself: " + f.output());
                }
                Outcome g = child(target, work, deadline, "gc", gc);
                outcome = g.killed() ? "killed in gc" : "finished first";
                if (!g.killed() && g.exitCode() != 0) {
                    found.add("gc failed by itself: " + g.output());
                }
            }
            found.addAll(committedBackupsIntact(target, repo, work));
            Run reForget = here(target, "forget", "-r", repo, "--keep-last", "2");
            Run reGc = here(target, "gc", "-r", repo, "--grace", "0");
            if (reForget.exitCode() != 0 || reGc.exitCode() != 0) {
                found.add("the re-run failed: " + reForget + reGc);
            } else {
                found.addAll(onlyReferencedChunksLeft(target, repo));
                found.addAll(committedBackupsIntact(target, repo, work));
            }
            tally.point(point, TimeUnit.NANOSECONDS.toMillis(delay), outcome, found, "");
        }
        tally.report();
        drop(target, repo);
        assertThat(tally.violations()).isEmpty();
    }

    private static List<String> onlyReferencedChunksLeft(CrashTarget target, String repo) {
        try (Repository r = Repository.open(target.openStore(repo), target.keys())) {
            Map<String, Integer> referenced = new HashMap<>();
            for (String id : r.listBackupIds()) {
                referenced.putAll(CrashKit.chunksOf(r, id));
            }
            Set<String> stored = CrashKit.chunkObjects(r.store()).keySet();
            List<String> problems = new ArrayList<>();
            Set<String> garbage = new HashSet<>(stored);
            garbage.removeAll(referenced.keySet());
            if (!garbage.isEmpty()) {
                problems.add("a completed gc left " + garbage.size() + " unreferenced chunks");
            }
            Set<String> lost = new HashSet<>(referenced.keySet());
            lost.removeAll(stored);
            if (!lost.isEmpty()) {
                problems.add("referenced chunks missing after gc: " + lost);
            }
            return problems;
        }
    }

    // ---- shared checks ---------------------------------------------------------------------

    /**
     * Every committed backup: each chunk it names is stored with its size, {@code verify
     * --read-data} passes, and it restores byte-identical to the directory it was pushed from.
     */
    private List<String> committedBackupsIntact(CrashTarget target, String repo, Path work) {
        List<String> problems = new ArrayList<>();
        try (Repository r = Repository.open(target.openStore(repo), target.keys())) {
            Map<String, Long> stored = CrashKit.chunkObjects(r.store());
            List<String> ids = r.listBackupIds();
            for (String id : ids) {
                for (Map.Entry<String, Integer> c : CrashKit.chunksOf(r, id).entrySet()) {
                    Long size = stored.get(c.getKey());
                    if (size == null || !r.chunkSizeMatches(size, c.getValue())) {
                        problems.add("committed backup " + id + " references missing chunk " + c.getKey());
                    }
                }
            }
            Run verify = here(target, "verify", "-r", repo, "--read-data", "--no-log");
            if (verify.exitCode() != 0) {
                problems.add("verify --read-data: " + verify);
            }
            for (String id : ids) {
                Path into = work.resolve("check-" + id);
                CrashKit.deleteTree(into);
                Run restore = here(target, "restore", "-r", repo, "-m", id, "--target", into.toString());
                if (restore.exitCode() != 0) {
                    problems.add("restore of committed backup " + id + ": " + restore);
                } else {
                    CrashKit.differences(CrashKit.sourceOf(r, id), into.resolve("n1"))
                            .forEach(d -> problems.add("backup " + id + " restored with " + d));
                }
                CrashKit.deleteTree(into);
            }
        }
        return problems;
    }

    private static String outcome(Outcome o) {
        return o.killed() ? "killed" : "finished first";
    }

    private static void ok(Run run) {
        assertThat(run.exitCode()).as(run.toString()).isZero();
    }

    private static String field(String output, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":(\\d+)").matcher(output);
        assertThat(m.find()).as(name + " in " + output).isTrue();
        return m.group(1);
    }

    /** Frees the space of a repository no longer needed (the campaign writes gigabytes otherwise). */
    private static void drop(CrashTarget target, String repo) {
        try (ObjectStore store = target.openStore(repo)) {
            List<String> keys = new ArrayList<>();
            store.listAll("").forEachRemaining(o -> keys.add(o.key()));
            store.delete(keys);
        }
    }
}
