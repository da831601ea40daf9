package dev.s3backup.core.push;

import dev.s3backup.manifest.Entry;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * The files between the scan and the manifest writer: added in scan order, taken in that order
 * as their entries complete (read, and every new chunk or pack stored). Bounded by bytes, so
 * reading runs ahead of the writer by a pack or two while earlier packs upload: each file
 * counts its size, at least {@link #MIN_CHARGE} (the memory of a waiting entry, so the bound is a
 * generous count of tiny files too) and at most one chunk (what a large file can hold of the
 * buffer pool at once, so large files are still read in parallel). The first file always fits.
 *
 * <p>A pack is sealed when full (by the packer) or when the files that feed it are all read:
 * when the writer waits for the oldest entry and no read is in progress, no file can join the
 * open pack until the window moves, so it is sealed then. Never on a timer. Used by one thread
 * (the push's); the futures complete on others.
 */
final class EntryWindow {
    /** Per waiting entry: its objects and the future's, rounded up (docs/DECISIONS.md §1). */
    static final int MIN_CHARGE = 1024;

    private record Held(long charge, CompletableFuture<Entry> entry) {
    }

    private final long capacity;
    private final int chunkSize;
    private final Runnable sealOpenPack;
    private final Deque<Held> held = new ArrayDeque<>();
    private final Object changes = new Object();
    private long charged;
    /** Reads submitted and not finished; guarded by {@link #changes}. */
    private int reading;
    /** The entry the writer waits for, else null; guarded by {@link #changes}. */
    private CompletableFuture<Entry> awaited;

    /**
     * @param capacity bytes of files held at once (as counted above)
     * @param sealOpenPack seals the pack being filled, if any; called on the writer's thread
     */
    EntryWindow(long capacity, int chunkSize, Runnable sealOpenPack) {
        if (capacity < 1 || chunkSize < 1) {
            throw new IllegalArgumentException("capacity and chunk size must be > 0: " + capacity + ", " + chunkSize);
        }
        this.capacity = capacity;
        this.chunkSize = chunkSize;
        this.sealOpenPack = sealOpenPack;
    }

    /** Whether a file of {@code size} bytes may be added now; if not, take the oldest entry first. */
    boolean admits(long size) {
        return held.isEmpty() || charged + charge(size) <= capacity;
    }

    boolean isEmpty() {
        return held.isEmpty();
    }

    /**
     * Adds a file. {@code read} completes when the file is read (its bytes hashed and queued for
     * upload or packed) with the future of its entry.
     */
    void add(long size, CompletableFuture<CompletableFuture<Entry>> read) {
        synchronized (changes) {
            reading++;
        }
        // Wakes the writer only for what it waits on: 200,000 files woke it 400,000 times.
        read.whenComplete((r, e) -> {
            synchronized (changes) {
                if (--reading == 0 && awaited != null) {
                    changes.notifyAll();
                }
            }
        });
        CompletableFuture<Entry> entry = read.thenCompose(Function.identity());
        entry.whenComplete((r, e) -> {
            synchronized (changes) {
                if (awaited == entry) {
                    changes.notifyAll();
                }
            }
        });
        long charge = charge(size);
        held.add(new Held(charge, entry));
        charged += charge;
    }

    /**
     * Waits for the oldest entry and removes it; a failed file's exception is rethrown as it was
     * thrown (a {@code BackupException} stays one).
     */
    Entry takeOldest() throws InterruptedException {
        Held oldest = held.poll();
        if (oldest == null) {
            throw new IllegalStateException("no entry to take");
        }
        charged -= oldest.charge();
        boolean sealed = false;
        while (true) {
            boolean seal;
            synchronized (changes) {
                if (oldest.entry().isDone()) {
                    awaited = null;
                    break;
                }
                seal = !sealed && reading == 0;
                if (!seal) {
                    awaited = oldest.entry();
                    changes.wait();
                }
            }
            if (seal) {
                // Outside the lock: sealing may complete futures whose callbacks take it.
                sealOpenPack.run();
                sealed = true;
            }
        }
        try {
            return oldest.entry().join();
        } catch (CompletionException e) {
            throw Push.unwrap(e.getCause());
        }
    }

    private long charge(long size) {
        return Math.min(Math.max(size, MIN_CHARGE), chunkSize);
    }
}
