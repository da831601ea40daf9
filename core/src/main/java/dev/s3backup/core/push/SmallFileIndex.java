package dev.s3backup.core.push;

import dev.s3backup.manifest.ChunkRef;
import dev.s3backup.manifest.Sha256;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the content of each small file already stored lives: SHA-256 to a slice of a pack. Five
 * longs per file in pages and an int slot (load at most 3/4), ~{@value #BYTES_PER_FILE} bytes per
 * file where a {@code HashMap<Sha256, ...>} of objects took ~250; each pack is held once. Safe
 * for many threads.
 */
final class SmallFileIndex {
    static final int BYTES_PER_FILE = 5 * 8 + 8;
    private static final int RECORD = 5;
    private static final int PAGE_RECORDS = 8192;

    private final List<ChunkRef> packs = new ArrayList<>();
    private final Map<ChunkRef, Integer> packIds = new HashMap<>();
    private final List<long[]> pages = new ArrayList<>();
    private int size;
    /** Record number + 1 per slot, 0 for empty; linear probing. */
    private int[] slots = new int[1024];

    /** Where a small file's bytes are stored: a slice of a pack. */
    record Slice(ChunkRef pack, long offset) {
    }

    synchronized int size() {
        return size;
    }

    /** Remembers where content lives; content already known keeps its first place. */
    synchronized void add(Sha256 content, ChunkRef pack, long offset) {
        if (offset < 0 || offset > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a slice offset must fit a pack: " + offset);
        }
        long[] key = words(content);
        if (find(key) >= 0) {
            return;
        }
        Integer packId = packIds.get(pack);
        if (packId == null) {
            packId = packs.size();
            packs.add(pack);
            packIds.put(pack, packId);
        }
        if (size == pages.size() * PAGE_RECORDS) {
            pages.add(new long[PAGE_RECORDS * RECORD]);
        }
        int record = size++;
        long[] page = pages.get(record / PAGE_RECORDS);
        int at = (record % PAGE_RECORDS) * RECORD;
        System.arraycopy(key, 0, page, at, 4);
        page[at + 4] = (long) packId << 32 | offset;
        if (4L * size > 3L * slots.length) {
            slots = new int[slots.length * 2];
            for (int r = 0; r < size; r++) {
                place(r);
            }
        } else {
            place(record);
        }
    }

    /** The slice holding this content, or null. */
    synchronized Slice get(Sha256 content) {
        int record = find(words(content));
        if (record < 0) {
            return null;
        }
        long value = pages.get(record / PAGE_RECORDS)[(record % PAGE_RECORDS) * RECORD + 4];
        return new Slice(packs.get((int) (value >>> 32)), (int) value);
    }

    private static long[] words(Sha256 content) {
        ByteBuffer b = ByteBuffer.wrap(content.bytes());
        return new long[] {b.getLong(0), b.getLong(8), b.getLong(16), b.getLong(24)};
    }

    private int find(long[] key) {
        int mask = slots.length - 1;
        for (int slot = home(key[0], mask); slots[slot] != 0; slot = (slot + 1) & mask) {
            int record = slots[slot] - 1;
            long[] page = pages.get(record / PAGE_RECORDS);
            int at = (record % PAGE_RECORDS) * RECORD;
            if (Arrays.equals(page, at, at + 4, key, 0, 4)) {
                return record;
            }
        }
        return -1;
    }

    private void place(int record) {
        int mask = slots.length - 1;
        long first = pages.get(record / PAGE_RECORDS)[(record % PAGE_RECORDS) * RECORD];
        int slot = home(first, mask);
        while (slots[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        slots[slot] = record + 1;
    }

    private static int home(long first, int mask) {
        // A digest is uniformly distributed already; fold the high bits in.
        return (int) (first ^ first >>> 32) & mask;
    }
}
