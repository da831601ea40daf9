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
 * A symbolic link's target is data, not a path restore writes to: only entries below a link
 * are refused, never where a link points.
 */
public final class SafePaths {
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
     * Why a symbolic link cannot be restored as it was backed up, or null. Only a target that no
     * link can hold is refused: a link is data, restored as the same link whatever it points to,
     * and restore never follows one (see {@link #ancestorProblem}).
     */
    static String linkProblem(String target) {
        if (target.isEmpty() || target.indexOf('\0') >= 0) {
            return "its link target is empty or contains NUL";
        }
        return null;
    }

    /**
     * Whether a symbolic link may point outside the directory it was backed up from: an absolute
     * target, or a relative one that climbs above that directory. Not a refusal (a link is data),
     * but what push reports, since the restored copy of such a link reaches outside the restore.
     * The target is walked segment by segment from the link's directory; a ".." taken after
     * passing through another of the directory's links counts as outside, because the kernel
     * climbs out of where that link points, not out of where it sits ("c" -> "." makes "c/../.."
     * one level higher than it reads).
     *
     * @param link the link's path, '/'-separated, relative to the directory
     * @param symlinks the path of every symbolic link in that directory, relative to it
     */
    public static boolean pointsOutside(String link, String target, Set<String> symlinks) {
        if (target.startsWith("/") || target.indexOf('\0') < 0 && Path.of(target).isAbsolute()) {
            return true;
        }
        Deque<String> at = new ArrayDeque<>(Arrays.asList(link.split("/")));
        at.removeLast();
        boolean throughLink = false;
        for (String segment : target.split("/")) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                if (throughLink || at.isEmpty()) {
                    return true;
                }
                at.removeLast();
            } else {
                at.addLast(segment);
                throughLink = throughLink || symlinks.contains(String.join("/", at));
            }
        }
        return false;
    }

    private static boolean isWindows() {
        return System.getProperty("os.name", "").startsWith("Windows");
    }
}
