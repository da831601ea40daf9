package dev.s3backup.cli;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.retention.Forget;
import dev.s3backup.core.retention.RetentionPolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "forget", mixinStandardHelpOptions = true,
        description = {"Forget the given backups, or those a policy does not keep.",
            "",
            "A retention policy applies separately to each backup name. A backup is kept if any rule keeps it. "
                    + "--keep-last N keeps the N newest; --keep-hourly, --keep-daily, --keep-weekly, --keep-monthly "
                    + "and --keep-yearly N keep the newest backup of each of the N newest hours, days, ISO weeks, "
                    + "months or years (UTC) that have one, by the backup's creation time; --keep-within D keeps "
                    + "every backup created less than D before now (this host's clock: the only rule that reads one).",
            "",
            "Forgetting deletes the backup's manifest and nothing else; 'gc' later removes the chunks no backup "
                    + "needs. A backup whose manifest cannot be read is kept and reported (exit 4). A policy "
                    + "without a keep rule is refused; --all forgets every backup. Given backup ids (or unique "
                    + "prefixes of them), forget forgets exactly those, with no policy.",
            "",
            "Examples:",
            "  s3backup forget -r s3://bucket/db 7bd4d129",
            "  s3backup forget -r s3://bucket/db --keep-daily 7 --keep-weekly 5 --dry-run",
            "  s3backup forget -r s3://bucket/db --keep-last 3 --keep-within 14d"},
        footer = ExitCodes.HELP_FOOTER)
final class ForgetCommand extends BaseCommand {
    @Mixin
    RepoOptions repoOptions;

    @Option(names = "--keep-last", paramLabel = "N", description = "Keep the N newest backups of each name.")
    int keepLast;

    @Option(names = "--keep-hourly", paramLabel = "N", description = "Keep the newest backup of each of the N newest hours.")
    int keepHourly;

    @Option(names = "--keep-daily", paramLabel = "N", description = "Keep the newest backup of each of the N newest days.")
    int keepDaily;

    @Option(names = "--keep-weekly", paramLabel = "N", description = "Keep the newest backup of each of the N newest ISO weeks.")
    int keepWeekly;

    @Option(names = "--keep-monthly", paramLabel = "N", description = "Keep the newest backup of each of the N newest months.")
    int keepMonthly;

    @Option(names = "--keep-yearly", paramLabel = "N", description = "Keep the newest backup of each of the N newest years.")
    int keepYearly;

    @Option(names = "--keep-within", paramLabel = "DURATION", converter = VerifyArgs.DurationConverter.class,
            description = "Keep every backup created within DURATION before now (e.g. 14d, 36h, 2w).")
    Duration keepWithin;

    @Parameters(arity = "0..*", paramLabel = "ID",
            description = "Forget exactly these backups (ids, unique prefixes of ids or of their random part, or latest), "
                    + "instead of applying a policy.")
    List<String> ids;

    @Option(names = "--name", paramLabel = "NAME",
            description = "Only backups of this name (repeatable); others are left alone. Use '' for backups without a name.")
    List<String> names;

    @Option(names = "--all", description = "No keep rule: forget every backup (explicitly).")
    boolean all;

    @Option(names = {"-n", "--dry-run"}, description = "Print what would be kept and forgotten; delete nothing.")
    boolean dryRun;

    @Option(names = "--json", description = "Print the decisions as JSON on stdout.")
    boolean json;

