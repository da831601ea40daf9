package dev.s3backup.core;

/**
 * Hides what a user may have put before the host of a URL ({@code http://KEY:SECRET@host}) before
 * the URL is shown in a message, an output or a file. Credentials are never taken from a URL;
 * this keeps one typed there out of terminals, CI logs and reports.
 */
public final class Redaction {
    private Redaction() {
    }

    /** {@code url} with its credentials (see {@link #hasUserInfo}) replaced by "***". */
    public static String userInfo(String url) {
        if (!hasUserInfo(url)) {
            return url;
        }
        int start = url.indexOf("://") + 3;
        return url.substring(0, start) + "***" + url.substring(lastAt(url, start));
    }

    /**
     * Whether {@code url} holds credentials before its host: an '@' before the first '/' after
     * "://", or, since a secret key may itself hold '/' ({@code http://KEY:SEC/RET@host}), an '@'
     * anywhere before the query when the part before that '/' holds a ':'. An '@' in an S3 key
     * prefix ({@code s3://bucket/a@b}) is not one.
     */
    public static boolean hasUserInfo(String url) {
        if (url == null || url.indexOf("://") < 0) {
            return false;
        }
        int start = url.indexOf("://") + 3;
        int at = lastAt(url, start);
        if (at < 0) {
            return false;
        }
        int slash = url.indexOf('/', start);
        return slash < 0 || at < slash || url.substring(start, slash).indexOf(':') >= 0;
    }

    /** The last '@' after {@code start} and before any query or fragment, or -1. */
    private static int lastAt(String url, int start) {
        int end = url.length();
        for (char c : new char[] {'?', '#'}) {
            int i = url.indexOf(c, start);
            if (i >= 0 && i < end) {
                end = i;
            }
        }
        return url.lastIndexOf('@', end - 1) >= start ? url.lastIndexOf('@', end - 1) : -1;
    }
}
