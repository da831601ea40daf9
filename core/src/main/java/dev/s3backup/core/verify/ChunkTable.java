package dev.s3backup.core.verify;

import dev.s3backup.manifest.Sha256;
import java.nio.ByteBuffer;

/**
 * Every distinct chunk the verified backups reference, with the length the manifests give it and
 * what verification found, in flat arrays: 37 bytes per slot at most 75 % full (49 to 99 bytes
 * per chunk) instead of the ~130 of a {@code HashMap<Sha256, ...>}, which matters at millions of
 * chunks.
 *
 * <p>Not thread-safe for inserts. Once filled, distinct slots may be flagged from different
 * threads (each listed key belongs to exactly one slot, and a byte write never tears).
 */
final class ChunkTable {
    static final byte USED = 1;
    /** Seen in the listing with the expected size. */
    static final byte PRESENT = 1 << 1;
    /** Seen in the listing with another size. */
    static final byte WRONG_SIZE = 1 << 2;
    /** Two manifests give it different lengths. */
    static final byte CONFLICT = 1 << 3;
    /** Read-verified within --max-age by an earlier run (from the verification log). */
    static final byte RECENT = 1 << 4;
    /** Chosen to be read in this run. */
    static final byte SELECTED = 1 << 5;
    /** Downloaded and re-hashed in this run, and correct. */
    static final byte READ_OK = 1 << 6;
    /** Failed in some way: its problem is recorded by the verifier. */
    static final byte BAD = (byte) 0x80;

    /** 2^28 slots: 10 GB of arrays, 200 million chunks; a long[] cannot hold 4 longs for 2^29. */
    private static final int MAX_CAPACITY = 1 << 28;

    private long[] keys;
    private int[] lengths;
    private byte[] flags;
    private int size;
    private int mask;

    ChunkTable() {
        allocate(1 << 10);
    }

    int size() {
        return size;
    }

    /** Slots, including empty ones: iterate 0..capacity() and skip slots without {@link #USED}. */
    int capacity() {
        return flags.length;
    }

    /**
     * Records a reference. Returns false when the chunk was already known with another length
     * (it is then flagged {@link #CONFLICT}; the first length is kept).
     */
    boolean add(Sha256 hash, int length) {
        if (size + 1 > maxSize(flags.length)) {
            resize(flags.length * 2);
        }
        ByteBuffer b = ByteBuffer.wrap(hash.bytes());
        long k0 = b.getLong();
        long k1 = b.getLong();
        long k2 = b.getLong();
        long k3 = b.getLong();
        int slot = find(k0, k1, k2, k3);
        if (flags[slot] != 0) {
            if (lengths[slot] != length) {
                flags[slot] |= CONFLICT;
                return false;
            }
            return true;
        }
        keys[4 * slot] = k0;
        keys[4 * slot + 1] = k1;
        keys[4 * slot + 2] = k2;
        keys[4 * slot + 3] = k3;
        lengths[slot] = length;
        flags[slot] = USED;
        size++;
        return true;
    }

    /**
     * Makes room for {@code chunks} distinct chunks at once, so that a table sized from a
     * manifest's totals never doubles (which needs the old and the new arrays together).
     */
    void ensureCapacity(long chunks) {
        int capacity = flags.length;
        while (maxSize(capacity) < chunks && capacity < MAX_CAPACITY) {
            capacity *= 2;
        }
        if (capacity > flags.length) {
            resize(capacity);
        }
    }

    private static long maxSize(int capacity) {
        return capacity * 3L / 4;
    }

    /** The slot of the chunk whose 32 hash bytes these are, or -1 when it is not referenced. */
    int slotOf(byte[] hash) {
        ByteBuffer b = ByteBuffer.wrap(hash);
        int slot = find(b.getLong(), b.getLong(), b.getLong(), b.getLong());
        return flags[slot] == 0 ? -1 : slot;
    }

    int slotOf(Sha256 hash) {
        return slotOf(hash.bytes());
    }

    boolean used(int slot) {
        return (flags[slot] & USED) != 0;
    }

    boolean has(int slot, byte flag) {
        return (flags[slot] & flag) != 0;
    }

    void set(int slot, byte flag) {
        flags[slot] |= flag;
    }

    int length(int slot) {
        return lengths[slot];
    }

    Sha256 hash(int slot) {
        ByteBuffer b = ByteBuffer.allocate(Sha256.BYTES);
        for (int i = 0; i < 4; i++) {
            b.putLong(keys[4 * slot + i]);
        }
        return Sha256.of(b.array());
    }

    /**
     * Where the chunk sits on the ring the rotating sample walks: its first 8 hash bytes read as
     * an unsigned number. Hashes are uniform, so any arc of the ring holds its share of chunks.
     */
    long position(int slot) {
        return keys[4 * slot];
    }

    static long position(Sha256 hash) {
        return ByteBuffer.wrap(hash.bytes()).getLong();
    }

    private int find(long k0, long k1, long k2, long k3) {
        // The hash is uniform: mixing its second word is enough to spread slots.
        int slot = (int) (k1 ^ (k1 >>> 32)) & mask;
        while (flags[slot] != 0) {
            int base = 4 * slot;
            if (keys[base] == k0 && keys[base + 1] == k1 && keys[base + 2] == k2 && keys[base + 3] == k3) {
                return slot;
            }
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    private void allocate(int capacity) {
        keys = new long[4 * capacity];
        lengths = new int[capacity];
        flags = new byte[capacity];
        mask = capacity - 1;
    }

    private void resize(int capacity) {
        long[] oldKeys = keys;
        int[] oldLengths = lengths;
        byte[] oldFlags = flags;
        if (capacity > MAX_CAPACITY) {
            throw new IllegalStateException("Cannot verify more than " + maxSize(MAX_CAPACITY) + " distinct chunks at once");
        }
        allocate(capacity);
        for (int i = 0; i < oldFlags.length; i++) {
            if (oldFlags[i] != 0) {
                int slot = find(oldKeys[4 * i], oldKeys[4 * i + 1], oldKeys[4 * i + 2], oldKeys[4 * i + 3]);
                System.arraycopy(oldKeys, 4 * i, keys, 4 * slot, 4);
                lengths[slot] = oldLengths[i];
                flags[slot] = oldFlags[i];
            }
        }
    }
}
