package dev.s3backup.s3;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Bucket lifecycle rules as s3backup understands them, and the two decisions made about them:
 * which rules are safe to install for a repository ({@link #plan}) and what the bucket's current
 * rules could do to it ({@link #check}). No SDK types here, so the logic is tested without a
 * server; {@link S3BucketPolicies} converts to and from the SDK. See docs/RETENTION.md.
 */
public final class LifecycleRules {
    /** Rules s3backup installs carry this id prefix; apply replaces only these. */
    public static final String ID_PREFIX = "s3backup-";
    /** The minimum billable object size of the IA classes: smaller chunks are not transitioned. */
    public static final long IA_MIN_SIZE = 128 * 1024;
    public static final int ABORT_MULTIPART_DAYS = 7;

    /** Top-level prefixes of a repository whose objects a live backup (or the gc protocol) needs. */
    static final List<String> NEEDED = List.of("chunks/", "manifests/", "sets/", "pending/", "leases/", "gc/", "config");
    /** Storage classes a GET reads at once. */
    static final Set<String> INSTANT = Set.of("STANDARD", "STANDARD_IA", "ONEZONE_IA", "GLACIER_IR",
            "INTELLIGENT_TIERING", "REDUCED_REDUNDANCY");
    /** Storage classes a GET cannot read until a RestoreObject finishes. */
    static final Set<String> ARCHIVE = Set.of("GLACIER", "DEEP_ARCHIVE");

    private LifecycleRules() {
    }

    /**
     * A rule's filter. {@code understood} is false when the rule had a filter element this model
     * does not know; such a rule is never judged safe.
     */
    public record Filter(String prefix, Map<String, String> tags, Long sizeGreaterThan, Long sizeLessThan,
                         boolean understood) {
        public Filter {
            prefix = prefix == null ? "" : prefix;
            tags = tags == null ? Map.of() : Map.copyOf(tags);
        }

        public static Filter prefix(String prefix) {
            return new Filter(prefix, Map.of(), null, null, true);
        }
    }

    /** A transition to a storage class after days or on a date. */
    public record Transition(Integer days, String date, String storageClass) {
    }

    /**
     * One rule. {@code unknown} lists elements of the rule this model does not interpret (the
     * converter fills it); a rule with any is reported as unknown.
     */
    public record Rule(String id, boolean enabled, Filter filter, Integer expirationDays, String expirationDate,
                       boolean expiredObjectDeleteMarker, Integer noncurrentExpirationDays,
                       List<Transition> transitions, List<Transition> noncurrentTransitions,
                       Integer abortMultipartDays, List<String> unknown) {
        public Rule {
            id = id == null ? "" : id;
            Objects.requireNonNull(filter, "filter");
            transitions = transitions == null ? List.of() : List.copyOf(transitions);
            noncurrentTransitions = noncurrentTransitions == null ? List.of() : List.copyOf(noncurrentTransitions);
            unknown = unknown == null ? List.of() : List.copyOf(unknown);
        }

        static Rule abortMultipart(String id, String prefix, int days) {
            return new Rule(id, true, Filter.prefix(prefix), null, null, false, null, List.of(), List.of(), days, List.of());
        }

        static Rule transition(String id, Filter filter, int days, String storageClass) {
            return new Rule(id, true, filter, null, null, false, null, List.of(new Transition(days, null, storageClass)),
                    List.of(), null, List.of());
        }

        String describe() {
            List<String> parts = new ArrayList<>();
            if (expirationDays != null) {
                parts.add("Expiration " + expirationDays + " days");
            }
            if (expirationDate != null) {
                parts.add("Expiration on " + expirationDate);
            }
            if (noncurrentExpirationDays != null) {
                parts.add("NoncurrentVersionExpiration " + noncurrentExpirationDays + " days");
            }
            for (Transition t : transitions) {
                parts.add("Transition to " + t.storageClass() + (t.days() != null ? " after " + t.days() + " days" : " on " + t.date()));
            }
            for (Transition t : noncurrentTransitions) {
                parts.add("NoncurrentVersionTransition to " + t.storageClass() + " after " + t.days() + " days");
            }
            if (abortMultipartDays != null) {
                parts.add("AbortIncompleteMultipartUpload " + abortMultipartDays + " days");
            }
            String where = "prefix '" + filter.prefix() + "'"
                    + (filter.tags().isEmpty() ? "" : ", tags " + filter.tags())
                    + (filter.sizeGreaterThan() != null ? ", size > " + filter.sizeGreaterThan() : "")
                    + (filter.sizeLessThan() != null ? ", size < " + filter.sizeLessThan() : "");
            return String.join(", ", parts) + "; " + where + (enabled ? "" : "; disabled");
        }
    }

    /** What one rule could do to the repository. */
    public enum Verdict { SAFE, UNSAFE, UNKNOWN }

    /** One rule's verdict and why; {@code rule} is its id. */
    public record Finding(String rule, Verdict verdict, String reason) {
        @Override
        public String toString() {
            return "rule '" + rule + "': " + verdict.name().toLowerCase(Locale.ROOT) + ": " + reason;
        }
    }

    /** A transition of chunks that plan may include: only to classes a GET reads at once. */
    public record ChunkTransition(int days, String storageClass) {
        public ChunkTransition {
            storageClass = storageClass.toUpperCase(Locale.ROOT);
            if (!Set.of("STANDARD_IA", "ONEZONE_IA", "GLACIER_IR", "INTELLIGENT_TIERING").contains(storageClass)) {
                throw new IllegalArgumentException("Cannot plan a transition of chunks to " + storageClass
                        + ": restore and gc need chunks a GET reads at once (STANDARD_IA, ONEZONE_IA, GLACIER_IR, "
                        + "INTELLIGENT_TIERING); GLACIER and DEEP_ARCHIVE would break restores");
            }
            if (days < 30 && !storageClass.equals("INTELLIGENT_TIERING")) {
                throw new IllegalArgumentException("Cannot plan a transition to " + storageClass + " after " + days
                        + " days: S3 requires at least 30 days in STANDARD first");
            }
        }
    }

    /**
     * The rules s3backup would install for a repository under {@code repoPrefix} ("" or "p/").
     */
    public static List<Rule> plan(String repoPrefix, ChunkTransition transition) {
        List<Rule> rules = new ArrayList<>();
        rules.add(Rule.abortMultipart(ID_PREFIX + "abort-multipart", repoPrefix, ABORT_MULTIPART_DAYS));
        if (transition != null) {
            rules.add(Rule.transition(ID_PREFIX + "chunks-transition",
                    new Filter(repoPrefix + "chunks/", Map.of(), IA_MIN_SIZE, null, true),
                    transition.days(), transition.storageClass()));
        }
        return rules;
    }

    /**
     * The bucket's rules with s3backup's replaced by {@code planned}: every other rule is kept as
     * it was, in its place.
     */
    public static List<Rule> merge(List<Rule> current, List<Rule> planned) {
        Map<String, Rule> byId = new LinkedHashMap<>();
        for (Rule r : current) {
            if (!r.id().startsWith(ID_PREFIX)) {
                byId.put(r.id(), r);
            }
        }
        for (Rule r : planned) {
            byId.put(r.id(), r);
        }
        return new ArrayList<>(byId.values());
    }

    /** One finding per rule, in order. */
    public static List<Finding> check(String repoPrefix, List<Rule> rules) {
        List<Finding> findings = new ArrayList<>();
        for (Rule r : rules) {
            findings.add(check(repoPrefix, r));
        }
        return findings;
    }

    static Finding check(String repoPrefix, Rule r) {
        String what = r.describe();
        if (!r.enabled()) {
            return new Finding(r.id(), Verdict.SAFE, "disabled (" + what + ")");
        }
        List<String> reached = reached(repoPrefix, r.filter().prefix());
        if (reached.isEmpty()) {
            return new Finding(r.id(), Verdict.SAFE, "its prefix '" + r.filter().prefix()
                    + "' matches nothing of the repository (" + what + ")");
        }
        if (!r.unknown().isEmpty() || !r.filter().understood()) {
            return new Finding(r.id(), Verdict.UNKNOWN, "cannot interpret " + (r.unknown().isEmpty()
                    ? "its filter" : String.join(", ", r.unknown())) + " (" + what + "); it may reach " + reached
                    + " - not counted as safe");
        }
        boolean destructive = r.expirationDays() != null || r.expirationDate() != null
                || r.noncurrentExpirationDays() != null || !r.transitions().isEmpty() || !r.noncurrentTransitions().isEmpty();
        if (destructive && !r.filter().tags().isEmpty()) {
            return new Finding(r.id(), Verdict.UNKNOWN, "its tag filter " + r.filter().tags() + " cannot be evaluated "
                    + "(anyone may tag an object) (" + what + "); it may reach " + reached + " - not counted as safe");
        }
        if (r.expirationDays() != null || r.expirationDate() != null) {
            return new Finding(r.id(), Verdict.UNSAFE, "can expire " + reached + " that live backups need: "
                    + "deduplicated chunks are as old as the first backup that stored them (" + what + ")");
        }
        if (r.noncurrentExpirationDays() != null) {
            // Only previous versions expire; with create-only writes our objects have one version,
            // but a delete marker on a versioned bucket turns the data into a previous version.
            return new Finding(r.id(), Verdict.UNSAFE, "can permanently remove previous versions of " + reached
                    + ", the only copy left after an accidental delete on a versioned bucket (" + what + ")");
        }
        for (List<Transition> list : List.of(r.transitions(), r.noncurrentTransitions())) {
            for (Transition t : list) {
                String sc = t.storageClass() == null ? "" : t.storageClass().toUpperCase(Locale.ROOT);
                if (ARCHIVE.contains(sc)) {
                    return new Finding(r.id(), Verdict.UNSAFE, "archives " + reached + " to " + sc + ": restore, "
                            + "verify --read-data and drills cannot read them until a RestoreObject finishes (" + what + ")");
                }
                if (!INSTANT.contains(sc)) {
                    return new Finding(r.id(), Verdict.UNKNOWN, "transition to storage class '" + t.storageClass()
                            + "' this version does not know (" + what + ") - not counted as safe");
                }
                List<String> notChunks = reached.stream().filter(p -> !p.equals("chunks/")).toList();
                if (!notChunks.isEmpty()) {
                    return new Finding(r.id(), Verdict.UNSAFE, "moves " + notChunks + " to " + sc + ": manifests and "
                            + "protocol objects are read on every push, forget and gc, and are mostly smaller than the "
                            + "128 KiB minimum billable size (" + what + ")");
                }
            }
        }
        String note = "";
        if (!r.transitions().isEmpty() && r.filter().sizeGreaterThan() == null
                && r.transitions().stream().anyMatch(t -> t.storageClass().toUpperCase(Locale.ROOT).contains("IA"))) {
            note = "; consider ObjectSizeGreaterThan " + IA_MIN_SIZE + " (IA bills small objects as 128 KiB)";
        }
        return new Finding(r.id(), Verdict.SAFE, "keeps every object readable at once (" + what + ")" + note);
    }

    /**
     * The repository's needed prefixes a rule prefix can match: a rule on "a/" reaches a
     * repository at "a/db/" entirely, a rule on "a/db/chunks/x" reaches part of its chunks.
     */
    static List<String> reached(String repoPrefix, String rulePrefix) {
        List<String> reached = new ArrayList<>();
        for (String p : NEEDED) {
            String full = repoPrefix + p;
            if (full.startsWith(rulePrefix) || rulePrefix.startsWith(full)) {
                reached.add(p);
            }
        }
        return reached;
    }
}
