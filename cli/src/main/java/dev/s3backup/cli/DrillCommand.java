package dev.s3backup.cli;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.drill.Drill;
import dev.s3backup.core.drill.DrillOptions;
import dev.s3backup.core.drill.DrillResult;
import dev.s3backup.core.drill.DrillResult.Step;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.restore.RestoreProgress;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "drill", mixinStandardHelpOptions = true,
        description = {"Prove that a backup restores: restore, check, clean up.",
            "",
            "The backup is restored into a temporary directory. Stages, each a test case in the JUnit report: "
                    + "resolve the backup; read its manifest; check the free space; restore it (every chunk and "
                    + "every file verified against its SHA-256); check that every entry is in place; --rehash "
                    + "reads every file back from disk; --check runs your command against the restored data "
                    + "(e.g. a program that opens the database); remove it all, also on failure, Ctrl-C or a CI "
                    + "cancel (SIGTERM). What cannot be removed is named.",
            "",
            "The check runs with /bin/sh -c in the restored directory, stdin closed. {dir} in it becomes that "
                    + "directory (quoted), also in $S3BACKUP_DRILL_DIR, beside $S3BACKUP_DRILL_BACKUP_ID and "
                    + "$S3BACKUP_DRILL_REPOSITORY. It passes by exiting 0 within --check-timeout; on timeout, it and "
                    + "every process it started are stopped.",
            "",
            "Exit codes: 0 passed; 4 the backup did not restore intact, or the check failed or timed out; 3 "
                    + "unknown backup or node; 5 I/O failure, no space in the temporary directory, or data left "
                    + "behind; 2 bad options or a check command that cannot start. Killed by a signal: 130 (SIGINT) "
                    + "or 143 (SIGTERM), after cleaning up and writing the reports.",
            "",
            "Examples:",
            "  s3backup drill -r s3://bucket/db --junit reports/drill.xml",
            "  s3backup drill -r s3://bucket/db --check-timeout 5m \\",
            "      --check 'ldb --db={dir}/1303626734 checkconsistency'",
            "  s3backup drill -r file:///mnt/nas/db -m 20261125T081309.123Z-1f2e3d4c \\",
            "      --temp-dir /scratch --report drill.json"},
        footer = ExitCodes.HELP_FOOTER)
final class DrillCommand extends BaseCommand {
    @Mixin
    RepoOptions repoOptions;

    @Option(names = {"-m", "--manifest"}, paramLabel = "ID|latest", defaultValue = "latest",
            description = "The backup to drill (default: ${DEFAULT-VALUE}).")
    String manifest;

    @Option(names = "--node", paramLabel = "TOKEN", description = "Drill only this node's directory.")
    String node;

    @Option(names = "--temp-dir", paramLabel = "DIR", defaultValue = "${sys:java.io.tmpdir}",
            description = "Where to create the drill's directory (default: ${DEFAULT-VALUE}); it needs room for the backup.")
    Path tempDir;

    @Option(names = "--check", paramLabel = "CMD", description = "Shell command run against the restored data; "
            + "{dir} is replaced by its directory. The drill fails unless it exits 0.")
    String check;

    @Option(names = "--check-timeout", paramLabel = "DURATION", converter = VerifyArgs.DurationConverter.class,
            defaultValue = "30m", description = "Stop the check command and fail after this long (default: ${DEFAULT-VALUE}).")
    Duration checkTimeout;

    @Option(names = "--rehash", description = "After the restore, read every file back from disk and check its SHA-256.")
    boolean rehash;

