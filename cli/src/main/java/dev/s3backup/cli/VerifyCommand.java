package dev.s3backup.cli;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.verify.Verifier;
import dev.s3backup.core.verify.VerifyOptions;
import dev.s3backup.core.verify.VerifyOptions.ReadData;
import dev.s3backup.core.verify.VerifyProgress;
import dev.s3backup.core.verify.VerifyResult;
import dev.s3backup.core.verify.VerifyResult.BackupStatus;
import dev.s3backup.core.verify.VerifyResult.ChunkProblem;
import dev.s3backup.core.verify.VerifyResult.Dependent;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Check that backups are intact; remember what was checked.",
            "",
            "Tier 1 (always; no data read): every manifest is read and its checksum verified, and every chunk it "
                    + "needs must appear with the right size in a listing of chunks/: one LIST request per 1,000 "
                    + "chunks, never one per chunk.",
            "",
            "Tier 2: --read-data downloads every chunk and re-hashes it; --read-data-subset reads a share that "
                    + "rotates round the hash ring, so that consecutive runs cover everything (4 runs of 25%% read "
                    + "each chunk once). --max-age skips chunks that a logged run verified within that time: a "
                    + "nightly 'verify --read-data --max-age 30d' reads each chunk about once a month.",
            "",
            "Each run writes one create-only log object, verify/<run id>, recording what it verified (--no-log "
                    + "for read-only credentials). Every missing or corrupt chunk is reported with the backups and "
                    + "files that need it; --json, --report and --junit give the report to scripts and CI.",
            "",
            "Exit codes: 0 all intact; 4 something is missing, corrupt or damaged (the report names it); 5 only "
                    + "chunks that could not be read (network, server: a re-run may succeed); 3 a backup given "
                    + "with -m does not exist; 2 bad options.",
            "",
            "Examples:",
            "  s3backup verify -r s3://bucket/db",
            "  s3backup verify -r s3://bucket/db --read-data-subset 10%% --junit verify.xml",
            "  s3backup verify -r s3://bucket/db --read-data --max-age 30d --json"},
        footer = ExitCodes.HELP_FOOTER)
final class VerifyCommand extends BaseCommand {
    /** Dependent backups printed per file before "and N more". */
    private static final int MAX_IDS = 5;
    /** Files printed per chunk before "and N more". */
    private static final int MAX_FILES = 10;

    @Mixin
    WriteRepoOptions repoOptions;

    @Option(names = {"-m", "--manifest"}, paramLabel = "ID|latest",
            description = "Verify this backup (repeatable). Default: every backup (--all).")
    List<String> manifests = new ArrayList<>();

    @Option(names = "--name", paramLabel = "NAME",
            description = "Verify the backups of this name (repeatable); with --manifest, those too.")
    List<String> names;

    @Option(names = "--all", description = "Verify every backup (the default).")
    boolean all;

    @Option(names = "--read-data", description = "Tier 2: download every chunk and re-hash it.")
    boolean readData;

    @Option(names = "--read-data-subset", paramLabel = "P%|N", converter = VerifyArgs.SubsetConverter.class,
            description = "Tier 2 on a share of the chunks (10%%) or a number of them (500), rotating round the "
                    + "hash ring from run to run so that repeated runs cover everything.")
    ReadData subset;

