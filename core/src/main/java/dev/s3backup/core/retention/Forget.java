package dev.s3backup.core.retention;

import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.repo.RepositoryLayout;
import dev.s3backup.core.repo.RequestCounts;
import dev.s3backup.core.store.DeleteResult;
import dev.s3backup.core.store.StoreException;
import dev.s3backup.manifest.BackupId;
import dev.s3backup.manifest.ManifestHeader;
import dev.s3backup.manifest.ManifestReader;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Applies a {@link RetentionPolicy} per backup name and deletes the manifests of the backups it
 * does not keep - nothing else: their chunks stay until {@code gc} finds them unreferenced. A
 * backup whose manifest header cannot be read is always kept (its name is unknown) and reported.
 */
public final class Forget {
    private final Repository repository;
    private final RetentionPolicy policy;
    private final Clock clock;

    /** @param clock "now" for --keep-within only */
    public Forget(Repository repository, RetentionPolicy policy, Clock clock) {
        this.repository = repository;
        this.policy = Objects.requireNonNull(policy, "policy");
        this.clock = clock;
    }

    /** One backup and what the policy decided. */
    public record Decision(String id, String name, Instant created, boolean keep, List<String> reasons) {
        public Decision {
            reasons = List.copyOf(reasons);
        }
    }

    /**
     * @param decisions every backup, newest first within each name, names in order
     * @param unreadable backups kept because their header could not be read, with why
     * @param forgotten manifests deleted (0 on a dry run)
     * @param failed manifests a delete could not remove, with the store's reason
     */
    public record Result(boolean dryRun, List<Decision> decisions, Map<String, String> unreadable, int forgotten,
                         Map<String, String> failed, RequestCounts.Snapshot requests) {
        public Result {
            decisions = List.copyOf(decisions);
            unreadable = Map.copyOf(unreadable);
            failed = Map.copyOf(failed);
        }

        public List<Decision> removed() {
            return decisions.stream().filter(d -> !d.keep()).toList();
        }

        public List<Decision> kept() {
            return decisions.stream().filter(Decision::keep).toList();
        }
    }

    private record Backup(String id, String name, Instant created) {
    }

    public Result run(boolean dryRun) {
        Map<String, String> unreadable = new TreeMap<>();
        Map<String, List<Backup>> byName = new TreeMap<>();
        List<Decision> decisions = new ArrayList<>();
        for (String id : repository.listBackupIds()) {
            try (ManifestReader reader = repository.openManifest(id)) {
                ManifestHeader h = reader.header();
                byName.computeIfAbsent(h.name(), k -> new ArrayList<>()).add(new Backup(id, h.name(), h.created()));
            } catch (StoreException e) {
                if (e.kind() != StoreException.Kind.NOT_FOUND) {
                    throw e;
                }
            } catch (RuntimeException | IOException e) {
                if (e instanceof dev.s3backup.core.BackupException be
                        && be.reason() == dev.s3backup.core.BackupException.Reason.NOT_FOUND) {
                    continue; // forgotten by someone else since the listing
                }
                if (e instanceof dev.s3backup.core.BackupException be
                        && be.reason() != dev.s3backup.core.BackupException.Reason.INTEGRITY) {
                    throw be;
                }
                unreadable.put(id, e.getMessage());
                decisions.add(new Decision(id, null, BackupId.timeOf(id), true, List.of("unreadable: kept")));
            }
        }
        for (List<Backup> backups : byName.values()) {
            decisions.addAll(decide(backups));
        }
        List<String> toDelete = decisions.stream().filter(d -> !d.keep()).map(d -> RepositoryLayout.manifestKey(d.id())).toList();
        int forgotten = 0;
        Map<String, String> failed = new LinkedHashMap<>();
        if (!dryRun && !toDelete.isEmpty()) {
            DeleteResult r = repository.store().delete(toDelete);
            forgotten = toDelete.size() - r.failed().size();
            failed.putAll(r.failed());
        }
        return new Result(dryRun, decisions, unreadable, forgotten, failed, repository.requests().snapshot());
    }

    /** The policy applied to the backups of one name. */
    List<Decision> decide(List<Backup> backups) {
        List<Backup> sorted = new ArrayList<>(backups);
        sorted.sort(Comparator.comparing(Backup::created).thenComparing(Backup::id).reversed());
        Map<String, List<String>> reasons = new LinkedHashMap<>();
        sorted.forEach(b -> reasons.put(b.id(), new ArrayList<>()));
        if (!policy.all()) {
            for (int i = 0; i < Math.min(policy.keepLast(), sorted.size()); i++) {
                reasons.get(sorted.get(i).id()).add("last " + (i + 1));
            }
            bucket(sorted, reasons, policy.keepHourly(), "hourly",
                    t -> String.format("%tFT%<tH", t));
            bucket(sorted, reasons, policy.keepDaily(), "daily", t -> String.format("%tF", t));
            bucket(sorted, reasons, policy.keepWeekly(), "weekly",
                    t -> String.format("%d-W%02d", t.get(IsoFields.WEEK_BASED_YEAR), t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR)));
            bucket(sorted, reasons, policy.keepMonthly(), "monthly", t -> String.format("%tY-%<tm", t));
            bucket(sorted, reasons, policy.keepYearly(), "yearly", t -> String.format("%tY", t));
            if (policy.keepWithin() != null) {
                Instant since = clock.instant().minus(policy.keepWithin());
                for (Backup b : sorted) {
                    if (!b.created().isBefore(since)) {
                        reasons.get(b.id()).add("within " + policy.keepWithin());
                    }
                }
            }
        }
        List<Decision> decisions = new ArrayList<>();
        for (Backup b : sorted) {
            List<String> r = reasons.get(b.id());
            decisions.add(new Decision(b.id(), b.name(), b.created(), !r.isEmpty(), r));
        }
        return decisions;
    }

    private static void bucket(List<Backup> newestFirst, Map<String, List<String>> reasons, int count, String rule,
                               Function<ZonedDateTime, String> key) {
        String last = null;
        int kept = 0;
        for (Backup b : newestFirst) {
            if (kept == count) {
                return;
            }
            String k = key.apply(b.created().atZone(ZoneOffset.UTC));
            if (!k.equals(last)) {
                reasons.get(b.id()).add(rule + " " + k);
                last = k;
                kept++;
            }
        }
    }
}
