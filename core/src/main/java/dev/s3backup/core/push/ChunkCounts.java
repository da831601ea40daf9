package dev.s3backup.core.push;

import dev.s3backup.manifest.ChunkRef;
import dev.s3backup.manifest.Entry;
import dev.s3backup.manifest.Sha256;
import dev.s3backup.manifest.Sha256Set;

/**
 * The chunks a manifest names, counted as it is written: distinct chunks (what "new" and
 * "reused" count) and references (a chunk named by several files, or several times by one file,
 * is one chunk and several references). ~43-85 bytes per distinct chunk.
 */
final class ChunkCounts {
    private final Sha256Set distinct = new Sha256Set();
    private long references;

    void add(Entry entry) {
        for (ChunkRef c : entry.chunks()) {
            distinct.add(c.hash());
            references++;
        }
    }

    boolean names(Sha256 hash) {
        return distinct.contains(hash);
    }

    long distinct() {
        return distinct.size();
    }

    long references() {
        return references;
    }
}
