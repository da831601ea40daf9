package dev.s3backup.core.restore;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Live counters of a running restore, safe to poll from another thread. */
public final class RestoreProgress {
    final AtomicLong totalBytes = new AtomicLong(-1);
    final AtomicLong totalFiles = new AtomicLong(-1);
    final LongAdder bytesWritten = new LongAdder();
    final LongAdder filesDone = new LongAdder();

    /** Bytes to restore, or -1 while the manifest is still being checked. */
    public long totalBytes() {
        return totalBytes.get();
    }

    public long totalFiles() {
        return totalFiles.get();
    }

    public long bytesWritten() {
        return bytesWritten.sum();
    }

    public long filesDone() {
        return filesDone.sum();
    }
}
