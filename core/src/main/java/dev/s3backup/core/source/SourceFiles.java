package dev.s3backup.core.source;

import dev.s3backup.manifest.EntryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The files of a scan, compactly: per file its relative path in UTF-8, its size and its type
 * (about {@value #BYTES_PER_FILE} bytes plus the path), where a list of {@link SourceFile}s with
 * their {@link Path}s took ~200. The items are made again on each {@link #get}.
 */
final class SourceFiles extends AbstractList<SourceFile> {
    static final int BYTES_PER_FILE = 8 + 8 + 4 + 1;
    private static final int PAGE = 1 << 16;

    private final List<Source> sources = new ArrayList<>();
    /** The index of the first file of each source, in {@link #sources} order. */
    private int[] sourceStarts = new int[4];
    private final List<byte[]> pages = new ArrayList<>();
    private int pageUsed = PAGE;
    private long[] where = new long[1024];
    private int[] lengths = new int[1024];
    private long[] sizes = new long[1024];
    private byte[] types = new byte[1024];
    private int size;

    /** The files added next are under this source. */
    void startSource(Source source) {
        if (sources.size() == sourceStarts.length) {
            sourceStarts = Arrays.copyOf(sourceStarts, sourceStarts.length * 2);
        }
        sourceStarts[sources.size()] = size;
        sources.add(source);
    }

    @Override
    public boolean add(SourceFile file) {
        if (sources.isEmpty()) {
            throw new IllegalStateException("no source started");
        }
        if (size == sizes.length) {
            int grown = size + (size >> 1);
            where = Arrays.copyOf(where, grown);
            lengths = Arrays.copyOf(lengths, grown);
            sizes = Arrays.copyOf(sizes, grown);
            types = Arrays.copyOf(types, grown);
        }
        byte[] path = file.relativePath().getBytes(StandardCharsets.UTF_8);
        if (PAGE - pageUsed < path.length) {
            pages.add(new byte[Math.max(PAGE, path.length)]);
            pageUsed = 0;
        }
        System.arraycopy(path, 0, pages.get(pages.size() - 1), pageUsed, path.length);
        where[size] = (long) (pages.size() - 1) << 32 | pageUsed;
        pageUsed += path.length;
        lengths[size] = path.length;
        sizes[size] = file.size();
        types[size] = (byte) file.type().ordinal();
        size++;
        return true;
    }

    @Override
    public SourceFile get(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException(index);
        }
        int s = Arrays.binarySearch(sourceStarts, 0, sources.size(), index);
        // Several sources may start at the same index (empty ones): the file belongs to the last.
        if (s < 0) {
            s = -s - 2;
        }
        while (s + 1 < sources.size() && sourceStarts[s + 1] == index) {
            s++;
        }
        Source source = sources.get(s);
        String relative = new String(pages.get((int) (where[index] >>> 32)), (int) where[index], lengths[index],
                StandardCharsets.UTF_8);
        EntryType type = EntryType.values()[types[index]];
        if (source.looseFile()) {
            return new SourceFile("", relative, source.path(), type, sizes[index]);
        }
        return new SourceFile(source.token(), relative, source.path().resolve(relative), type, sizes[index]);
    }

    @Override
    public int size() {
        return size;
    }
}
