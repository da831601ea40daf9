package dev.s3backup.manifest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What changed between two backups, from their manifests alone: entries added, removed, and
 * modified (another content, size, link target, type or mode; a new mtime alone is no change).
 * Content is compared by the entries' hashes: a multi-chunk file's is its whole-file SHA-256 in a
 * version 1 manifest and its chunk list's identity in version 2, so the same file backed up once in
 * each version shows as modified (docs/FORMAT.md, "Manifest format, version 2").
 *
 * <p>Memory is 48 to 96 bytes per entry of the older backup, whatever the paths' lengths: its entries
 * are held as 64-bit hashes of their path and of their content in an open-addressing table, the
 * newer manifest is streamed against it, then the older one is read once more for what was
 * removed. Two different paths sharing a 64-bit hash (odds about n²/2⁶⁵, 3·10⁻⁸ at a million
 * files) would show as one modified entry instead of an added and a removed one.
 */
public final class ManifestDiff {
    public enum Change { ADDED, REMOVED, MODIFIED }

    /**
     * One changed entry.
     *
     * @param sizeBefore bytes of content in the older backup (0 when added, or not a file)
     * @param sizeAfter bytes of content in the newer backup (0 when removed, or not a file)
     */
    public record Difference(Change change, String node, String path, EntryType type, long sizeBefore,
                             long sizeAfter) {
    }

    /** Counts per node and change. */
    public static final class Totals {
        private final java.util.Map<String, long[]> perNode = new java.util.TreeMap<>();

        void add(Difference d) {
            long[] t = perNode.computeIfAbsent(d.node(), k -> new long[6]);
            int i = d.change().ordinal();
            t[2 * i]++;
            t[2 * i + 1] += d.change() == Change.REMOVED ? d.sizeBefore() : d.sizeAfter() - (d.change() == Change.MODIFIED
                    ? d.sizeBefore() : 0);
        }

        /** Node tokens with a change ("" for loose files), sorted. */
        public java.util.Set<String> nodes() {
            return perNode.keySet();
        }

        public long count(String node, Change change) {
            long[] t = perNode.get(node);
            return t == null ? 0 : t[2 * change.ordinal()];
        }

        /**
         * Bytes: added content for ADDED, removed content for REMOVED, and the growth (after minus
         * before, possibly negative) for MODIFIED.
         */
        public long bytes(String node, Change change) {
            long[] t = perNode.get(node);
            return t == null ? 0 : t[2 * change.ordinal() + 1];
        }

        public long count(Change change) {
            return perNode.keySet().stream().mapToLong(n -> count(n, change)).sum();
        }

        public long bytes(Change change) {
            return perNode.keySet().stream().mapToLong(n -> bytes(n, change)).sum();
        }
    }

    private ManifestDiff() {
    }

    /**
     * Streams the differences from {@code older} to {@code newer} to {@code out}: first the added
     * and modified entries in the newer manifest's order, then the removed ones in the older's.
     *
     * @param older opens the older manifest; called twice
     * @param newer opens the newer manifest; called once
     */
    public static Totals diff(Supplier<ManifestReader> older, Supplier<ManifestReader> newer, Consumer<Difference> out) {
        Table table = new Table();
        forEach(older, table::add);
        BitSet seen = new BitSet(table.capacity());
        Totals totals = new Totals();
        Consumer<Difference> emit = d -> {
            totals.add(d);
            out.accept(d);
        };
        forEach(newer, e -> {
            int slot = table.find(pathHash(e));
            if (slot < 0) {
                emit.accept(new Difference(Change.ADDED, e.node(), e.path(), e.type(), 0, e.size()));
                return;
            }
            seen.set(slot);
            if (table.content[slot] != contentHash(e)) {
                emit.accept(new Difference(Change.MODIFIED, e.node(), e.path(), e.type(), table.size[slot], e.size()));
            }
        });
        forEach(older, e -> {
            int slot = table.find(pathHash(e));
            if (slot >= 0 && !seen.get(slot)) {
                seen.set(slot); // an entry listed twice is reported once
                emit.accept(new Difference(Change.REMOVED, e.node(), e.path(), e.type(), e.size(), 0));
            }
        });
        return totals;
    }

    private static void forEach(Supplier<ManifestReader> open, Consumer<Entry> action) {
        try (ManifestReader reader = open.get()) {
            for (Entry e = reader.next(); e != null; e = reader.next()) {
                action.accept(e);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long pathHash(Entry e) {
        long h = fnv(FNV_OFFSET, e.node());
        h = (h ^ 0) * FNV_PRIME;
        return mix(fnv(h, e.path()));
    }

    /** What makes an entry "the same": type, mode, size, content hash or link target; not its mtime. */
    static long contentHash(Entry e) {
        long h = FNV_OFFSET;
        h = (h ^ e.type().ordinal()) * FNV_PRIME;
        h = (h ^ e.mode()) * FNV_PRIME;
        h = (h ^ e.size()) * FNV_PRIME;
        if (e.sha256() != null) {
            for (byte b : e.sha256().bytes()) {
                h = (h ^ (b & 0xff)) * FNV_PRIME;
            }
        }
        if (e.linkTarget() != null) {
            h = fnv(h, e.linkTarget());
        }
        return mix(h);
    }

    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private static long fnv(long h, String s) {
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * FNV_PRIME;
        }
        return h;
    }

    /** A finalizer so that nearby hashes spread over the table (splitmix64's). */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** Path hash to content hash and size, open addressing with linear probing; 0 marks a free slot. */
    private static final class Table {
        private long[] keys = new long[1024];
        long[] content = new long[1024];
        long[] size = new long[1024];
        private int used;

        int capacity() {
            return keys.length;
        }

        void add(Entry e) {
            if (2 * (used + 1) > keys.length) {
                grow();
            }
            long key = nonZero(pathHash(e));
            int slot = slotOf(key);
            if (keys[slot] == 0) {
                keys[slot] = key;
                used++;
            }
            content[slot] = contentHash(e);
            size[slot] = e.size();
        }

        int find(long hash) {
            long key = nonZero(hash);
            int slot = slotOf(key);
            return keys[slot] == key ? slot : -1;
        }

        private int slotOf(long key) {
            int mask = keys.length - 1;
            int slot = (int) key & mask;
            while (keys[slot] != 0 && keys[slot] != key) {
                slot = (slot + 1) & mask;
            }
            return slot;
        }

        private void grow() {
            long[] oldKeys = keys;
            long[] oldContent = content;
            long[] oldSize = size;
            keys = new long[oldKeys.length * 2];
            content = new long[keys.length];
            size = new long[keys.length];
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldKeys[i] != 0) {
                    int slot = slotOf(oldKeys[i]);
                    keys[slot] = oldKeys[i];
                    content[slot] = oldContent[i];
                    size[slot] = oldSize[i];
                }
            }
        }

        private static long nonZero(long hash) {
            return hash == 0 ? 1 : hash;
        }
    }
}
