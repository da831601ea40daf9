package dev.s3backup.cli;

import dev.s3backup.core.gc.GarbageCollector;
import dev.s3backup.core.gc.GcOptions;
import dev.s3backup.core.gc.GcResult;
import dev.s3backup.core.repo.Repository;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "gc", mixinStandardHelpOptions = true,
        description = {"Delete the chunks no backup needs.",
            "",
            "Marks every chunk named by a backup, a push about to commit, or a part of an incomplete backup set; "
                    + "then lists chunks/ and deletes the unreferenced ones older than --grace by the store's own "
                    + "clock (LastModified; no host clock is trusted), 1,000 keys per request. Safe while pushes "
                    + "run, without a lock: each batch is announced in gc/intents/ before it is deleted, and a push "
                    + "that would rely on an announced chunk does not commit (docs/RETENTION.md).",
            "",
            "Refuses to sweep when any manifest cannot be read (it names it; exit 4). Idempotent: an interrupted "
                    + "or failed run deleted nothing referenced, and running it again continues.",
            "",
            "Examples:",
            "  s3backup gc -r s3://bucket/db --dry-run",
            "  s3backup gc -r s3://bucket/db --grace 48h --json"},
        footer = ExitCodes.HELP_FOOTER)
final class GcCommand extends BaseCommand {
    @Mixin
    WriteRepoOptions repoOptions;

    @Option(names = "--grace", paramLabel = "DURATION", converter = GraceConverter.class, defaultValue = "24h",
            description = "Delete unreferenced chunks only once older than this by the store's clock "
                    + "(default: ${DEFAULT-VALUE}; 0 for none).")
    Duration grace;

    @Option(names = {"-n", "--dry-run"}, description = "Report what would be deleted; delete nothing.")
    boolean dryRun;

    @Option(names = "--json", description = "Print the report as JSON on stdout.")
    boolean json;

    @Override
    public Integer call() {
        Output output = output();
        GcResult r;
        String repoUrl;
        try (Repository repo = repoOptions.openRepository()) {
            repoUrl = repo.describe();
            r = new GarbageCollector(repo, GcOptions.defaults().withGrace(grace).withDryRun(dryRun), Clock.systemUTC()).run();
        }
        int exit = r.problem() == null ? ExitCodes.OK : ExitCodes.of(r.problem());
        metrics(toMap(r, repoUrl, exit));
        if (json) {
            output.out().println(Json.write(toMap(r, repoUrl, exit)));
        } else {
            print(output, r, repoUrl);
        }
        var err = output.err();
        r.unreadable().forEach((key, why) -> err.println("s3backup: error: cannot read " + why
                + " - gc swept nothing (fix or forget that backup, then run gc again)"));
        r.failed().forEach((key, why) -> err.println("s3backup: error: could not delete " + key + ": " + why));
        if (r.stopped() != null && r.unreadable().isEmpty()) {
            err.println("s3backup: error: " + r.stopped() + "; every chunk a backup needs is still there; "
                    + "run gc again to continue");
        }
        err.flush();
        return exit;
    }

