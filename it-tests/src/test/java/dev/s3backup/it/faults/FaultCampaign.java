package dev.s3backup.it.faults;

import dev.s3backup.cli.ExitCodes;
import dev.s3backup.cli.Main;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.s3.S3ObjectStores;
import dev.s3backup.s3.testing.FaultProxy;
import dev.s3backup.s3.testing.S3TestServers;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Runs push, restore, verify, forget and gc through the real command line (in this JVM) against
 * S3Proxy behind a {@link FaultProxy}, round after round, and keeps the tally:
 * <ul>
 *   <li>every command must exit 0, or exit {@link ExitCodes#IO} with a "Cannot ..." message (a
 *       clean failure), after which the same command is run again (faults still on) until it
 *       completes; any other outcome is a <em>bad failure</em>;</li>
 *   <li>every restore that exits 0 is compared byte for byte with the source as it was pushed;
 *       a difference is a <em>lost or corrupt restore</em>;</li>
 *   <li>at the end, with faults off, every committed backup is verified reading all its data
 *       and restored; a backup that does not verify is a <em>manifest with missing chunks</em>.</li>
 * </ul>
 * The source is a small tree that changes every round (files added, rewritten, deleted; small
 * ones packed, larger ones split into 64 KiB chunks). Push's failed attempts may still have
 * committed a backup; the campaign finds every new backup id after each push and records what
 * it should contain.
 */
final class FaultCampaign {
    static final double RATE = 0.10;
    private static final Pattern BACKUP_ID = Pattern.compile("\"backupId\":\"([^\"]+)\"");
    private static final Pattern RETRIES = Pattern.compile("\"requests\":\\{[^}]*\"retries\":(\\d+)");
    private static final int RERUNS = 8;
    private static final String BUCKET = "faults";
    private static final String NODE = "n1";

    private final Path work;
    private final SplittableRandom random;
    private final S3TestServers.Server server;
    private final FaultProxy proxy;
    private final String prefix;
    private final List<String> connection;
    /** The key file of an encrypted repository, or null. */
    private final Path keyFile;
    private final Path source;
    private final Path contents;
    private final Tally tally = new Tally();
    /** What each committed backup must restore to: relative path to the SHA-256 of its content. */
    private final Map<String, Map<String, String>> expected = new LinkedHashMap<>();
    private long clock = Instant.parse("2026-01-01T00:00:00Z").getEpochSecond();
    private int fileCounter;

    /** Counts of one campaign; the last two must be 0. */
    static final class Tally {
        long operations;
        long successes;
        long cleanFailures;
        long badFailures;
        long retriesReported;
        long restoresCompared;
        long lostOrCorruptRestores;
        long backupsCommitted;
        long backupsCheckedAtEnd;
        long manifestsWithMissingChunks;
        Map<FaultProxy.Fault, Long> faults = Map.of();
        long requests;
        final List<String> problems = new ArrayList<>();

        String format() {
            long faultTotal = faults.values().stream().mapToLong(Long::longValue).sum();
            return String.join("\n",
                    "faulted operations:          " + operations + " (push, restore, verify, forget, gc; re-runs included)",
                    "  succeeded:                 " + successes,
                    "  failed cleanly (exit 5):   " + cleanFailures + " (each re-run until it completed)",
                    "  failed otherwise:          " + badFailures,
                    "requests through the proxy:  " + requests,
                    "faults injected:             " + faultTotal + " " + faults,
                    "retries (in summaries):      " + retriesReported,
                    "restores compared:           " + restoresCompared,
                    "lost or corrupt restores:    " + lostOrCorruptRestores,
                    "backups committed:           " + backupsCommitted,
                    "backups checked at the end:  " + backupsCheckedAtEnd + " (verify --read-data and restore, faults off)",
                    "manifests missing chunks:    " + manifestsWithMissingChunks)
                    + (problems.isEmpty() ? "" : "\nproblems:\n  " + String.join("\n  ", problems));
        }
    }

    FaultCampaign(Path work, long seed) throws IOException {
        this(work, seed, false);
    }

