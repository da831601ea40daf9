package dev.s3backup.core.store;

import java.nio.charset.StandardCharsets;

/**
 * The key syntax every {@link ObjectStore} accepts, so that a repository can be copied between
 * an S3 bucket and a directory without renaming anything.
 *
 * <p>A key is one or more '/'-separated segments. A segment is not empty, is not {@code .} or
 * {@code ..}, and holds no backslash and no control character. The first segment may not be
 * {@value #RESERVED_SEGMENT}, which stores keep for their own use (the file store's temporary
 * area). A key is at most 1,024 bytes of UTF-8, as in S3.
 */
public final class ObjectKeys {

    /** The first segment that no key may have. */
    public static final String RESERVED_SEGMENT = ".tmp";

    /** S3's limit on a key's UTF-8 length. */
    public static final int MAX_KEY_BYTES = 1024;

    private ObjectKeys() {
    }

    /**
     * Returns {@code key} when it is valid.
     *
     * @throws IllegalArgumentException naming the key and the rule it breaks
     */
    public static String requireValidKey(String key) {
        String problem = keyProblem(key);
        if (problem != null) {
            throw new IllegalArgumentException("Invalid object key '" + printable(key) + "': " + problem);
        }
        return key;
    }

    /**
     * Returns {@code prefix} when it is valid for a listing: empty, or a valid key, or a valid key
     * followed by one '/'.
     *
     * @throws IllegalArgumentException naming the prefix and the rule it breaks
     */
    public static String requireValidPrefix(String prefix) {
        if (prefix == null) {
            throw new IllegalArgumentException("Invalid listing prefix: null");
        }
        if (prefix.isEmpty()) {
            return prefix;
        }
        String body = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        String problem = keyProblem(body);
        if (problem != null) {
            throw new IllegalArgumentException("Invalid listing prefix '" + printable(prefix) + "': " + problem);
        }
        return prefix;
    }

    /** Whether {@code key} is valid, for callers that skip foreign objects instead of failing. */
    public static boolean isValidKey(String key) {
        return keyProblem(key) == null;
    }

    private static String keyProblem(String key) {
        if (key == null) {
            return "null";
        }
        if (key.isEmpty()) {
            return "empty";
        }
        if (key.startsWith("/")) {
            return "starts with '/'";
        }
        if (key.endsWith("/")) {
            return "ends with '/'";
        }
        if (key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            return "longer than " + MAX_KEY_BYTES + " bytes";
        }
        int start = 0;
        boolean first = true;
        while (true) {
            int slash = key.indexOf('/', start);
            String segment = slash < 0 ? key.substring(start) : key.substring(start, slash);
            if (segment.isEmpty()) {
                return "has an empty segment";
            }
            if (segment.equals(".") || segment.equals("..")) {
                return "has a '" + segment + "' segment";
            }
            if (first && segment.equals(RESERVED_SEGMENT)) {
                return "'" + RESERVED_SEGMENT + "/' is reserved for the store's own use";
            }
            for (int i = 0; i < segment.length(); i++) {
                char c = segment.charAt(i);
                if (c == '\\') {
                    return "contains a backslash";
                }
                if (c < 0x20 || c == 0x7f) {
                    return "contains a control character";
                }
            }
            if (slash < 0) {
                return null;
            }
            start = slash + 1;
            first = false;
        }
    }

    private static String printable(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder(Math.min(s.length(), 200));
        for (int i = 0; i < s.length() && i < 200; i++) {
            char c = s.charAt(i);
            out.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return s.length() > 200 ? out + "..." : out.toString();
    }
}
