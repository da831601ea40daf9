package dev.s3backup.core.restore;

import dev.s3backup.manifest.Node;
import java.nio.file.Path;
import java.util.Set;

/**
 * Checks that a manifest entry cannot make restore write outside its target, whatever the
 * manifest says: restore never trusts a manifest it did not check, even its own format's.
 */
final class SafePaths {
    private SafePaths() {
    }

    /** Why this entry's path is unsafe, or null when it is a plain relative path. */
    static String problem(String node, String path) {
        if (!node.isEmpty() && !Node.isValidToken(node)) {
            return "its node token is not a plain name";
        }
        if (path.isEmpty()) {
            return "its path is empty";
        }
        if (path.startsWith("/")) {
            return "its path is absolute";
        }
        if (path.indexOf('\0') >= 0 || path.indexOf('\\') >= 0 && isWindows()) {
            return "its path contains a forbidden character";
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return "its path contains an empty, '.' or '..' segment";
            }
        }
        if (node.isEmpty() && path.contains("/")) {
            return "a loose file must sit at the top of the backup";
        }
        return null;
    }

    /** Why an entry below an earlier symlink entry is unsafe (a file written through a link), or null. */
    static String throughSymlink(String destination, Set<String> symlinkDestinations) {
        for (int slash = destination.indexOf('/'); slash > 0; slash = destination.indexOf('/', slash + 1)) {
            if (symlinkDestinations.contains(destination.substring(0, slash))) {
                return "it lies below the symbolic link '" + destination.substring(0, slash) + "'";
            }
        }
        return null;
    }

    /** Why a symbolic link's target is unsafe (it leaves the target directory), or null. */
    static String linkProblem(Path root, Path link, String target) {
        if (target.isEmpty() || target.indexOf('\0') >= 0) {
            return "its link target is empty or contains NUL";
        }
        Path t = Path.of(target);
        if (t.isAbsolute()) {
            return "it is a symbolic link to the absolute path '" + target + "'";
        }
        Path resolved = link.getParent().resolve(t).normalize();
        if (!resolved.startsWith(root)) {
            return "it is a symbolic link pointing outside the target ('" + target + "')";
        }
        return null;
    }

    private static boolean isWindows() {
        return System.getProperty("os.name", "").startsWith("Windows");
    }
}
