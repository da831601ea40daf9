package dev.s3backup.core.restore;

import dev.s3backup.manifest.EntryType;
import dev.s3backup.manifest.Node;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Map;
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

    /**
     * Why an entry cannot sit where it does, or null: its nearest ancestor that is itself an entry
     * of the backup must be a directory. Below a symbolic link, a write would follow the link;
     * below a file, it would fail half-way. Only the complete set of entries makes this decidable
     * (an entry may come before the link above it), so call it once every entry has been seen.
     *
     * @param destination '/'-separated, relative to the target
     * @param types the type of every entry of the backup, by destination
     */
    static String ancestorProblem(String destination, Map<String, EntryType> types) {
        for (int slash = destination.lastIndexOf('/'); slash > 0; slash = destination.lastIndexOf('/', slash - 1)) {
            String ancestor = destination.substring(0, slash);
            EntryType type = types.get(ancestor);
            if (type == EntryType.SYMLINK) {
                return "it lies below the symbolic link '" + ancestor + "'";
            }
            if (type == EntryType.FILE) {
                return "it lies below the file '" + ancestor + "'";
            }
            if (type == EntryType.DIRECTORY) {
                return null; // that directory's own check covers the rest of the way up
            }
        }
        return null;
    }

    /**
     * Why a symbolic link's target is unsafe (it could resolve outside the target directory), or
     * null. The target is walked segment by segment from the link's directory; a ".." that would
     * climb out of another symbolic link of the backup is refused, because the kernel climbs out of
     * where that link points, not out of where it sits ("c" -> "." makes "c/../.." one level higher
     * than it reads). Only the complete set of the backup's links makes this decidable, so call it
     * once every entry has been seen.
     *
     * @param link the link's destination, '/'-separated, relative to the target
     * @param symlinkDestinations the destination of every symbolic link in the backup
     */
    static String linkProblem(String link, String target, Set<String> symlinkDestinations) {
        if (target.isEmpty() || target.indexOf('\0') >= 0) {
            return "its link target is empty or contains NUL";
        }
        if (target.startsWith("/") || Path.of(target).isAbsolute()) {
            return "it is a symbolic link to the absolute path '" + target + "'";
        }
        Deque<String> at = new ArrayDeque<>(Arrays.asList(link.split("/")));
        at.removeLast();
        boolean throughLink = false;
        for (String segment : target.split("/")) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                if (throughLink) {
                    return "it is a symbolic link that climbs out of another symbolic link ('" + target + "')";
                }
                if (at.isEmpty()) {
                    return "it is a symbolic link pointing outside the target ('" + target + "')";
                }
                at.removeLast();
            } else {
                at.addLast(segment);
                throughLink = throughLink || symlinkDestinations.contains(String.join("/", at));
            }
        }
        return null;
    }

    private static boolean isWindows() {
        return System.getProperty("os.name", "").startsWith("Windows");
    }
}