    private static void print(Output output, GcResult r, String repoUrl) {
        var out = output.out();
        out.println((r.dryRun() ? "Dry run, nothing deleted: " : "") + "gc of " + repoUrl + ": "
                + (r.complete() ? "done" : "INCOMPLETE"));
        out.printf("  store time:  %s; cutoff %s (grace, and %d push(es) in progress)%n", r.storeNow(), r.cutoff(),
                r.liveLeases());
        if (r.heldByLeases() > 0) {
            out.printf("  held:        %d unreferenced chunk(s), %s, past the grace period but written since a running "
                    + "push began: spared for it%n", r.heldByLeases(), Sizes.bytes(r.bytesHeldByLeases()));
        }
        for (GcResult.Lease l : r.leases()) {
            out.printf("  lease:       %s  %s  %s  age %s, refreshed %s ago%s%n", l.push(), leaseState(l),
                    l.host() == null ? "(host unknown)" : "host " + l.host() + " pid " + l.pid(),
                    age(l.age()), age(l.sinceRefresh()),
                    l.state() == GcResult.LeaseState.LIVE ? "; holds " + l.chunksHeld() + " chunk(s), "
                            + Sizes.bytes(l.bytesHeld()) : "");
        }
        out.printf("  marked:      %d chunk(s) referenced by %d root(s)%n", r.chunksReferenced(), r.roots());
        out.printf("  listed:      %d object(s) under chunks/%s%n", r.chunksListed(),
                r.foreign() > 0 ? " (" + r.foreign() + " not chunks, left alone)" : "");
        out.printf("  garbage:     %d chunk(s), %s%s%n", r.candidates(), Sizes.bytes(r.candidateBytes()),
                r.dryRun() ? " would be deleted" : "");
        if (!r.dryRun()) {
            out.printf("  deleted:     %d chunk(s), %s freed%s%n", r.deleted(), Sizes.bytes(r.bytesFreed()),
                    r.spared() > 0 ? "; " + r.spared() + " spared (used by a push that committed meanwhile)" : "");
            if (r.locked() > 0) {
                out.printf("  locked:      %d chunk(s) left in place under Object Lock until %s at the latest; "
                        + "a gc after that collects them%n", r.locked(), r.lockedUntil());
            }
            if (r.cleaned() > 0) {
                out.printf("  cleaned:     %d expired protocol object(s)%n", r.cleaned());
            }
        }
        out.printf("  duration:    %s%n", Sizes.duration(r.duration()));
        out.printf("  requests:    %s%n", r.requests());
    }

    /** 1h2m3s: whole seconds, the resolution of store timestamps. */
    private static String age(Duration d) {
        return Duration.ofSeconds(Math.max(0, d.toSeconds())).toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }

    private static String leaseState(GcResult.Lease l) {
        return switch (l.state()) {
            case LIVE -> "live";
            case DEAD -> "dead (its process on this host is gone; holds nothing)";
            case EXPIRED -> "expired (holds nothing)";
        };
    }

    static Map<String, Object> toMap(GcResult r, String repoUrl, int exit) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("repository", repoUrl);
        m.put("runId", r.runId());
        m.put("dryRun", r.dryRun());
        m.put("complete", r.complete());
        m.put("exitCode", exit);
        m.put("storeNow", r.storeNow().toString());
        m.put("cutoff", r.cutoff().toString());
        m.put("roots", r.roots());
        m.put("livePushes", r.liveLeases());
        m.put("heldByLeases", r.heldByLeases());
        m.put("bytesHeldByLeases", r.bytesHeldByLeases());
        List<Object> leases = new ArrayList<>();
        for (GcResult.Lease l : r.leases()) {
            Map<String, Object> lm = new LinkedHashMap<>();
            lm.put("push", l.push());
            lm.put("state", l.state().name().toLowerCase(java.util.Locale.ROOT));
            lm.put("host", l.host());
            lm.put("pid", l.pid() < 0 ? null : l.pid());
            lm.put("ageSeconds", l.age().toSeconds());
            lm.put("sinceRefreshSeconds", l.sinceRefresh().toSeconds());
            lm.put("chunksHeld", l.chunksHeld());
            lm.put("bytesHeld", l.bytesHeld());
            leases.add(lm);
        }
        m.put("leases", leases);
        m.put("chunksReferenced", r.chunksReferenced());
        m.put("chunksListed", r.chunksListed());
        m.put("candidates", r.candidates());
        m.put("candidateBytes", r.candidateBytes());
        m.put("deleted", r.deleted());
        m.put("bytesFreed", r.bytesFreed());
        m.put("spared", r.spared());
        m.put("foreign", r.foreign());
        m.put("cleaned", r.cleaned());
        m.put("locked", r.locked());
        m.put("lockedUntil", r.lockedUntil() == null ? null : r.lockedUntil().toString());
        m.put("unreadable", new LinkedHashMap<>(r.unreadable()));
        m.put("failed", new LinkedHashMap<>(r.failed()));
        m.put("stopped", r.stopped());
        m.put("durationSeconds", r.duration().toNanos() / 1e9);
        m.put("requests", Requests.toMap(r.requests()));
        return m;
    }

    static final class GraceConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            // "0", "0s", "0h": no grace at all (for tests and emergencies), whatever the unit.
            if (value.trim().toLowerCase(java.util.Locale.ROOT).matches("0+(ms|s|m|h|d|w)?")) {
                return Duration.ZERO;
            }
            return new VerifyArgs.DurationConverter().convert(value);
        }
    }
}
