package dev.s3backup.core.restore;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The directories a restore created an entry in or renamed a file into. A rename or a new entry
 * is durable only once its directory is synced: without it, a power cut after a restore that
 * reported success can leave files under their temporary names, or missing. Each directory is
 * synced once, when the restore's files and links are in place, deepest first so that a new
 * directory's entries are durable before the entry that names it. Thread-safe.
 */
final class DirectorySync {
    /** Makes a directory's entries durable; a seam for tests. */
    interface Fsync {
        void sync(Path directory) throws IOException;
    }

    static final Fsync FSYNC = directory -> {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    };

    private final Fsync fsync;
    private final Set<Path> changed = ConcurrentHashMap.newKeySet();

    DirectorySync(Fsync fsync) {
        this.fsync = fsync;
    }

    /** {@code entry} was just created in, or renamed into, its parent directory. */
    void entryAdded(Path entry) {
        changed.add(entry.getParent());
    }

    /** Syncs every changed directory once; returns how many. */
    int syncAll() throws IOException {
        List<Path> directories = new ArrayList<>(changed);
        directories.sort(Comparator.comparingInt(Path::getNameCount).reversed());
        for (Path directory : directories) {
            try {
                fsync.sync(directory);
            } catch (IOException e) {
                throw new IOException("Cannot sync directory " + directory + ": " + e.getMessage(), e);
            }
        }
        changed.clear();
        return directories.size();
    }
}
