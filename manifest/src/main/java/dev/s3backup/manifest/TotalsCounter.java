package dev.s3backup.manifest;

/** Mutable running totals; exact arithmetic so a hostile manifest cannot wrap a count around. */
final class TotalsCounter {
    private long files;
    private long directories;
    private long symlinks;
    private long bytes;
    private long chunkRefs;

    void add(Entry e) {
        switch (e.type()) {
            case FILE -> {
                files++;
                bytes = Math.addExact(bytes, e.size());
                chunkRefs += e.chunks().size();
            }
            case DIRECTORY -> directories++;
            case SYMLINK -> symlinks++;
        }
    }

    long entries() {
        return files + directories + symlinks;
    }

    Totals toTotals() {
        return new Totals(files, directories, symlinks, bytes, chunkRefs);
    }
}
