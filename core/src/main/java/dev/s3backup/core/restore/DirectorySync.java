package dev.s3backup.core.restore;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The directories a restore created an entry in or renamed a file into. A rename or a new entry
 * is durable only once its directory is synced: without it, a power cut after a restore that
 * reported success can leave files under their temporary names, or missing. Each directory is
 * synced once, when the restore's files and links are in place; the restore reports success only
 * after every sync returned, so their order does not matter, and they run in parallel: the file
 * system commits concurrent syncs together (2,000 directories: 4.2 s one by one, 0.25 s on 8
 * threads, ext4 on a virtual disk). Thread-safe.
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

    /** The directories changed so far (a copy). */
    Set<Path> changed() {
        return Set.copyOf(changed);
    }

    /** Syncs every changed directory once, {@code threads} at a time; returns how many. */
    int syncAll(int threads) throws IOException {
        List<Path> directories = new ArrayList<>(changed);
        changed.clear();
        if (directories.size() <= 1 || threads == 1) {
            for (Path directory : directories) {
                sync(directory);
            }
            return directories.size();
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, directories.size()));
        try {
            List<Future<?>> syncs = new ArrayList<>();
            for (Path directory : directories) {
                syncs.add(pool.submit(() -> {
                    sync(directory);
                    return null;
                }));
            }
            for (Future<?> s : syncs) {
                s.get();
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException("Cannot sync the restored directories: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Cannot sync the restored directories: interrupted", e);
        } finally {
            pool.shutdownNow();
        }
        return directories.size();
    }

    private void sync(Path directory) throws IOException {
        try {
            fsync.sync(directory);
        } catch (IOException e) {
            throw new IOException("Cannot sync directory " + directory + ": " + e.getMessage(), e);
        }
    }
}
