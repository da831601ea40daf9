package dev.s3backup.cli;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.manifest.ManifestDiff;
import dev.s3backup.manifest.ManifestDiff.Change;
import dev.s3backup.manifest.ManifestDiff.Difference;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "diff", mixinStandardHelpOptions = true,
        description = {"Show what changed between two backups, with sizes.",
            "",
            "Entries added, removed and modified, computed from the two manifests only (no chunk is read). Modified means another content, size, link "
                    + "target, type or mode; a new mtime alone is no change. Lines start with + (added), - (removed) "
                    + "or M (modified); a summary per node follows. Ids may be unique prefixes, or latest.",
            "",
            "Examples:",
            "  s3backup diff -r s3://bucket/db 7bd4d129 latest",
            "  s3backup diff -r s3://bucket/db 7bd4d129 latest --node 1303626734 --json"},
        footer = ExitCodes.HELP_FOOTER)
final class DiffCommand extends BaseCommand {
    @Mixin
    RepoOptions repoOptions;

    @Parameters(index = "0", paramLabel = "OLDER", description = "The earlier backup.")
    String older;

    @Parameters(index = "1", paramLabel = "NEWER", description = "The later backup.")
    String newer;

    @Option(names = "--node", paramLabel = "TOKEN", description = "Only this node's entries ('' for loose files).")
    String node;

    @Option(names = "--summary", description = "Print only the summary per node, not every entry.")
    boolean summaryOnly;

    @Option(names = "--json", description = "Print JSON on stdout: the changes, then the totals.")
    boolean json;

    @Override
    public Integer call() {
        Output output = output();
        PrintWriter out = output.out();
        try (Repository repo = repoOptions.openRepository()) {
            String a = repo.resolve(older);
            String b = repo.resolve(newer);
            if (json) {
                out.print("{\"older\":" + Json.write(a) + ",\"newer\":" + Json.write(b) + ",\"changes\":[");
            }
            boolean[] first = {true};
            ManifestDiff.Totals totals;
            try {
                totals = ManifestDiff.diff(() -> repo.openManifest(a), () -> repo.openManifest(b), d -> {
                    if ((node != null && !node.equals(d.node())) || summaryOnly) {
                        return;
                    }
                    if (json) {
                        out.print((first[0] ? "" : ",") + Json.write(toMap(d)));
                        first[0] = false;
                    } else {
                        out.println(line(d));
                    }
                });
            } catch (UncheckedIOException e) {
                throw new BackupException(BackupException.Reason.IO, "Cannot diff " + a + " and " + b + ": "
                        + e.getCause().getMessage(), e);
            }
            if (json) {
                out.println("],\"totals\":" + Json.write(totalsMap(totals)) + "}");
            } else {
                printSummary(out, a, b, totals);
            }
        }
        return ExitCodes.OK;
    }

    private static String line(Difference d) {
        String where = (d.node().isEmpty() ? "" : d.node() + "/") + d.path();
        return switch (d.change()) {
            case ADDED -> "+ " + where + sizeOf(d.sizeAfter(), d);
            case REMOVED -> "- " + where + sizeOf(d.sizeBefore(), d);
            case MODIFIED -> "M " + where + (d.type().name().equals("FILE")
                    ? "  (" + Sizes.bytes(d.sizeBefore()) + " -> " + Sizes.bytes(d.sizeAfter()) + ")" : "");
        };
    }

    private static String sizeOf(long size, Difference d) {
        return d.type().name().equals("FILE") ? "  (" + Sizes.bytes(size) + ")"
                : "  (" + d.type().name().toLowerCase(Locale.ROOT) + ")";
    }

    private void printSummary(PrintWriter out, String a, String b, ManifestDiff.Totals t) {
        out.println("From " + a + " to " + b + ":");
        if (t.nodes().isEmpty()) {
            out.println("  no changes");
            return;
        }
        for (String n : t.nodes()) {
            if (node != null && !node.equals(n)) {
                continue;
            }
            out.printf("  %-24s %s added (%s), %s removed (%s), %s modified (%s%s)%n", n.isEmpty() ? "(top level)" : n,
                    t.count(n, Change.ADDED), Sizes.bytes(t.bytes(n, Change.ADDED)), t.count(n, Change.REMOVED),
                    Sizes.bytes(t.bytes(n, Change.REMOVED)), t.count(n, Change.MODIFIED),
                    t.bytes(n, Change.MODIFIED) < 0 ? "-" : "+", Sizes.bytes(Math.abs(t.bytes(n, Change.MODIFIED))));
        }
    }

    private Map<String, Object> totalsMap(ManifestDiff.Totals t) {
        Map<String, Object> nodes = new LinkedHashMap<>();
        for (String n : t.nodes()) {
            if (node != null && !node.equals(n)) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            for (Change c : Change.values()) {
                String k = c.name().toLowerCase(Locale.ROOT);
                m.put(k, t.count(n, c));
                m.put(k + "Bytes", t.bytes(n, c));
            }
            nodes.put(n, m);
        }
        return nodes;
    }

    private static Map<String, Object> toMap(Difference d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("change", d.change().name().toLowerCase(Locale.ROOT));
        m.put("node", d.node());
        m.put("path", d.path());
        m.put("type", d.type().name().toLowerCase(Locale.ROOT));
        m.put("sizeBefore", d.sizeBefore());
        m.put("sizeAfter", d.sizeAfter());
        return m;
    }
}
