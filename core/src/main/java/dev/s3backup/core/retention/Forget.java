package dev.s3backup.core.retention;

import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.repo.RepositoryLayout;
import dev.s3backup.core.repo.RequestCounts;
import dev.s3backup.core.snapshot.BackupSet;
import dev.s3backup.core.store.DeleteResult;
import dev.s3backup.core.store.ObjectInfo;
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
 *
 * <p>In a repository with Object Lock, a backup the policy would remove but whose manifest is
 * still under retention is kept and reported in {@link Result#locked()} with its retain-until
 * (one HEAD per such backup; the store also refuses the delete, so a wrong host clock cannot
 * make it remove one).
 */
public final class Forget {
    /** The header property naming the backup set a backup was committed from. */
    private static final String SET_ID = "set.id";

    private final Repository repository;
    private final RetentionPolicy policy;
    private final Clock clock;
    /** When set, only these backups are forgotten, whatever the policy says; others are not looked at. */
    private java.util.Set<String> onlyIds;
    /** When set, only backups of these names are looked at. */
    private java.util.Set<String> onlyNames;

    /** @param clock "now" for --keep-within only */
    public Forget(Repository repository, RetentionPolicy policy, Clock clock) {
        this.repository = repository;
        this.policy = Objects.requireNonNull(policy, "policy");
        this.clock = clock;
    }

    /** Forgets exactly these backups (ids that exist; see {@link Repository#resolve}), not by a policy. */
    public Forget onlyBackups(java.util.Collection<String> ids) {
        this.onlyIds = java.util.Set.copyOf(ids);
        return this;
    }

    /** Applies the policy to backups of these names only; the others are neither kept nor forgotten. */
    public Forget onlyNames(java.util.Collection<String> names) {
        this.onlyNames = java.util.Set.copyOf(names);
        return this;
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
     * @param locked backups the policy would forget but which are kept because their manifest is
     *     under Object Lock retention, to its retain-until
     * @param setsForgotten backup sets whose backup is forgotten and whose parts were removed (by
     *     this run, or left behind by one that stopped): such a set is never committed again
     */
    public record Result(boolean dryRun, List<Decision> decisions, Map<String, String> unreadable, int forgotten,
                         Map<String, String> failed, Map<String, Instant> locked, List<String> setsForgotten,
                         RequestCounts.Snapshot requests) {
        public Result {
            setsForgotten = List.copyOf(setsForgotten);
            decisions = List.copyOf(decisions);
            unreadable = Map.copyOf(unreadable);
            failed = Map.copyOf(failed);
            locked = Map.copyOf(locked);
        }

        public List<Decision> removed() {
            return decisions.stream().filter(d -> !d.keep()).toList();
        }

        public List<Decision> kept() {
            return decisions.stream().filter(Decision::keep).toList();
        }
    }

    /** @param setId the backup set this backup was committed from, or null */
    private record Backup(String id, String name, Instant created, String setId) {
    }

    public Result run(boolean dryRun) {
        Map<String, String> unreadable = new TreeMap<>();
        Map<String, List<Backup>> byName = new TreeMap<>();
        Map<String, String> setOf = new TreeMap<>();
        List<Decision> decisions = new ArrayList<>();
        for (String id : repository.listBackupIds()) {
            if (onlyIds != null && !onlyIds.contains(id)) {
                continue;
            }
            try (ManifestReader reader = repository.openManifest(id)) {
                ManifestHeader h = reader.header();
                if (onlyNames != null && !onlyNames.contains(h.name())) {
                    continue;
                }
                byName.computeIfAbsent(h.name(), k -> new ArrayList<>()).add(new Backup(id, h.name(), h.created(),
                        h.properties().get(SET_ID)));
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
            decisions.addAll(onlyIds != null ? named(backups) : decide(backups));
            backups.stream().filter(b -> b.setId() != null).forEach(b -> setOf.put(b.id(), b.setId()));
        }
        Map<String, Instant> locked = new TreeMap<>();
        if (repository.config().objectLock() != null) {
            decisions = keepLocked(decisions, locked);
        }
        List<String> toDelete = decisions.stream().filter(d -> !d.keep()).map(d -> RepositoryLayout.manifestKey(d.id())).toList();
        int forgotten = 0;
        Map<String, String> failed = new LinkedHashMap<>();
        if (!dryRun && !toDelete.isEmpty()) {
            DeleteResult r = repository.store().delete(toDelete);
            forgotten = toDelete.size() - r.failed().size() - r.locked().size();
            failed.putAll(r.failed());
            if (!r.locked().isEmpty()) {
                // Locked after all (this host's clock is behind the store's): kept, and said so.
                r.locked().forEach((key, until) -> locked.put(key.substring(RepositoryLayout.MANIFESTS.length()), until));
                decisions = decisions.stream()
                        .map(d -> !d.keep() && locked.containsKey(d.id()) ? lockedDecision(d, locked.get(d.id())) : d)
                        .toList();
            }
        }
        List<String> sets = dryRun ? List.of() : forgetSets(decisions, setOf, failed);
        return new Result(dryRun, decisions, unreadable, forgotten, failed, locked, sets,
                repository.requests().snapshot());
    }

    /**
     * Forgetting a set's backup forgets the set: its parts and nodes go (they would otherwise let
     * {@code backup-sets --complete} commit it again, and they no longer protect chunks from gc),
     * its {@code complete} marker stays. Also finishes the sets a forget that stopped halfway left.
     */
    private List<String> forgetSets(List<Decision> decisions, Map<String, String> setOf, Map<String, String> failed) {
        Map<String, String> gone = new TreeMap<>();
        for (Decision d : decisions) {
            String setId = setOf.get(d.id());
            if (!d.keep() && setId != null && !failed.containsKey(RepositoryLayout.manifestKey(d.id()))) {
                gone.put(setId, d.id());
            }
        }
        for (BackupSet.Status s : BackupSet.list(repository)) {
            if (s.state() == BackupSet.State.FORGOTTEN && s.backupId() != null) {
                gone.putIfAbsent(s.setId(), s.backupId());
            }
        }
        gone.forEach((setId, backupId) -> BackupSet.forgotten(repository, setId, backupId));
        return List.copyOf(gone.keySet());
    }

    /** Asks the store for the retention of every manifest the policy would remove; keeps the locked ones. */
    private List<Decision> keepLocked(List<Decision> decisions, Map<String, Instant> locked) {
        Instant now = clock.instant();
        List<Decision> result = new ArrayList<>(decisions.size());
        for (Decision d : decisions) {
            if (!d.keep()) {
                Instant until = repository.store().head(RepositoryLayout.manifestKey(d.id()))
                        .map(ObjectInfo::retainUntil).orElse(null);
                if (until != null && until.isAfter(now)) {
                    locked.put(d.id(), until);
                    result.add(lockedDecision(d, until));
                    continue;
                }
            }
            result.add(d);
        }
        return result;
    }

    private static Decision lockedDecision(Decision d, Instant until) {
        return new Decision(d.id(), d.name(), d.created(), true, List.of("locked until " + until));
    }

    private static List<Decision> named(List<Backup> backups) {
        return backups.stream().sorted(Comparator.comparing(Backup::created).thenComparing(Backup::id).reversed())
                .map(b -> new Decision(b.id(), b.name(), b.created(), false, List.of("named"))).toList();
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
