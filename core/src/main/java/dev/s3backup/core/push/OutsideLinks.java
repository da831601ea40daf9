package dev.s3backup.core.push;

import dev.s3backup.core.restore.SafePaths;
import dev.s3backup.manifest.Entry;
import dev.s3backup.manifest.EntryType;
import java.util.HashMap;
import java.util.Map;

/**
 * The symbolic links of a push that point outside their source directory: absolute, or climbing
 * above it ({@link SafePaths#pointsOutside}). They are backed up and restored as they are; the
 * count is reported because the restored copy of such a link reaches outside the restore.
 * Fed every entry the push writes; links are few, so each is kept until the count is asked for.
 */
final class OutsideLinks {
    /** Node token, then link path within the node, then target. */
    private final Map<String, Map<String, String>> links = new HashMap<>();

    void add(Entry e) {
        if (e.type() == EntryType.SYMLINK) {
            links.computeIfAbsent(e.node(), n -> new HashMap<>()).put(e.path(), e.linkTarget());
        }
    }

    long count() {
        long outside = 0;
        for (Map<String, String> node : links.values()) {
            for (Map.Entry<String, String> link : node.entrySet()) {
                if (SafePaths.pointsOutside(link.getKey(), link.getValue(), node.keySet())) {
                    outside++;
                }
            }
        }
        return outside;
    }
}
