package dev.s3backup.cli;

import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.repo.RepositoryLayout;
import dev.s3backup.core.store.ObjectInfo;
import dev.s3backup.manifest.ChunkRef;
import dev.s3backup.manifest.Entry;
import dev.s3backup.manifest.ManifestHeader;
import dev.s3backup.manifest.ManifestReader;
import dev.s3backup.manifest.Sha256Set;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "stats", mixinStandardHelpOptions = true,
        description = {"Show how much the repository holds and how well it deduplicates.",
            "",
            "Logical size is what the backups would take as plain copies; stored size is what chunks/ holds "
                    + "(one listing). Growth is what each backup added: the bytes of the chunks it was the first, "
                    + "oldest first, to reference. Reads every manifest (not the chunks); memory is about 40 bytes "
                    + "per distinct chunk."},
        footer = ExitCodes.HELP_FOOTER)
final class StatsCommand extends BaseCommand {
    @Mixin
    RepoOptions repoOptions;

    @Option(names = "--json", description = "Print JSON on stdout.")
    boolean json;

    record Growth(String id, String name, String created, long logical, long added) {
    }

    @Override
    public Integer call() throws IOException {
        Output output = output();
        List<Growth> growth = new ArrayList<>();
        long logical = 0;
        long referenced = 0;
        long stored = 0;
        long storedObjects = 0;
        String where;
        try (Repository repo = repoOptions.openRepository()) {
            where = repo.describe();
            Sha256Set seen = new Sha256Set();
            for (String id : repo.listBackupIds()) {
                long added = 0;
                ManifestHeader header;
                long bytes;
                try (ManifestReader reader = repo.openManifest(id)) {
                    for (Entry e = reader.next(); e != null; e = reader.next()) {
                        for (ChunkRef c : e.chunks()) {
                            if (seen.add(c.hash())) {
                                added += c.length();
                            }
                        }
                    }
                    header = reader.header();
                    bytes = reader.totals().bytes();
                }
                logical += bytes;
                referenced += added;
                growth.add(new Growth(id, header.name(), header.created().truncatedTo(ChronoUnit.SECONDS).toString(),
                        bytes, added));
            }
            for (Iterator<ObjectInfo> it = repo.store().listAll(RepositoryLayout.CHUNKS); it.hasNext(); ) {
                stored += it.next().size();
                storedObjects++;
            }
        }
        double ratio = referenced == 0 ? 0 : (double) logical / referenced;
        metrics.put("backups", growth.size());
        metrics.put("logicalBytes", logical);
        metrics.put("referencedBytes", referenced);
        metrics.put("storedBytes", stored);
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("repository", where);
            m.put("backups", growth.size());
            m.put("logicalBytes", logical);
            m.put("referencedBytes", referenced);
            m.put("storedBytes", stored);
            m.put("storedObjects", storedObjects);
            m.put("unreferencedBytes", Math.max(0, stored - referenced));
            m.put("dedupRatio", Math.round(ratio * 100) / 100.0);
            m.put("growth", growth.stream().map(g -> {
                Map<String, Object> gm = new LinkedHashMap<>();
                gm.put("id", g.id());
                gm.put("name", g.name());
                gm.put("created", g.created());
                gm.put("logicalBytes", g.logical());
                gm.put("addedBytes", g.added());
                return gm;
            }).toList());
            output.out().println(Json.write(m));
            return ExitCodes.OK;
        }
        PrintWriter out = output.out();
        out.println("Repository " + where + ": " + growth.size() + " backup(s)");
        out.printf("  logical size:    %s (the backups as plain copies)%n", Sizes.bytes(logical));
        out.printf("  referenced:      %s (distinct chunks the backups need)%n", Sizes.bytes(referenced));
        out.printf("  stored:          %s in %d chunk object(s)%s%n", Sizes.bytes(stored), storedObjects,
                stored > referenced ? "; " + Sizes.bytes(stored - referenced) + " not referenced ('gc' removes it "
                        + "after its grace)" : "");
        out.printf("  dedup ratio:     %s (logical / referenced)%n",
                referenced == 0 ? "n/a" : String.format(Locale.ROOT, "%.2fx", ratio));
        if (!growth.isEmpty()) {
            out.printf("  %-31s  %-16s  %-20s  %10s  %10s%n", "ID", "NAME", "CREATED (UTC)", "SIZE", "ADDED");
            for (Growth g : growth) {
                out.printf("  %-31s  %-16s  %-20s  %10s  %10s%n", g.id(), g.name(), g.created(), Sizes.bytes(g.logical()),
                        Sizes.bytes(g.added()));
            }
        }
        return ExitCodes.OK;
    }
}
