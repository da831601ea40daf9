package dev.s3backup.s3;

import dev.s3backup.s3.LifecycleRules.Filter;
import dev.s3backup.s3.LifecycleRules.Rule;
import dev.s3backup.s3.LifecycleRules.Transition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.ExpirationStatus;
import software.amazon.awssdk.services.s3.model.LifecycleRule;
import software.amazon.awssdk.services.s3.model.LifecycleRuleAndOperator;
import software.amazon.awssdk.services.s3.model.LifecycleRuleFilter;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.Tag;

/**
 * Reads and installs a bucket's lifecycle rules (GetBucketLifecycleConfiguration,
 * PutBucketLifecycleConfiguration). {@link #apply} merges at the level of the SDK's own rule
 * objects: the bucket's other rules are sent back exactly as they were read, never through
 * s3backup's model, so no field it does not know is lost.
 */
public final class S3BucketPolicies {
    private S3BucketPolicies() {
    }

    /** The bucket's rules; empty when it has no lifecycle configuration. */
    public static List<Rule> lifecycleRules(S3Options options) {
        return readSdk(options).stream().map(S3BucketPolicies::fromSdk).toList();
    }

    /** What {@link #apply} did. */
    public record Applied(List<Rule> before, List<Rule> after) {
    }

    /**
     * Installs {@code planned} (rules whose id starts with {@link LifecycleRules#ID_PREFIX}),
     * replacing earlier s3backup rules and keeping every other rule unchanged.
     *
     * @throws IllegalStateException (before writing anything) when the merged rules would not be
     *     safe for a repository at {@code repoPrefix}: apply never installs an unsafe set
     */
    public static Applied apply(S3Options options, String repoPrefix, List<Rule> planned) {
        for (Rule r : planned) {
            if (!r.id().startsWith(LifecycleRules.ID_PREFIX)) {
                throw new IllegalArgumentException("Cannot apply rule '" + r.id() + "': s3backup only installs rules "
                        + "whose id starts with " + LifecycleRules.ID_PREFIX);
            }
        }
        List<LifecycleRule> current = readSdk(options);
        List<Rule> before = current.stream().map(S3BucketPolicies::fromSdk).toList();
        List<Rule> merged = LifecycleRules.merge(before, planned);
        List<LifecycleRules.Finding> problems = LifecycleRules.check(repoPrefix, merged).stream()
                .filter(f -> f.verdict() != LifecycleRules.Verdict.SAFE).toList();
        if (!problems.isEmpty()) {
            throw new IllegalStateException("Cannot apply lifecycle rules to s3://" + options.bucket() + ": the bucket's "
                    + "rules would still not be safe for the repository, so nothing was changed: " + problems);
        }
        Map<String, LifecycleRule> byId = new LinkedHashMap<>();
        for (LifecycleRule r : current) {
            String id = r.id() == null ? "" : r.id();
            if (!id.startsWith(LifecycleRules.ID_PREFIX)) {
                byId.put(id, r);
            }
        }
        for (Rule r : planned) {
            byId.put(r.id(), toSdk(r));
        }
        List<LifecycleRule> rules = new ArrayList<>(byId.values());
        S3ObjectStores.withClient(options, (s3, errors) -> {
            try {
                s3.putBucketLifecycleConfiguration(b -> b.bucket(options.bucket())
                        .lifecycleConfiguration(c -> c.rules(rules)));
                return null;
            } catch (SdkException e) {
                throw errors.map("set the lifecycle rules of", "s3://" + options.bucket(), e);
            }
        });
        return new Applied(before, lifecycleRules(options));
    }

    /**
     * A bucket's Object Lock configuration.
     *
     * @param enabled whether the bucket was created with (or later given) Object Lock
     * @param defaultRetention the bucket's default retention ("GOVERNANCE 30 days"), or null
     */
    public record ObjectLockStatus(boolean enabled, String defaultRetention) {
    }

    /**
     * GetObjectLockConfiguration. A bucket without Object Lock (or a server that does not know
     * it) is {@code enabled == false}; other failures are thrown.
     */
    public static ObjectLockStatus objectLock(S3Options options) {
        return S3ObjectStores.withClient(options, (s3, errors) -> {
            try {
                var config = s3.getObjectLockConfiguration(b -> b.bucket(options.bucket())).objectLockConfiguration();
                boolean enabled = config != null && "Enabled".equals(config.objectLockEnabledAsString());
                String defaultRetention = null;
                if (config != null && config.rule() != null && config.rule().defaultRetention() != null) {
                    var d = config.rule().defaultRetention();
                    defaultRetention = d.modeAsString() + " " + (d.days() != null ? d.days() + " days" : d.years() + " years");
                }
                return new ObjectLockStatus(enabled, defaultRetention);
            } catch (S3Exception e) {
                String code = S3Errors.code(e);
                // S3Mock answers 400 InvalidRequest "Bucket is missing Object Lock Configuration".
                boolean missing = "InvalidRequest".equals(code) && e.getMessage() != null
                        && e.getMessage().contains("missing Object Lock Configuration");
                if (missing || "ObjectLockConfigurationNotFoundError".equals(code) || e.statusCode() == 501
                        || (e.statusCode() == 404 && !"NoSuchBucket".equals(code))) {
                    return new ObjectLockStatus(false, null);
                }
                throw errors.map("read the Object Lock configuration of", "s3://" + options.bucket(), e);
            } catch (SdkException e) {
                throw errors.map("read the Object Lock configuration of", "s3://" + options.bucket(), e);
            }
        });
    }

