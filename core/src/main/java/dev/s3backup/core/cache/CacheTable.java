package dev.s3backup.core.cache;

import dev.s3backup.manifest.ChunkRef;
import dev.s3backup.manifest.Sha256;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The hash cache's entries in primitive arrays: a row of 10 longs per file (identity, SHA-256,
 * pack offset, where its chunk list starts), an int per chunk reference, and each distinct chunk
 * once (a pack is shared by thousands of small files). About {@value #BYTES_PER_FILE} bytes per
 * file of one chunk, where a map of objects took ~240. Bounded: once full, a put replaces an
 * entry no lookup or put of this push has touched, or is dropped when every entry was.
 *
 * <p>Not thread-safe; {@link HashCache} serializes access.
 */
final class CacheTable {
    /** Row, chunk reference, index slots (load at most 1/2) and touched bit of a one-chunk file. */
    static final int BYTES_PER_FILE = 10 * 8 + 4 + 2 * 4 + 1;
    private static final int ROW = 10;
    private static final int PAGE_ROWS = 4096;

    private final int maxEntries;
    private final List<long[]> pages = new ArrayList<>();
    private int size;
    /** Row number + 1 per slot, 0 for an empty slot; linear probing. */
    private int[] index = new int[64];
    private long[] touched = new long[1];
    /** Rows not touched: once none is left, a put into the full table gives up at once. */
    private int untouched;
    private int evictCursor;

    /** Chunk references of every row, as numbers into the chunk table. */
    private int[] refs = new int[256];
    private int refCount;
    private final ChunkIds chunks = new ChunkIds();

    CacheTable(long maxEntries) {
        this.maxEntries = (int) Math.min(Integer.MAX_VALUE - 1, Math.max(0, maxEntries));
    }

    int size() {
        return size;
    }

    boolean full() {
        return size >= maxEntries;
    }

    /** After loading: nothing is touched by this push yet. */
    void untouchAll() {
        Arrays.fill(touched, 0);
        untouched = size;
    }

    /** The entry for the identity, marked touched, or null. */
    HashCache.CachedFile get(long device, long inode, long length, long mtime) {
        int row = find(device, inode, length, mtime);
        if (row < 0) {
            return null;
        }
        touch(row);
        return read(row);
    }

    /** Adds or replaces the entry; false when the table is full of entries this push touched. */
    boolean put(long device, long inode, long length, long mtime, Sha256 sha256, List<ChunkRef> chunkList,
                long packOffset) {
        int row = find(device, inode, length, mtime);
        if (row < 0) {
            if (size < maxEntries) {
                row = size++;
                untouched++;
                if (row / PAGE_ROWS == pages.size()) {
                    pages.add(new long[PAGE_ROWS * ROW]);
                }
                if (row / 64 == touched.length) {
                    touched = Arrays.copyOf(touched, touched.length * 2);
                }
            } else {
                row = untouchedRow();
                if (row < 0) {
                    return false;
                }
                unindex(row);
            }
            long[] page = pages.get(row / PAGE_ROWS);
            int at = (row % PAGE_ROWS) * ROW;
            page[at] = device;
            page[at + 1] = inode;
            page[at + 2] = length;
            page[at + 3] = mtime;
            index(row);
        }
        long[] page = pages.get(row / PAGE_ROWS);
        int at = (row % PAGE_ROWS) * ROW;
        ByteBuffer sha = ByteBuffer.wrap(sha256.bytes());
        for (int i = 0; i < 4; i++) {
            page[at + 4 + i] = sha.getLong(i * 8);
        }
        page[at + 8] = packOffset;
        page[at + 9] = (long) refCount << 32 | chunkList.size();
        for (ChunkRef c : chunkList) {
            if (refCount == refs.length) {
                refs = Arrays.copyOf(refs, refs.length * 2);
            }
            refs[refCount++] = chunks.idOf(c);
        }
        touch(row);
        return true;
    }

    /** Visits touched entries first (they survive a reload into a smaller table), then the rest. */
    void forEach(EntryVisitor visitor) throws java.io.IOException {
        for (int pass = 0; pass < 2; pass++) {
            for (int row = 0; row < size; row++) {
                if (isTouched(row) == (pass == 0)) {
                    long[] page = pages.get(row / PAGE_ROWS);
                    int at = (row % PAGE_ROWS) * ROW;
                    visitor.visit(page[at], page[at + 1], page[at + 2], page[at + 3], read(row));
                }
            }
        }
    }

    interface EntryVisitor {
        void visit(long device, long inode, long length, long mtime, HashCache.CachedFile file) throws java.io.IOException;
    }

    void clear() {
        pages.clear();
        size = 0;
        index = new int[64];
        touched = new long[1];
        untouched = 0;
        refs = new int[256];
        refCount = 0;
        chunks.clear();
    }

    private HashCache.CachedFile read(int row) {
        long[] page = pages.get(row / PAGE_ROWS);
        int at = (row % PAGE_ROWS) * ROW;
        ByteBuffer sha = ByteBuffer.allocate(32);
        for (int i = 0; i < 4; i++) {
            sha.putLong(i * 8, page[at + 4 + i]);
        }
        int start = (int) (page[at + 9] >>> 32);
        int count = (int) page[at + 9];
        List<ChunkRef> list = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            list.add(chunks.ref(refs[start + i]));
        }
        return new HashCache.CachedFile(Sha256.of(sha.array()), list, page[at + 8]);
    }

    private void touch(int row) {
        if (!isTouched(row)) {
            touched[row >>> 6] |= 1L << row;
            untouched--;
        }
    }

    private boolean isTouched(int row) {
        return (touched[row >>> 6] & 1L << row) != 0;
    }

    private int untouchedRow() {
        if (untouched == 0) {
            return -1;
        }
        for (int n = 0; n < size; n++) {
            int row = evictCursor;
            evictCursor = (evictCursor + 1) % size;
            if (!isTouched(row)) {
                return row;
            }
        }
        return -1;
    }

    private static int hash(long device, long inode, long length, long mtime) {
        long h = inode * 0x9E3779B97F4A7C15L ^ mtime * 0xC2B2AE3D27D4EB4FL ^ length * 0x165667B19E3779F9L ^ device;
        h ^= h >>> 29;
        return (int) (h ^ h >>> 32);
    }

    private int find(long device, long inode, long length, long mtime) {
        int mask = index.length - 1;
        for (int slot = hash(device, inode, length, mtime) & mask; ; slot = (slot + 1) & mask) {
            int row = index[slot] - 1;
            if (row < 0) {
                return -1;
            }
            long[] page = pages.get(row / PAGE_ROWS);
            int at = (row % PAGE_ROWS) * ROW;
            if (page[at + 1] == inode && page[at + 3] == mtime && page[at + 2] == length && page[at] == device) {
                return row;
            }
        }
    }

    private void index(int row) {
        if (2L * size > index.length) {
            int[] old = index;
            index = new int[old.length * 2];
            for (int r : old) {
                if (r != 0) {
                    place(r - 1);
                }
            }
        }
        place(row);
    }

    private long rowKey(int row, int field) {
        return pages.get(row / PAGE_ROWS)[(row % PAGE_ROWS) * ROW + field];
    }

    private void place(int row) {
        int mask = index.length - 1;
        int slot = hash(rowKey(row, 0), rowKey(row, 1), rowKey(row, 2), rowKey(row, 3)) & mask;
        while (index[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        index[slot] = row + 1;
    }

    /** Removes the row's slot, shifting later slots of its probe run back (no tombstones). */
    private void unindex(int row) {
        int mask = index.length - 1;
        int slot = hash(rowKey(row, 0), rowKey(row, 1), rowKey(row, 2), rowKey(row, 3)) & mask;
        while (index[slot] != row + 1) {
            slot = (slot + 1) & mask;
        }
        int hole = slot;
        for (int next = (hole + 1) & mask; index[next] != 0; next = (next + 1) & mask) {
            int r = index[next] - 1;
            int home = hash(rowKey(r, 0), rowKey(r, 1), rowKey(r, 2), rowKey(r, 3)) & mask;
            // The entry may move into the hole only if its home is not after the hole in its probe run.
            if (((next - home) & mask) >= ((next - hole) & mask)) {
                index[hole] = index[next];
                hole = next;
            }
        }
        index[hole] = 0;
    }

    /** Each distinct chunk reference once, numbered. */
    private static final class ChunkIds {
        private long[] hashes = new long[4 * 64];
        private int[] lengths = new int[64];
        private int count;
        private int[] slots = new int[128];

        int idOf(ChunkRef ref) {
            ByteBuffer b = ByteBuffer.wrap(ref.hash().bytes());
            long a0 = b.getLong(0);
            long a1 = b.getLong(8);
            long a2 = b.getLong(16);
            long a3 = b.getLong(24);
            int mask = slots.length - 1;
            int slot = (int) (a0 ^ a0 >>> 32) & mask;
            for (; slots[slot] != 0; slot = (slot + 1) & mask) {
                int id = slots[slot] - 1;
                if (hashes[4 * id] == a0 && hashes[4 * id + 1] == a1 && hashes[4 * id + 2] == a2
                        && hashes[4 * id + 3] == a3 && lengths[id] == ref.length()) {
                    return id;
                }
            }
            if (count == lengths.length) {
                hashes = Arrays.copyOf(hashes, hashes.length * 2);
                lengths = Arrays.copyOf(lengths, lengths.length * 2);
            }
            int id = count++;
            hashes[4 * id] = a0;
            hashes[4 * id + 1] = a1;
            hashes[4 * id + 2] = a2;
            hashes[4 * id + 3] = a3;
            lengths[id] = ref.length();
            if (2 * count > slots.length) {
                slots = new int[slots.length * 2];
                for (int i = 0; i < count; i++) {
                    placeId(i);
                }
            } else {
                slots[slot] = id + 1;
            }
            return id;
        }

        private void placeId(int id) {
            int mask = slots.length - 1;
            long a0 = hashes[4 * id];
            int slot = (int) (a0 ^ a0 >>> 32) & mask;
            while (slots[slot] != 0) {
                slot = (slot + 1) & mask;
            }
            slots[slot] = id + 1;
        }

        ChunkRef ref(int id) {
            ByteBuffer b = ByteBuffer.allocate(32);
            for (int i = 0; i < 4; i++) {
                b.putLong(i * 8, hashes[4 * id + i]);
            }
            return new ChunkRef(Sha256.of(b.array()), lengths[id]);
        }

        void clear() {
            hashes = new long[4 * 64];
            lengths = new int[64];
            count = 0;
            slots = new int[128];
        }
    }
}