    /** @param encrypted whether the repository is encrypted and compressed (a key file that init makes) */
    FaultCampaign(Path work, long seed, boolean encrypted) throws IOException {
        this.work = work;
        this.keyFile = encrypted ? work.resolve("fault.key") : null;
        this.random = new SplittableRandom(seed);
        this.server = S3TestServers.s3Proxy();
        server.createBucket(BUCKET);
        this.proxy = FaultProxy.start(server.endpoint(), seed, 0, Duration.ofSeconds(2));
        this.prefix = "campaign-" + seed + "-" + System.currentTimeMillis();
        // The CLI takes credentials from the SDK's default chain, whose first link is these properties.
        System.setProperty("aws.accessKeyId", server.accessKey());
        System.setProperty("aws.secretAccessKey", server.secretKey());
        List<String> options = new ArrayList<>(List.of("--repo", "s3://" + BUCKET + "/" + prefix, "--endpoint",
                proxy.endpoint().toString(), "--path-style", "--region", server.region(), "--checksum-mode", "when-required",
                // Shorter than the proxy's 2 s stall, so a stall costs one timed-out attempt.
                "--io-timeout", "1s", "--max-attempts", "3"));
        if (keyFile != null) {
            options.addAll(List.of("--key-file", keyFile.toString()));
        }
        this.connection = List.copyOf(options);
        this.source = Files.createDirectories(work.resolve("source"));
        this.contents = Files.createDirectories(work.resolve("contents"));
    }

    /** Runs rounds until at least {@code operations} faulted commands ran, then checks everything with faults off. */
    Tally run(int operations) throws IOException {
        requireOk(cli("init", "--chunk-size", "64KiB"), "init");
        proxy.setRate(RATE);
        try {
            for (int round = 1; tally.operations < operations; round++) {
                change();
                push();
                restore();
                if (round % 2 == 0) {
                    repeat("verify", round % 4 == 0 ? List.of("--read-data") : List.of());
                }
                if (round % 5 == 0) {
                    repeat("forget", List.of("--keep-last", "4"));
                    repeat("gc", List.of("--grace", "0"));
                    forgetRemoved();
                }
            }
        } finally {
            proxy.setRate(0);
        }
        tally.faults = proxy.injected();
        tally.requests = proxy.requests();
        checkEverything();
        proxy.close();
        return tally;
    }

    // ---- the source tree --------------------------------------------------------------------

    /** Adds, rewrites and deletes a few files; every change moves the file's mtime forward. */
    private void change() throws IOException {
        List<Path> files = files(source);
        int adds = files.size() < 6 ? 3 : random.nextInt(3);
        for (int i = 0; i < adds; i++) {
            write(source.resolve("d" + random.nextInt(3)).resolve("f" + (++fileCounter) + ".bin"));
        }
        for (Path file : files) {
            int dice = random.nextInt(10);
            if (dice == 0 && files.size() > 4) {
                Files.delete(file);
            } else if (dice < 3) {
                write(file);
            }
        }
    }

    private void write(Path file) throws IOException {
        int size = switch (random.nextInt(4)) {
            case 0 -> random.nextInt(64);
            case 1 -> random.nextInt(16 << 10);
            default -> (16 << 10) + random.nextInt(300 << 10);
        };
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
        clock += 10;
        Files.setLastModifiedTime(file, FileTime.from(Instant.ofEpochSecond(clock)));
    }

    /** The source as it is now, path to hash, with each content kept aside for comparing restores. */
    private Map<String, String> snapshot() throws IOException {
        Map<String, String> tree = new TreeMap<>();
        for (Path file : files(source)) {
            byte[] bytes = Files.readAllBytes(file);
            String hash = sha256(bytes);
            Path kept = contents.resolve(hash);
            if (!Files.exists(kept)) {
                Files.write(kept, bytes);
            }
            tree.put(source.relativize(file).toString(), hash);
        }
        return tree;
    }

    // ---- operations -------------------------------------------------------------------------

    private void push() throws IOException {
        Map<String, String> tree = snapshot();
        List<String> before = backupIds();
        Run run = repeat("push", List.of("--name", "db", "--pack-below", "16KiB",
                "--cache-dir", work.resolve("cache").toString(), NODE + "=" + source));
        // Failed attempts may have committed too (the manifest landed, its answer was lost).
        for (String id : backupIds()) {
            if (!before.contains(id)) {
                expected.put(id, tree);
                tally.backupsCommitted++;
            }
        }
        if (run != null) {
            Matcher m = BACKUP_ID.matcher(run.out);
            if (!m.find() || !expected.containsKey(m.group(1))) {
                tally.problems.add("push reported a backup that is not in the repository: " + run.out);
            }
        }
    }

    private void restore() throws IOException {
        if (expected.isEmpty()) {
            return;
        }
        List<String> ids = new ArrayList<>(expected.keySet());
        // Mostly the latest, sometimes an older one.
        String id = random.nextInt(3) == 0 ? ids.get(random.nextInt(ids.size())) : ids.get(ids.size() - 1);
        Path target = work.resolve("restore");
        for (int attempt = 0; attempt < RERUNS; attempt++) {
            deleteTree(target);
            Run run = operation("restore", List.of("--json", "--manifest", id, "--target", target.toString()));
            if (run.exitCode == ExitCodes.OK) {
                compare(id, target);
                deleteTree(target);
                return;
            }
            if (!clean(run, "restore")) {
                return;
            }
        }
        tally.problems.add("restore of " + id + " did not complete in " + RERUNS + " runs");
    }