    private static List<LifecycleRule> readSdk(S3Options options) {
        return S3ObjectStores.withClient(options, (s3, errors) -> {
            try {
                return s3.getBucketLifecycleConfiguration(b -> b.bucket(options.bucket())).rules();
            } catch (S3Exception e) {
                if (e.statusCode() == 404 && e.awsErrorDetails() != null
                        && "NoSuchLifecycleConfiguration".equals(e.awsErrorDetails().errorCode())) {
                    return List.of();
                }
                throw errors.map("read the lifecycle rules of", "s3://" + options.bucket(), e);
            } catch (SdkException e) {
                throw errors.map("read the lifecycle rules of", "s3://" + options.bucket(), e);
            }
        });
    }

    static Rule fromSdk(LifecycleRule r) {
        List<String> unknown = new ArrayList<>();
        boolean enabled;
        if (r.status() == ExpirationStatus.ENABLED) {
            enabled = true;
        } else if (r.status() == ExpirationStatus.DISABLED) {
            enabled = false;
        } else {
            enabled = true;
            unknown.add("status '" + r.statusAsString() + "'");
        }
        Filter filter = filterOf(r);
        Integer expDays = null;
        String expDate = null;
        boolean deleteMarkers = false;
        if (r.expiration() != null) {
            expDays = r.expiration().days();
            expDate = r.expiration().date() == null ? null : r.expiration().date().toString();
            deleteMarkers = Boolean.TRUE.equals(r.expiration().expiredObjectDeleteMarker());
        }
        Integer noncurrentDays = null;
        if (r.noncurrentVersionExpiration() != null) {
            noncurrentDays = r.noncurrentVersionExpiration().noncurrentDays();
            if (noncurrentDays == null) {
                unknown.add("NoncurrentVersionExpiration without days");
            }
        }
        List<Transition> transitions = new ArrayList<>();
        for (software.amazon.awssdk.services.s3.model.Transition t : r.transitions()) {
            transitions.add(new Transition(t.days(), t.date() == null ? null : t.date().toString(), t.storageClassAsString()));
        }
        List<Transition> noncurrent = new ArrayList<>();
        for (software.amazon.awssdk.services.s3.model.NoncurrentVersionTransition t : r.noncurrentVersionTransitions()) {
            noncurrent.add(new Transition(t.noncurrentDays(), null, t.storageClassAsString()));
        }
        Integer abort = r.abortIncompleteMultipartUpload() == null ? null
                : r.abortIncompleteMultipartUpload().daysAfterInitiation();
        return new Rule(r.id(), enabled, filter, expDays, expDate, deleteMarkers, noncurrentDays, transitions, noncurrent,
                abort, unknown);
    }

    private static Filter filterOf(LifecycleRule r) {
        LifecycleRuleFilter f = r.filter();
        if (f == null) {
            // the deprecated rule-level Prefix, or no filter at all: the whole bucket
            return Filter.prefix(r.prefix());
        }
        if (f.and() != null) {
            LifecycleRuleAndOperator and = f.and();
            Map<String, String> tags = new LinkedHashMap<>();
            for (Tag t : and.tags()) {
                tags.put(t.key(), t.value());
            }
            return new Filter(and.prefix(), tags, and.objectSizeGreaterThan(), and.objectSizeLessThan(), true);
        }
        Map<String, String> tags = f.tag() == null ? Map.of() : Map.of(f.tag().key(), f.tag().value());
        // An empty <Filter/> (what the console writes for "all objects") has no member set, and the
        // SDK reports its type as unknown: it reaches the whole bucket, which is also the cautious
        // reading of a filter element this SDK does not know.
        return new Filter(f.prefix(), tags, f.objectSizeGreaterThan(), f.objectSizeLessThan(), true);
    }

    static LifecycleRule toSdk(Rule r) {
        LifecycleRule.Builder b = LifecycleRule.builder().id(r.id())
                .status(r.enabled() ? ExpirationStatus.ENABLED : ExpirationStatus.DISABLED);
        Filter f = r.filter();
        if (f.sizeGreaterThan() != null || f.sizeLessThan() != null || !f.tags().isEmpty()) {
            b.filter(LifecycleRuleFilter.builder().and(LifecycleRuleAndOperator.builder().prefix(f.prefix())
                    .objectSizeGreaterThan(f.sizeGreaterThan()).objectSizeLessThan(f.sizeLessThan())
                    .tags(f.tags().entrySet().stream().map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build())
                            .toList()).build()).build());
        } else {
            b.filter(LifecycleRuleFilter.builder().prefix(f.prefix()).build());
        }
        if (r.abortMultipartDays() != null) {
            b.abortIncompleteMultipartUpload(a -> a.daysAfterInitiation(r.abortMultipartDays()));
        }
        if (!r.transitions().isEmpty()) {
            b.transitions(r.transitions().stream().map(t -> software.amazon.awssdk.services.s3.model.Transition.builder()
                    .days(t.days()).storageClass(t.storageClass()).build()).toList());
        }
        if (r.expirationDays() != null || r.expirationDate() != null || r.noncurrentExpirationDays() != null
                || !r.noncurrentTransitions().isEmpty()) {
            throw new IllegalArgumentException("Cannot install rule '" + r.id() + "': s3backup never installs "
                    + "expirations or noncurrent-version actions");
        }
        return b.build();
    }
}
