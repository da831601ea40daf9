package dev.s3backup.cli;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.manifest.Entry;
import dev.s3backup.manifest.EntryType;
import dev.s3backup.manifest.ManifestReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "ls", mixinStandardHelpOptions = true,
        description = {"List a backup's entries, or those under PATH, like 'ls -lR'.",
            "",
            "PATH is NODE or NODE/DIR. Read from the manifest only. Each line: type, mode, size, mtime (UTC), path "
                    + "(and a link's target).",
            "",
            "Examples:",
            "  s3backup ls -r s3://bucket/db latest 13036267341651542609",
            "  s3backup ls -r s3://bucket/db 7bd4d129 coordinator.bin --json"},
        footer = ExitCodes.HELP_FOOTER)
final class LsCommand extends BaseCommand {
    @Mixin
    RepoOptions repoOptions;

    @Parameters(index = "0", paramLabel = "ID|latest", description = "The backup (a unique id prefix works).")
    String backup;

    @Parameters(index = "1", arity = "0..1", paramLabel = "PATH",
            description = "Only this entry and what lies beneath it: NODE, NODE/DIR/..., or a loose file's name.")
    String path;

    @Option(names = "--json", description = "Print one JSON object per entry, one per line (JSON Lines).")
    boolean json;

    @Override
    public Integer call() throws IOException {
        Output output = output();
        PrintWriter out = output.out();
        String prefix = path == null ? null : stripSlashes(path);
        long shown = 0;
        try (Repository repo = repoOptions.openRepository()) {
            String id = repo.resolve(backup);
            try (ManifestReader reader = repo.openManifest(id)) {
                for (Entry e = reader.next(); e != null; e = reader.next()) {
                    String where = (e.node().isEmpty() ? "" : e.node() + "/") + e.path();
                    if (prefix != null && !(where.equals(prefix) || where.startsWith(prefix + "/")
                            || (e.node().equals(prefix)))) {
                        continue;
                    }
                    shown++;
                    if (json) {
                        out.println(Json.write(toMap(e, where)));
                    } else {
                        out.printf("%-7s %04o %12d  %s  %s%s%n", e.type().name().toLowerCase(Locale.ROOT), e.mode(),
                                e.size(), Instant.ofEpochSecond(0, e.mtimeNanos()).truncatedTo(ChronoUnit.SECONDS),
                                where, e.type() == EntryType.SYMLINK ? " -> " + e.linkTarget() : "");
                    }
                }
            }
            if (shown == 0 && prefix != null) {
                throw new BackupException(BackupException.Reason.NOT_FOUND,
                        "Cannot list " + path + ": backup " + id + " has no such node, file or directory");
            }
        }
        return ExitCodes.OK;
    }

    private static String stripSlashes(String p) {
        String s = p;
        while (s.startsWith("/")) {
            s = s.substring(1);
        }
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }

    private static Map<String, Object> toMap(Entry e, String where) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", where);
        m.put("node", e.node());
        m.put("type", e.type().name().toLowerCase(Locale.ROOT));
        m.put("mode", String.format("%04o", e.mode()));
        m.put("size", e.size());
        m.put("mtime", Instant.ofEpochSecond(0, e.mtimeNanos()).toString());
        m.put("sha256", e.sha256() == null ? null : e.sha256().hex());
        if (e.linkTarget() != null) {
            m.put("linkTarget", e.linkTarget());
        }
        return m;
    }
}
