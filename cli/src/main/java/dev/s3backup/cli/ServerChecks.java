package dev.s3backup.cli;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.ServerProbe;
import dev.s3backup.s3.S3BucketPolicies;
import dev.s3backup.s3.S3Options;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@code doctor} and {@code init} find a repository's store to guarantee: the store probes of
 * {@link ServerProbe}, and for S3 buckets whether Object Lock and lifecycle rules are available.
 */
final class ServerChecks {
    /** Clock skew beyond this is worth a warning: gc's grace and lease ages are in the store's time. */
    static final Duration SKEW_WARNING = Duration.ofSeconds(30);

    /**
     * @param objectLock "enabled", "not enabled", or why it could not be read; null for file://
     * @param lifecycle "available (N rules)", or why not; null for file://
     */
    record Result(ServerProbe.Report probe, String objectLock, String lifecycle) {
    }

    private ServerChecks() {
    }

    static Result run(ObjectStore store, String url, RepoOptions options) {
        ServerProbe.Report probe = ServerProbe.run(store, Clock.systemUTC());
        if (!url.startsWith("s3://")) {
            return new Result(probe, null, null);
        }
        S3Options s3 = S3Stores.options(url, options);
        String lock;
        try {
            S3BucketPolicies.ObjectLockStatus status = S3BucketPolicies.objectLock(s3);
            lock = status.enabled() ? "enabled" + (status.defaultRetention() == null ? ""
                    : ", default retention " + status.defaultRetention()) : "not enabled on this bucket";
        } catch (RuntimeException e) {
            lock = "unknown: " + e.getMessage();
        }
        String lifecycle;
        try {
            lifecycle = "available (" + S3BucketPolicies.lifecycleRules(s3).size() + " rule(s) on the bucket)";
        } catch (RuntimeException e) {
            lifecycle = (e.getMessage() != null && e.getMessage().contains("NotImplemented") ? "not available: "
                    : "unknown: ") + e.getMessage();
        }
        return new Result(probe, lock, lifecycle);
    }

    static void print(Output output, String where, Result r) {
        var out = output.out();
        ServerProbe.Report p = r.probe();
        out.println("Server checks of " + where + " (scratch objects under " + ServerProbe.PREFIX + ", removed):");
        out.printf("  create-only writes:    %s%n", line(p.createOnly(), "honoured", "NOT honoured"));
        out.printf("  checksums verified:    %s%n", line(p.checksumsVerified(), "yes", "no"));
        out.printf("  batch delete:          %s%n", line(p.batchDelete(), "works", "FAILS"));
        out.printf("  clock skew:            %s%n", skew(p.clockSkew()));
        if (r.objectLock() != null) {
            out.printf("  Object Lock:           %s%n", r.objectLock());
            out.printf("  lifecycle rules:       %s%n", r.lifecycle());
        }
    }

    static Map<String, Object> toMap(Result r) {
        ServerProbe.Report p = r.probe();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("createOnly", p.createOnly().holds());
        m.put("createOnlyDetail", p.createOnly().detail());
        m.put("checksumsVerified", p.checksumsVerified().holds());
        m.put("checksumsVerifiedDetail", p.checksumsVerified().detail());
        m.put("batchDelete", p.batchDelete().holds());
        m.put("batchDeleteDetail", p.batchDelete().detail());
        m.put("clockSkewSeconds", p.clockSkew() == null ? null : p.clockSkew().toMillis() / 1000.0);
        m.put("objectLock", r.objectLock());
        m.put("lifecycle", r.lifecycle());
        m.put("safe", !p.unsafe());
        m.put("probedAt", p.probedAt().toString());
        return m;
    }

    /** The warnings an operator must read, one line each. */
    static void warn(Output output, Result r) {
        ServerProbe.Report p = r.probe();
        if (p.checksumsVerified().failed()) {
            output.warn("this server does not verify x-amz-checksum-sha256: a chunk damaged on its way in is found "
                    + "only by restore and 'verify --read-data', which hash every byte; run verify --read-data-subset "
                    + "regularly");
        }
        if (p.clockSkew() != null && p.clockSkew().abs().compareTo(SKEW_WARNING) > 0) {
            output.warn("the store's clock differs from this host's by " + skew(p.clockSkew()) + "; gc measures its "
                    + "grace in the store's time, but check the host's NTP");
        }
    }

    static BackupException unsafe(String where, Result r) {
        ServerProbe.Report p = r.probe();
        String what = p.createOnly().failed() ? "it does not honour create-only writes (" + p.createOnly().detail()
                + "): deduplication and the lock-free gc could lose data"
                : "its batch delete fails (" + p.batchDelete().detail() + "): gc cannot remove chunks";
        return new BackupException(BackupException.Reason.INTEGRITY, "Cannot trust " + where + ": " + what);
    }

    private static String line(ServerProbe.Check c, String yes, String no) {
        String verdict = c.holds() == null ? "unknown" : c.holds() ? yes : no;
        return verdict + " (" + c.detail() + ")";
    }

    private static String skew(Duration d) {
        if (d == null) {
            return "unknown (the store gave no time)";
        }
        if (d.isZero()) {
            return "none measurable (within the store's 1 s precision)";
        }
        return (d.isNegative() ? "" : "+") + String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0)
                + " (the store's clock minus this host's)";
    }
}
