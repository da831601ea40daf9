package dev.s3backup.manifest;

/**
 * Counts over all entries of a backup, written after the entries so a writer can stream.
 *
 * @param bytes logical size: the sum of file sizes
 * @param chunkRefs number of chunk references (a chunk used twice counts twice)
 */
public record Totals(long files, long directories, long symlinks, long bytes, long chunkRefs) {
    public static final Totals ZERO = new Totals(0, 0, 0, 0, 0);

    public Totals plus(Entry e) {
        return switch (e.type()) {
            case FILE -> new Totals(files + 1, directories, symlinks, bytes + e.size(), chunkRefs + e.chunks().size());
            case DIRECTORY -> new Totals(files, directories + 1, symlinks, bytes, chunkRefs);
            case SYMLINK -> new Totals(files, directories, symlinks + 1, bytes, chunkRefs);
        };
    }
}
