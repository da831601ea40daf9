package dev.s3backup.manifest;

/**
 * The rules an {@link Entry#path()} must follow, shared by the codec (which refuses to write or
 * read anything else) and by restore (which re-checks before touching the filesystem).
 *
 * <p>A safe path is relative and '/'-separated: not empty, no leading '/', no empty segment
 * ("a//b", "a/"), no "." or ".." segment, no NUL, valid Unicode, at most {@link #MAX_PATH_BYTES}
 * bytes of UTF-8. Backslashes and other bytes are ordinary name characters on POSIX, so they pass.
 */
public final class ManifestPaths {
    /** Longest path, in UTF-8 bytes, that a manifest may hold. */
    public static final int MAX_PATH_BYTES = 64 * 1024;

    private ManifestPaths() {
    }

    public static boolean isSafeRelative(String path) {
        return problemWith(path) == null;
    }

    /**
     * Returns {@code path} if it is a safe relative path.
     *
     * @throws IllegalArgumentException naming the path and the rule it breaks
     */
    public static String requireSafeRelative(String path) {
        String problem = problemWith(path);
        if (problem != null) {
            throw new IllegalArgumentException("Cannot use path '" + printable(path) + "': " + problem);
        }
        return path;
    }

    private static String problemWith(String path) {
        if (path == null) {
            return "it is null";
        }
        if (path.isEmpty()) {
            return "it is empty";
        }
        if (path.charAt(0) == '/') {
            return "it is absolute";
        }
        long utf8Bytes = 0;
        int segmentStart = 0;
        for (int i = 0; i <= path.length(); i++) {
            if (i == path.length() || path.charAt(i) == '/') {
                int len = i - segmentStart;
                if (len == 0) {
                    return "it has an empty segment";
                }
                if (len <= 2 && path.startsWith(len == 1 ? "." : "..", segmentStart)) {
                    return "it has a '" + path.substring(segmentStart, i) + "' segment";
                }
                segmentStart = i + 1;
                utf8Bytes++;
                continue;
            }
            char c = path.charAt(i);
            if (c == 0) {
                return "it contains NUL";
            }
            if (Character.isHighSurrogate(c) && i + 1 < path.length() && Character.isLowSurrogate(path.charAt(i + 1))) {
                utf8Bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                return "it is not valid Unicode (unpaired surrogate at index " + i + ")";
            } else {
                utf8Bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
            }
        }
        utf8Bytes--; // the end of the string was counted as a separator
        if (utf8Bytes > MAX_PATH_BYTES) {
            return "it is longer than " + MAX_PATH_BYTES + " bytes";
        }
        return null;
    }

    private static String printable(String path) {
        if (path == null) {
            return "null";
        }
        return printableText(path.length() > 200 ? path.substring(0, 200) + "..." : path);
    }

    /**
     * {@code text} with control characters shown as {@code \0} (NUL) or {@code ?}: a hostile
     * manifest's strings end up in error messages, and must not move a terminal's cursor or
     * fake a line of output there. Cut at 1,000 characters: a string may be 64 KiB long.
     */
    static String printableText(String text) {
        String shown = text.length() > 1000 ? text.substring(0, 1000) + "..." : text;
        StringBuilder sb = new StringBuilder(shown.length());
        shown.codePoints().forEach(c -> sb.append(c == 0 ? "\\0" : Character.isISOControl(c) ? "?" : Character.toString(c)));
        return sb.toString();
    }
}