    @Option(names = "--max-age", paramLabel = "DURATION", converter = VerifyArgs.DurationConverter.class,
            description = "With --read-data(-subset): skip chunks that a logged run read and verified less than "
                    + "this long ago (e.g. 30d, 12h, 1w).")
    Duration maxAge;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "" + VerifyOptions.DEFAULT_THREADS,
            description = "Chunks downloaded at once (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--list-threads", paramLabel = "N", defaultValue = "0",
            description = "0 (default): one listing of chunks/, or 256 prefix listings on 16 threads above "
                    + Verifier.PARALLEL_LISTING_THRESHOLD + " chunks; 1: always one listing; N: the 256 prefixes "
                    + "on N threads (up to 256 more LIST requests, much faster on very large repositories).")
    int listThreads;

    @Option(names = "--no-log", description = "Do not write verify/<run id> (read-only credentials); later runs "
            + "will not know what this one verified.")
    boolean noLog;

    @Option(names = "--json", description = "Print the report as JSON on stdout.")
    boolean json;

    @Option(names = "--report", paramLabel = "FILE", description = "Also write the JSON report to FILE.")
    Path report;

    @Option(names = "--junit", paramLabel = "FILE",
            description = "Also write a JUnit XML report to FILE: one test case per backup.")
    Path junit;

    @Override
    public Integer call() {
        Output output = output();
        if (all && (!manifests.isEmpty() || names != null)) {
            throw new BackupException(BackupException.Reason.INVALID_INPUT,
                    "Cannot verify: give --all or --manifest/--name, not both");
        }
        if (readData && subset != null) {
            throw new BackupException(BackupException.Reason.INVALID_INPUT,
                    "Cannot verify: give --read-data or --read-data-subset, not both");
        }
        if (maxAge != null && !readData && subset == null) {
            throw new BackupException(BackupException.Reason.INVALID_INPUT, "Cannot verify: --max-age applies to "
                    + "--read-data and --read-data-subset (tier 1 always checks every chunk: it costs no reads)");
        }
        if (threads < 1 || listThreads < 0 || listThreads > 256) {
            throw new BackupException(BackupException.Reason.INVALID_INPUT,
                    "Cannot verify: --threads must be at least 1, --list-threads between 0 and 256");
        }
        ReadData mode = readData ? ReadData.all() : subset != null ? subset : ReadData.none();
        VerifyProgress progress = new VerifyProgress();
        VerifyResult result;
        String repoUrl;
        try (Repository repo = repoOptions.openRepository();
             ProgressLine line = new ProgressLine(output, () -> status(progress))) {
            repoUrl = repo.describe();
            List<String> chosen = new ArrayList<>(manifests);
            if (names != null) {
                List<String> named = repo.idsNamed(names);
                if (named.isEmpty()) {
                    throw new BackupException(BackupException.Reason.NOT_FOUND, "Cannot verify: no backup named "
                            + String.join(", ", names) + " in " + repoUrl + " (see 's3backup list')");
                }
                chosen.addAll(named);
            }
            VerifyOptions options = new VerifyOptions(chosen, mode, maxAge, threads, listThreads, !noLog, Hosts.name(),
                    S3BackupCommand.version());
            result = new Verifier(repo, options, Clock.systemUTC(), progress).run();
        }
        int exit = result.worstReason() == null ? ExitCodes.OK : ExitCodes.of(result.worstReason());
        Map<String, Object> map = toMap(result, repoUrl, exit);
        metrics(map);
        result.warnings().forEach(output::warn);
        if (json) {
            output.out().println(Json.write(map));
        } else {
            printSummary(output, result, repoUrl);
        }
        printProblems(output, result);
        boolean written = VerifyArgs.writeReports(output, report, () -> Json.write(map) + "\n", junit,
                () -> junit(result, repoUrl));
        // A report that cannot be written fails a clean run; it never hides damage that was found.
        return exit == ExitCodes.OK && !written ? ExitCodes.IO : exit;
    }

    private static String status(VerifyProgress p) {
        return switch (p.phase()) {
            case "reading manifests" -> "reading manifests " + p.manifestsRead() + "/" + p.manifestsTotal();
            case "listing chunks" -> "listing chunks: " + p.chunksListed() + " listed";
            case "reading chunks" -> "re-hashing chunks " + p.chunksRead() + "/" + p.chunksToRead() + ", "
                    + Sizes.bytes(p.bytesRead()) + ProgressLine.percent(p.chunksRead(), p.chunksToRead());
            default -> p.phase() + "...";
        };
    }

    private static void printSummary(Output output, VerifyResult r, String repoUrl) {
        var out = output.out();
        long okBackups = r.backups().stream().filter(BackupStatus::ok).count();
        out.println("Verify of " + repoUrl + ": " + (r.ok() ? "OK" : "FAILED") + " (" + level(r) + ")");
        out.printf("  backups:   %d verified, %d intact%n", r.backups().size(), okBackups);
        out.printf("  chunks:    %d referenced, %d present with the right size, %d problem(s)%n", r.chunksReferenced(),
                r.chunksPresent(), r.problems().size());
        if (r.otherObjects() > 0) {
            out.printf("             %d other object(s) under chunks/ not used by the verified backups%n", r.otherObjects());
        }
        if (r.level() != VerifyResult.Level.EXISTENCE) {
            out.printf("  read:      %d chunk(s) downloaded and re-hashed, %s%s%n", r.chunksRead(), Sizes.bytes(r.bytesRead()),
                    r.chunksSkippedRecent() > 0 ? "; " + r.chunksSkippedRecent() + " skipped (verified within --max-age)" : "");
        }
        if (r.subset() != null) {
            out.printf("  subset:    %s of the hash ring, %s..%s; the next run starts at %s%n",
                    r.subset().wrapped() ? "all" : String.format(Locale.ROOT, "%.1f%%", 100 * r.subset().fraction()),
                    VerifyResult.Subset.hex(r.subset().start()), VerifyResult.Subset.hex(r.subset().end()),
                    VerifyResult.Subset.hex(r.subset().end()));
        }
        out.printf("  log:       %s%n", r.logKey() == null ? "not written" : r.logKey());
        out.printf("  duration:  %s%n", Sizes.duration(r.duration()));
        out.printf("  requests:  %s%n", r.requests());
    }

    private static String level(VerifyResult r) {
        return switch (r.level()) {
            case EXISTENCE -> "tier 1: manifests and chunk listing";
            case READ_ALL -> "tier 2: chunks re-hashed";
            case READ_SUBSET -> "tier 2: a rotating subset re-hashed";
        };
    }

    /** Every problem on stderr, each naming what it breaks: people read these in CI logs. */
    private static void printProblems(Output output, VerifyResult r) {
        var err = output.err();
        for (BackupStatus b : r.backups()) {
            if (b.manifestProblem() != null) {
                err.println("s3backup: error: backup " + b.id() + " cannot be restored: " + b.manifestProblem());
            }
        }
        for (ChunkProblem p : r.problems()) {
            Map<String, TreeSet<String>> byFile = new TreeMap<>();
            for (Dependent d : p.dependents()) {
                byFile.computeIfAbsent(d.path(), k -> new TreeSet<>()).add(d.backupId());
            }
            long backups = p.dependents().stream().map(Dependent::backupId).distinct().count();
            err.println("s3backup: error: chunk " + p.hash().hex() + " is " + p.kind().label().replace('-', ' ') + " ("
                    + p.detail() + "); " + (byFile.isEmpty() ? "no readable backup uses it"
                    : "needed by " + byFile.size() + " file(s) in " + backups + " backup(s):"));
            int shown = 0;
            for (Map.Entry<String, TreeSet<String>> f : byFile.entrySet()) {
                if (shown++ == MAX_FILES) {
                    err.println("s3backup: error:     and " + (byFile.size() - MAX_FILES) + " more file(s) (see --json)");
                    break;
                }
                List<String> ids = new ArrayList<>(f.getValue());
                err.println("s3backup: error:     " + f.getKey() + " in " + String.join(", ", ids.subList(0, Math.min(MAX_IDS, ids.size())))
                        + (ids.size() > MAX_IDS ? " and " + (ids.size() - MAX_IDS) + " more" : ""));
            }
        }
        if (!r.ok()) {
            List<String> bad = new ArrayList<>();
            for (BackupStatus b : r.backups()) {
                if (b.manifestProblem() != null) {
                    bad.add(b.id() + " (manifest damaged or refused by restore)");
                } else if (!b.damagedFiles().isEmpty()) {
                    bad.add(b.id() + " (" + b.damagedFiles().size() + " damaged file(s))");
                } else if (!b.unverifiedFiles().isEmpty()) {
                    bad.add(b.id() + " (" + b.unverifiedFiles().size() + " file(s) not verified: read errors)");
                }
            }
            err.println("s3backup: error: verify found problems in " + bad.size() + " of " + r.backups().size()
                    + " backup(s): " + String.join(", ", bad));
        }
        err.flush();
    }

    static Map<String, Object> toMap(VerifyResult r, String repoUrl, int exitCode) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("repository", repoUrl);
        m.put("runId", r.runId());
        m.put("ok", r.ok());
        m.put("exitCode", exitCode);
        m.put("level", r.level().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        m.put("started", r.started().toString());
        List<Object> backups = new ArrayList<>();
        for (BackupStatus b : r.backups()) {
            Map<String, Object> bm = new LinkedHashMap<>();
            bm.put("id", b.id());
            bm.put("ok", b.ok());
            bm.put("manifestProblem", b.manifestProblem());
            bm.put("damagedFiles", b.damagedFiles());
            bm.put("unverifiedFiles", b.unverifiedFiles());
            backups.add(bm);
        }
        m.put("backups", backups);
        Map<String, Object> chunks = new LinkedHashMap<>();
        chunks.put("referenced", r.chunksReferenced());
        chunks.put("present", r.chunksPresent());
        chunks.put("otherObjects", r.otherObjects());
        chunks.put("read", r.chunksRead());
        chunks.put("bytesRead", r.bytesRead());
        chunks.put("skippedRecent", r.chunksSkippedRecent());
        m.put("chunks", chunks);
        if (r.subset() == null) {
            m.put("subset", null);
        } else {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("start", VerifyResult.Subset.hex(r.subset().start()));
            s.put("end", VerifyResult.Subset.hex(r.subset().end()));
            s.put("fraction", r.subset().fraction());
            m.put("subset", s);
        }
        List<Object> problems = new ArrayList<>();
        for (ChunkProblem p : r.problems()) {
            Map<String, Object> pm = new LinkedHashMap<>();
            pm.put("chunk", p.hash().hex());
            pm.put("kind", p.kind().label());
            pm.put("expectedLength", p.expectedLength());
            pm.put("detail", p.detail());
            pm.put("dependents", p.dependents().stream().map(d -> (Object) Map.of("backupId", d.backupId(),
                    "path", d.path())).toList());
            problems.add(pm);
        }
        m.put("problems", problems);
        m.put("logKey", r.logKey());
        m.put("warnings", r.warnings());
        m.put("durationSeconds", r.duration().toNanos() / 1e9);
        m.put("requests", Requests.toMap(r.requests()));
        return m;
    }

    /** One test case per backup; a damaged one fails, one with only unreadable chunks is an error. */
    static String junit(VerifyResult r, String repoUrl) {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("repository", repoUrl);
        props.put("runId", r.runId());
        props.put("level", r.level().name().toLowerCase(Locale.ROOT));
        props.put("logKey", r.logKey());
        JUnitXml xml = new JUnitXml("s3backup verify", r.started(), Hosts.name(), props);
        Map<String, List<String>> reasons = new TreeMap<>();
        for (ChunkProblem p : r.problems()) {
            for (Dependent d : p.dependents()) {
                reasons.computeIfAbsent(d.backupId(), k -> new ArrayList<>()).add(d.path() + ": chunk " + p.hash().hex()
                        + " is " + p.kind().label() + " (" + p.detail() + ")");
            }
        }
        for (BackupStatus b : r.backups()) {
            String name = "backup " + b.id();
            if (b.manifestProblem() != null) {
                xml.add("s3backup.verify", name, Duration.ZERO, JUnitXml.Status.FAILED,
                        "cannot be restored: " + b.manifestProblem(), "damaged-manifest", null, null);
            } else if (!b.damagedFiles().isEmpty()) {
                xml.add("s3backup.verify", name, Duration.ZERO, JUnitXml.Status.FAILED,
                        b.damagedFiles().size() + " damaged file(s): " + String.join(", ", b.damagedFiles()),
                        "damaged-files", String.join("\n", reasons.getOrDefault(b.id(), List.of())), null);
            } else if (!b.unverifiedFiles().isEmpty()) {
                xml.add("s3backup.verify", name, Duration.ZERO, JUnitXml.Status.ERROR,
                        b.unverifiedFiles().size() + " file(s) could not be verified (read errors): "
                                + String.join(", ", b.unverifiedFiles()), "unreadable-chunks",
                        String.join("\n", reasons.getOrDefault(b.id(), List.of())), null);
            } else {
                xml.add("s3backup.verify", name, Duration.ZERO, JUnitXml.Status.PASSED, null, null, null, null);
            }
        }
        List<ChunkProblem> orphans = r.problems().stream().filter(p -> p.dependents().isEmpty()).toList();
        xml.add("s3backup.verify", "chunks (" + r.level().name().toLowerCase(Locale.ROOT) + ")", r.duration(),
                orphans.isEmpty() ? JUnitXml.Status.PASSED : JUnitXml.Status.FAILED,
                orphans.size() + " chunk problem(s) not tied to a file", "chunks", null,
                r.chunksReferenced() + " chunks referenced, " + r.chunksPresent() + " present, " + r.chunksRead()
                        + " re-hashed, " + r.chunksSkippedRecent() + " skipped as recently verified; requests: " + r.requests());
        return xml.write();
    }
}
