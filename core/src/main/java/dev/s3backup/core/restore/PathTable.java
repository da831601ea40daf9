package dev.s3backup.core.restore;

import dev.s3backup.manifest.EntryType;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * Every destination of a backup with its type, for restore's safety checks: the paths in UTF-8 in
 * pages, a long and a byte per path and an int slot (load at most 3/4): about
 * {@value #BYTES_PER_PATH} bytes plus the path, where a {@code HashMap<String, EntryType>} took
 * ~90 plus twice the path. Entries are added, never removed. Not thread-safe.
 */
final class PathTable extends AbstractMap<String, EntryType> {
    static final int BYTES_PER_PATH = 8 + 1 + 6;
    private static final int PAGE = 1 << 16;
    private static final EntryType[] TYPES = EntryType.values();

    private final List<byte[]> pages = new ArrayList<>();
    private int pageUsed = PAGE;
    /** Page (high 24 bits), offset in it (20 bits) and length (20 bits) of each path. */
    private long[] where = new long[1024];
    private byte[] types = new byte[1024];
    private int size;
    /** Path number + 1 per slot, 0 for empty; linear probing. */
    private int[] slots = new int[1024];

    @Override
    public int size() {
        return size;
    }

    @Override
    public boolean containsKey(Object key) {
        return key instanceof String s && find(s.getBytes(StandardCharsets.UTF_8)) >= 0;
    }

    @Override
    public EntryType get(Object key) {
        if (!(key instanceof String s)) {
            return null;
        }
        int i = find(s.getBytes(StandardCharsets.UTF_8));
        return i < 0 ? null : TYPES[types[i]];
    }

    @Override
    public EntryType putIfAbsent(String key, EntryType type) {
        byte[] path = key.getBytes(StandardCharsets.UTF_8);
        int i = find(path);
        if (i >= 0) {
            return TYPES[types[i]];
        }
        add(path, type);
        return null;
    }

    @Override
    public EntryType put(String key, EntryType type) {
        byte[] path = key.getBytes(StandardCharsets.UTF_8);
        int i = find(path);
        if (i >= 0) {
            EntryType old = TYPES[types[i]];
            types[i] = (byte) type.ordinal();
            return old;
        }
        add(path, type);
        return null;
    }

    private void add(byte[] path, EntryType type) {
        if (path.length >= 1 << 20) {
            throw new IllegalArgumentException("a path of " + path.length + " bytes is too long to restore");
        }
        if (size == where.length) {
            where = Arrays.copyOf(where, size + (size >> 1));
            types = Arrays.copyOf(types, where.length);
        }
        if (PAGE - pageUsed < path.length) {
            pages.add(new byte[Math.max(PAGE, path.length)]);
            pageUsed = 0;
        }
        System.arraycopy(path, 0, pages.get(pages.size() - 1), pageUsed, path.length);
        where[size] = (long) (pages.size() - 1) << 40 | (long) pageUsed << 20 | path.length;
        pageUsed += path.length;
        types[size] = (byte) type.ordinal();
        int index = size++;
        if (4L * size > 3L * slots.length) {
            slots = new int[slots.length * 2];
            for (int i = 0; i < size; i++) {
                place(i);
            }
        } else {
            place(index);
        }
    }

    private int find(byte[] path) {
        int mask = slots.length - 1;
        for (int slot = Arrays.hashCode(path) * 0x9E3779B9 >>> 8 & mask; slots[slot] != 0; slot = (slot + 1) & mask) {
            int i = slots[slot] - 1;
            long w = where[i];
            int length = (int) (w & 0xFFFFF);
            int offset = (int) (w >>> 20 & 0xFFFFF);
            if (length == path.length
                    && Arrays.equals(pages.get((int) (w >>> 40)), offset, offset + length, path, 0, length)) {
                return i;
            }
        }
        return -1;
    }

    private void place(int i) {
        int mask = slots.length - 1;
        int slot = hashOf(i) * 0x9E3779B9 >>> 8 & mask;
        while (slots[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        slots[slot] = i + 1;
    }

    /** {@link Arrays#hashCode(byte[])} of the stored path, without copying it. */
    private int hashOf(int i) {
        long w = where[i];
        byte[] page = pages.get((int) (w >>> 40));
        int offset = (int) (w >>> 20 & 0xFFFFF);
        int h = 1;
        for (int k = offset, end = offset + (int) (w & 0xFFFFF); k < end; k++) {
            h = 31 * h + page[k];
        }
        return h;
    }

    private String path(int i) {
        long w = where[i];
        return new String(pages.get((int) (w >>> 40)), (int) (w >>> 20 & 0xFFFFF), (int) (w & 0xFFFFF),
                StandardCharsets.UTF_8);
    }

    @Override
    public Set<Map.Entry<String, EntryType>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public int size() {
                return size;
            }

            @Override
            public Iterator<Map.Entry<String, EntryType>> iterator() {
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < size;
                    }

                    @Override
                    public Map.Entry<String, EntryType> next() {
                        if (next >= size) {
                            throw new NoSuchElementException();
                        }
                        int i = next++;
                        return Map.entry(path(i), TYPES[types[i]]);
                    }
                };
            }
        };
    }
}