    @Override
    public Integer call() {
        Output output = output();
        boolean byId = ids != null && !ids.isEmpty();
        RetentionPolicy policy;
        try {
            if (byId && (all || keepLast + keepHourly + keepDaily + keepWeekly + keepMonthly + keepYearly > 0
                    || keepWithin != null)) {
                throw new IllegalArgumentException("Cannot forget: give backup ids or a policy (--keep-*, --all), not both");
            }
            policy = new RetentionPolicy(keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly,
                    keepWithin, all || byId);
        } catch (IllegalArgumentException e) {
            throw new BackupException(BackupException.Reason.INVALID_INPUT, e.getMessage());
        }
        Forget.Result result;
        String repoUrl;
        try (Repository repo = repoOptions.openRepository()) {
            repoUrl = repo.describe();
            Forget forget = new Forget(repo, policy, Clock.systemUTC());
            if (byId) {
                forget.onlyBackups(ids.stream().map(repo::resolve).toList());
            }
            if (names != null) {
                forget.onlyNames(names);
            }
            result = forget.run(dryRun);
        }
        int exit = ExitCodes.OK;
        if (!result.failed().isEmpty()) {
            exit = result.failed().values().stream().anyMatch(ForgetCommand::denied) ? ExitCodes.ACCESS_DENIED : ExitCodes.IO;
        } else if (!result.unreadable().isEmpty()) {
            exit = ExitCodes.INTEGRITY;
        }
        metrics(toMap(result, repoUrl, exit));
        if (json) {
            output.out().println(Json.write(toMap(result, repoUrl, exit)));
        } else {
            print(output, result, repoUrl);
        }
        result.unreadable().forEach((id, why) -> output.err().println("s3backup: error: kept backup " + id
                + ": its manifest cannot be read (" + why + ")"));
        result.failed().forEach((key, why) -> output.err().println("s3backup: error: could not forget " + key
                + ": " + why + " (it is still a backup; run forget again)"));
        result.locked().forEach((id, until) -> output.err().println("s3backup: notice: kept backup " + id
                + ": it is under Object Lock until " + until + "; forget removes it after that"));
        output.err().flush();
        return exit;
    }

    static boolean denied(String reason) {
        String r = reason.toLowerCase(java.util.Locale.ROOT);
        return r.contains("accessdenied") || r.contains("access denied");
    }

    private static void print(Output output, Forget.Result r, String repoUrl) {
        var out = output.out();
        out.println((r.dryRun() ? "Dry run, nothing deleted: " : "") + "forget in " + repoUrl + ": "
                + r.kept().size() + " kept, " + r.removed().size() + (r.dryRun() ? " would be forgotten" : " forgotten"));
        String name = null;
        for (Forget.Decision d : r.decisions()) {
            String n = d.name() == null ? "(unreadable)" : d.name().isEmpty() ? "(no name)" : d.name();
            if (!n.equals(name)) {
                out.println("name " + n + ":");
                name = n;
            }
            out.printf("  %-6s  %-31s  %-20s  %s%n", d.keep() ? "keep" : "forget", d.id(),
                    d.created().truncatedTo(ChronoUnit.SECONDS), String.join(", ", d.reasons()));
        }
        if (!r.dryRun()) {
            out.printf("  forgotten: %d manifest(s) deleted; their chunks stay until 'gc'%n", r.forgotten());
        }
        if (!r.setsForgotten().isEmpty()) {
            out.printf("  sets:      %s forgotten with their backups (parts removed; never committed again)%n",
                    String.join(", ", r.setsForgotten()));
        }
        if (!r.locked().isEmpty()) {
            out.printf("  locked:    %d backup(s) the policy would forget are kept under Object Lock%n", r.locked().size());
        }
        out.printf("  requests:  %s%n", r.requests());
    }

    static Map<String, Object> toMap(Forget.Result r, String repoUrl, int exit) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("repository", repoUrl);
        m.put("dryRun", r.dryRun());
        m.put("exitCode", exit);
        List<Object> decisions = new ArrayList<>();
        for (Forget.Decision d : r.decisions()) {
            Map<String, Object> dm = new LinkedHashMap<>();
            dm.put("id", d.id());
            dm.put("name", d.name());
            dm.put("created", d.created().toString());
            dm.put("action", d.keep() ? "keep" : "forget");
            dm.put("reasons", d.reasons());
            decisions.add(dm);
        }
        m.put("decisions", decisions);
        m.put("forgotten", r.forgotten());
        m.put("setsForgotten", r.setsForgotten());
        m.put("unreadable", new LinkedHashMap<>(r.unreadable()));
        m.put("failed", new LinkedHashMap<>(r.failed()));
        Map<String, Object> locked = new LinkedHashMap<>();
        r.locked().forEach((id, until) -> locked.put(id, until.toString()));
        m.put("locked", locked);
        m.put("requests", Requests.toMap(r.requests()));
        return m;
    }
}
