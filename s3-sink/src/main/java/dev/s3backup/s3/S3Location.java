package dev.s3backup.s3;

import dev.s3backup.core.Redaction;
import dev.s3backup.core.store.ObjectKeys;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where a repository lives in S3: a bucket and a key prefix ({@code ""} or ending in '/').
 *
 * @param bucket the bucket name
 * @param prefix prepended to every object key; empty, or a valid key path ending in '/'
 */
public record S3Location(String bucket, String prefix) {

    // AWS names are stricter (3-63 lowercase); S3-compatible servers accept more, so only what
    // would break a URL or a request path is refused here.
    private static final Pattern BUCKET = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,254}");

    public S3Location {
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(prefix, "prefix");
        if (!BUCKET.matcher(bucket).matches()) {
            throw new IllegalArgumentException("Invalid bucket name '" + bucket
                    + "': use letters, digits, '.', '-' and '_', starting with a letter or digit");
        }
        prefix = normalizePrefix(prefix);
    }

    /**
     * Parses {@code s3://bucket}, {@code s3://bucket/} or {@code s3://bucket/some/prefix[/]}.
     *
     * @throws IllegalArgumentException saying what is wrong with the URL
     */
    public static S3Location parse(String url) {
        Objects.requireNonNull(url, "url");
        String shown = Redaction.userInfo(url);
        if (!url.toLowerCase(Locale.ROOT).startsWith("s3://")) {
            throw new IllegalArgumentException("Invalid S3 URL '" + shown + "': expected s3://bucket/prefix");
        }
        String rest = url.substring("s3://".length());
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String prefix = slash < 0 ? "" : rest.substring(slash + 1);
        if (bucket.isEmpty()) {
            throw new IllegalArgumentException("Invalid S3 URL '" + shown + "': no bucket name");
        }
        // KEY:SECRET@bucket, or KEY:SEC/RET@bucket (a secret key may hold '/'): never repeat it.
        if (!BUCKET.matcher(bucket).matches() && Redaction.hasUserInfo(url)) {
            throw new IllegalArgumentException("Invalid S3 URL '" + shown + "': credentials in the repository URL are "
                    + "not used; give them as AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or with a profile");
        }
        return new S3Location(bucket, prefix);
    }

    /** The full key of a repository key. */
    public String keyOf(String key) {
        return prefix + key;
    }

    @Override
    public String toString() {
        return "s3://" + bucket + "/" + prefix;
    }

    private static String normalizePrefix(String prefix) {
        if (prefix.isEmpty()) {
            return prefix;
        }
        String withSlash = prefix.endsWith("/") ? prefix : prefix + "/";
        try {
            ObjectKeys.requireValidPrefix(withSlash);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Invalid repository prefix '" + prefix + "': " + e.getMessage(), e);
        }
        return withSlash;
    }
}
