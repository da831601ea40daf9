package dev.s3backup.manifest;

import java.util.Objects;

/**
 * One node of the backed-up cluster: a data directory labelled with the token the cluster knows
 * it by (HyperDex names servers by a numeric token). Restore lays each node out as the directory
 * {@code <target>/<token>}.
 *
 * @param source where the node's files were read from, for humans only
 */
public record Node(String token, String source) {
    public Node {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(source, "source");
        if (!isValidToken(token)) {
            throw new IllegalArgumentException("node token must be 1-255 characters of [A-Za-z0-9._-], "
                    + "not '.' or '..': " + token);
        }
    }

    public static boolean isValidToken(String token) {
        return token != null && !token.isEmpty() && token.length() <= 255
                && !token.equals(".") && !token.equals("..")
                && token.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || c == '.' || c == '_' || c == '-'));
    }
}
