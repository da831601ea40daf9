package dev.s3backup.cli;

import dev.s3backup.core.repo.BackupSummary;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.manifest.Entry;
import dev.s3backup.manifest.EntryType;
import dev.s3backup.manifest.ManifestReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "show", mixinStandardHelpOptions = true,
        description = {"Show one backup: its nodes, file counts and sizes.",
            "",
            "--files lists every entry."},
        footer = ExitCodes.HELP_FOOTER)
final class ShowCommand extends BaseCommand {
    @Mixin
    RepoOptions repoOptions;

    @Parameters(index = "0", paramLabel = "ID|latest", description = "The backup to show.")
    String backup;

    @Option(names = "--files", description = "Also list every file, directory and symlink.")
    boolean files;

    @Option(names = "--json", description = "Print JSON on stdout.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        Output output = output();
        try (Repository repo = repoOptions.openRepository()) {
            String id = repo.resolve(backup);
            Map<String, long[]> perNode = new LinkedHashMap<>();
            List<Object> entries = new ArrayList<>();
            BackupSummary summary;
            try (ManifestReader reader = repo.openManifest(id)) {
                if (!json) {
                    printHeader(output, id, reader.header());
                }
                for (Entry e = reader.next(); e != null; e = reader.next()) {
                    long[] acc = perNode.computeIfAbsent(e.node(), k -> new long[2]);
                    if (e.type() == EntryType.FILE) {
                        acc[0]++;
                        acc[1] += e.size();
                    }
                    if (files) {
                        entries.add(entryMap(e));
                        if (!json) {
                            output.out().printf("%-9s %6o %14d  %s%n", e.type().name().toLowerCase(java.util.Locale.ROOT),
                                    e.mode(), e.size(), (e.node().isEmpty() ? "" : e.node() + "/") + e.path()
                                            + (e.type() == EntryType.SYMLINK ? " -> " + e.linkTarget() : ""));
                        }
                    }
                }
                summary = new BackupSummary(id, reader.header(), reader.totals());
            }
            if (json) {
                Map<String, Object> m = ListCommand.toMap(summary);
                List<Object> nodes = new ArrayList<>();
                perNode.forEach((token, acc) -> nodes.add(Map.of("token", token, "files", acc[0], "bytes", acc[1])));
                m.put("perNode", nodes);
                if (files) {
                    m.put("entries", entries);
                }
                output.out().println(Json.write(m));
            } else {
                var out = output.out();
                out.printf("  total:    %s, %s, %s, %s%n", Sizes.count(summary.totals().files(), "file"),
                        Sizes.bytes(summary.totals().bytes()), Sizes.count(summary.totals().directories(), "directory"),
                        Sizes.count(summary.totals().symlinks(), "symlink"));
                perNode.forEach((token, acc) -> out.printf("  %-8s  %-24s %9d files  %10s%n",
                        token.isEmpty() ? "loose" : "node", token.isEmpty() ? "(top level)" : token, acc[0],
                        Sizes.bytes(acc[1])));
            }
        }
        return ExitCodes.OK;
    }

    /** Before the entries: what a reader of a long --files listing needs first. */
    private static void printHeader(Output output, String id, dev.s3backup.manifest.ManifestHeader h) {
        var out = output.out();
        out.println("Backup " + id + (h.name().isEmpty() ? "" : " (" + h.name() + ")"));
        out.println("  created:  " + h.created() + " on " + h.host() + " by s3backup " + h.toolVersion());
        out.println("  parent:   " + (h.parent() == null ? "none" : h.parent()));
    }

    private static Map<String, Object> entryMap(Entry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("node", e.node());
        m.put("path", e.path());
        m.put("type", e.type().name().toLowerCase(java.util.Locale.ROOT));
        m.put("mode", Integer.toOctalString(e.mode()));
        m.put("mtimeNanos", e.mtimeNanos());
        m.put("size", e.size());
        m.put("sha256", e.sha256() == null ? null : e.sha256().hex());
        m.put("chunks", e.chunks().size());
        if (!e.packed() && !e.chunks().isEmpty()) {
            m.put("chunkAddresses", e.chunks().stream().map(c -> c.hash().hex()).toList());
        }
        if (e.packed()) {
            m.put("pack", e.chunks().get(0).hash().hex());
            m.put("packOffset", e.packOffset());
        }
        if (e.linkTarget() != null) {
            m.put("linkTarget", e.linkTarget());
        }
        return m;
    }
}