    /** Runs a command until it completes: its successful run, or null when it never did. */
    private Run repeat(String command, List<String> args) {
        List<String> all = new ArrayList<>(args);
        all.add(0, "--json");
        for (int attempt = 0; attempt < RERUNS; attempt++) {
            Run run = operation(command, all);
            if (run.exitCode == ExitCodes.OK) {
                return run;
            }
            if (!clean(run, command)) {
                return null;
            }
        }
        tally.problems.add(command + " did not complete in " + RERUNS + " runs");
        return null;
    }

    /** One faulted command, counted. */
    private Run operation(String command, List<String> args) {
        tally.operations++;
        Run run = cli(command, args.toArray(String[]::new));
        if (run.exitCode == ExitCodes.OK) {
            tally.successes++;
            Matcher m = RETRIES.matcher(run.out);
            if (m.find()) {
                tally.retriesReported += Long.parseLong(m.group(1));
            }
        }
        return run;
    }

    /** Whether a failed run failed cleanly (counted either way). */
    private boolean clean(Run run, String command) {
        // Exit 5 is "a re-run may succeed"; verify names the chunks it could not read.
        boolean clean = run.exitCode == ExitCodes.IO && run.err.startsWith("s3backup: error: ")
                && !run.err.contains("Exception:") && !run.err.contains("\tat ");
        if (clean) {
            tally.cleanFailures++;
        } else {
            tally.badFailures++;
            tally.problems.add(command + " failed badly: " + run);
        }
        return clean;
    }

    private void compare(String id, Path target) throws IOException {
        tally.restoresCompared++;
        Map<String, String> tree = expected.get(id);
        Path root = target.resolve(NODE);
        List<Path> restored = Files.isDirectory(root) ? files(root) : List.of();
        boolean same = restored.size() == tree.size();
        for (Path file : restored) {
            String hash = tree.get(root.relativize(file).toString());
            if (hash == null || Files.mismatch(file, contents.resolve(hash)) != -1) {
                same = false;
            }
        }
        if (!same) {
            tally.lostOrCorruptRestores++;
            tally.problems.add("restore of " + id + " differs from its source: " + restored.size() + " files, expected "
                    + tree.size());
        }
    }

    /** Drops the backups forget removed from what is expected to restore. */
    private void forgetRemoved() {
        List<String> ids = backupIds();
        expected.keySet().retainAll(ids);
    }

    /** With faults off: every committed backup verifies reading all its data, and restores as pushed. */
    private void checkEverything() throws IOException {
        for (String id : backupIds()) {
            tally.backupsCheckedAtEnd++;
            Run verify = cli("verify", "--manifest", id, "--read-data", "--no-log");
            if (verify.exitCode != ExitCodes.OK) {
                tally.manifestsWithMissingChunks++;
                tally.problems.add("backup " + id + " does not verify: " + verify);
            }
            Map<String, String> tree = expected.get(id);
            if (tree == null) {
                tally.problems.add("backup " + id + " is in the repository but no push made it");
                continue;
            }
            Path target = work.resolve("final-restore");
            deleteTree(target);
            Run restore = cli("restore", "--manifest", id, "--target", target.toString());
            if (restore.exitCode != ExitCodes.OK) {
                tally.lostOrCorruptRestores++;
                tally.problems.add("backup " + id + " does not restore: " + restore);
            } else {
                compare(id, target);
            }
            deleteTree(target);
        }
    }

    // ---- plumbing ---------------------------------------------------------------------------

    private record Run(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
        }
    }

    private Run cli(String command, String... args) {
        List<String> all = new ArrayList<>();
        all.add(command);
        all.addAll(connection);
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    private static void requireOk(Run run, String what) {
        if (run.exitCode != ExitCodes.OK) {
            throw new IllegalStateException(what + " failed with faults off: " + run);
        }
    }

    /** Backup ids read straight from S3Proxy, past the fault proxy. */
    private List<String> backupIds() {
        dev.s3backup.core.repo.KeySource keys = dev.s3backup.core.repo.KeySource.NONE;
        if (keyFile != null) {
            try {
                keys = dev.s3backup.core.repo.KeySource.keyFile(
                        dev.s3backup.core.crypt.KeySlot.decodeKeyFile(Files.readAllBytes(keyFile)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        try (Repository repository = Repository.open(S3ObjectStores.open(server.options(BUCKET).prefix(prefix).build()),
                keys)) {
            return repository.listBackupIds();
        }
    }

    private static List<Path> files(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    p.toFile().setWritable(true);
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