    @Option(names = "--keep", description = "Leave the restored data in place (its path is printed) instead of removing it.")
    boolean keep;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "" + DrillOptions.DEFAULT_THREADS,
            description = "Files restored at once (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--json", description = "Print the report as JSON on stdout.")
    boolean json;

    @Option(names = "--report", paramLabel = "FILE", description = "Also write the JSON report to FILE.")
    Path report;

    @Option(names = "--junit", paramLabel = "FILE",
            description = "Also write a JUnit XML report to FILE: one test case per stage.")
    Path junit;

    @Override
    public Integer call() {
        Output output = output();
        if (threads < 1) {
            throw new BackupException(BackupException.Reason.INVALID_INPUT, "Cannot drill: --threads must be at least 1");
        }
        if (check != null && check.isBlank()) {
            throw new BackupException(BackupException.Reason.INVALID_INPUT, "Cannot drill: --check is empty");
        }
        DrillOptions options = new DrillOptions(manifest, node, tempDir, check, checkTimeout, threads, keep, rehash);
        RestoreProgress progress = new RestoreProgress();
        PrintWriter err = output.err();
        DrillResult result;
        boolean reportsWritten = true;
        // Exactly one of the main thread and the shutdown hook reports: whichever claims it first.
        AtomicBoolean reported = new AtomicBoolean();
        CountDownLatch mainDone = new CountDownLatch(1);
        try (Repository repo = repoOptions.openRepository()) {
            Drill drill = new Drill(repo, options, Clock.systemUTC(), progress, line -> {
                synchronized (err) {
                    err.println("  check | " + line);
                    err.flush();
                }
            });
            // Ctrl-C or a CI cancel: stop the check and remove the data; the main thread then
            // usually finishes and reports; if it cannot within a few seconds, the hook reports.
            Thread hook = new Thread(() -> {
                DrillResult aborted = drill.abort();
                try {
                    if (mainDone.await(aborted == null ? 10 : 3, TimeUnit.SECONDS)) {
                        return;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (aborted != null && reported.compareAndSet(false, true)) {
                    err.println("s3backup: error: " + aborted.message());
                    err.flush();
                    writeReports(output, aborted);
                }
            }, "s3backup-drill-cleanup");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                try (ProgressLine line = new ProgressLine(output, () -> status(progress))) {
                    result = drill.run();
                }
                if (!reported.compareAndSet(false, true)) {
                    return ExitCodes.of(DrillResult.Outcome.INTERRUPTED.reason());
                }
                reportsWritten = report(output, result);
            } finally {
                mainDone.countDown();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running: it sees mainDone and leaves the reporting to us
                }
            }
        }
        if (!result.passed()) {
            return ExitCodes.of(result.outcome().reason());
        }
        if (!reportsWritten) {
            return ExitCodes.IO;
        }
        if (keep) {
            output.warn("restored data kept in " + result.workDir() + " (--keep); remove it when done");
        }
        return ExitCodes.OK;
    }

    /** Prints and writes the reports; false when a report file could not be written. */
    private boolean report(Output output, DrillResult result) {
        metrics(toMap(result));
        if (json) {
            output.out().println(Json.write(toMap(result)));
        } else {
            printSummary(output, result);
        }
        output.out().flush();
        if (!result.passed()) {
            output.err().println("s3backup: error: " + result.message());
            output.err().flush();
        }
        return writeReports(output, result);
    }

    private boolean writeReports(Output output, DrillResult r) {
        return VerifyArgs.writeReports(output, report, () -> Json.write(toMap(r)) + "\n", junit, () -> junit(r));
    }

    private static String status(RestoreProgress p) {
        if (p.totalBytes() < 0) {
            return "drill: preparing...";
        }
        return "drill: restored " + p.filesDone() + "/" + p.totalFiles() + " files, " + Sizes.bytes(p.bytesWritten())
                + " of " + Sizes.bytes(p.totalBytes()) + ProgressLine.percent(p.bytesWritten(), p.totalBytes());
    }

    private static void printSummary(Output output, DrillResult r) {
        var out = output.out();
        out.println("Drill of " + (r.backupId() == null ? "a backup" : "backup " + r.backupId()) + " from " + r.repository()
                + ": " + (r.passed() ? "PASSED" : "FAILED (" + r.outcome().label() + ")"));
        for (Step s : r.steps()) {
            out.printf("  %-9s %-8s %9s  %s%n", s.name(), s.status().name().toLowerCase(Locale.ROOT),
                    Sizes.duration(s.duration()), s.message() == null ? "" : s.message());
        }
        if (r.steps().stream().anyMatch(s -> s.name().equals("restore") && s.status() != Step.Status.SKIPPED)) {
            out.printf("  restore time: %s for %d files, %s%n", Sizes.duration(r.restoreDuration()), r.files(),
                    Sizes.bytes(r.bytes()));
        }
        out.printf("  duration:     %s%n", Sizes.duration(r.duration()));
        out.printf("  requests:     %s%n", r.requests());
    }

    static Map<String, Object> toMap(DrillResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("repository", r.repository());
        m.put("backupId", r.backupId());
        m.put("passed", r.passed());
        m.put("outcome", r.outcome().label());
        m.put("exitCode", r.passed() ? ExitCodes.OK : ExitCodes.of(r.outcome().reason()));
        m.put("message", r.message());
        m.put("started", r.started() == null ? null : r.started().toString());
        List<Object> steps = new ArrayList<>();
        for (Step s : r.steps()) {
            Map<String, Object> sm = new LinkedHashMap<>();
            sm.put("name", s.name());
            sm.put("status", s.status().name().toLowerCase(Locale.ROOT));
            sm.put("durationSeconds", s.duration().toNanos() / 1e9);
            sm.put("message", s.message());
            steps.add(sm);
        }
        m.put("steps", steps);
        m.put("files", r.files());
        m.put("bytes", r.bytes());
        m.put("restoreSeconds", r.restoreDuration().toNanos() / 1e9);
        if (r.check() == null) {
            m.put("check", null);
        } else {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("command", r.check().command());
            c.put("exitCode", r.check().exitCode());
            c.put("timedOut", r.check().timedOut());
            c.put("durationSeconds", r.check().duration().toNanos() / 1e9);
            c.put("output", r.check().outputTail());
            m.put("check", c);
        }
        m.put("restoreFailures", r.restoreFailures().stream().map(f -> (Object) Map.of("path", f.path(),
                "reason", f.reason().name(), "message", f.message())).toList());
        m.put("workDir", r.workDir());
        m.put("leftovers", r.leftovers());
        m.put("durationSeconds", r.duration().toNanos() / 1e9);
        m.put("requests", Requests.toMap(r.requests()));
        return m;
    }

    /** One test case per stage, named "restore", "check"...; the suite's class names the backup. */
    static String junit(DrillResult r) {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("repository", r.repository());
        props.put("backupId", r.backupId());
        props.put("outcome", r.outcome().label());
        props.put("restoreSeconds", String.format(Locale.ROOT, "%.3f", r.restoreDuration().toNanos() / 1e9));
        props.put("bytes", String.valueOf(r.bytes()));
        JUnitXml xml = new JUnitXml("s3backup drill", r.started() == null ? java.time.Instant.now() : r.started(),
                Hosts.name(), props);
        String classname = "s3backup.drill";
        for (Step s : r.steps()) {
            JUnitXml.Status status = switch (s.status()) {
                case PASSED -> JUnitXml.Status.PASSED;
                case SKIPPED -> JUnitXml.Status.SKIPPED;
                case FAILED -> r.outcome().reason() == BackupException.Reason.INTEGRITY
                        || r.outcome() == DrillResult.Outcome.NOT_FOUND ? JUnitXml.Status.FAILED : JUnitXml.Status.ERROR;
            };
            String body = s.status() == Step.Status.FAILED ? s.message()
                    + (s.name().equals("restore") && !r.restoreFailures().isEmpty()
                    ? "\n" + String.join("\n", r.restoreFailures().stream().map(f -> f.message()).toList()) : "")
                    : null;
            xml.add(classname, s.name(), s.duration(), status, s.message(), r.outcome().label(), body, s.output());
        }
        return xml.write();
    }
}
