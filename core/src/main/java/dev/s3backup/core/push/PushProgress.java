package dev.s3backup.core.push;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Live counters of a running push, safe to poll from another thread (the CLI's progress line). */
public final class PushProgress {
    final AtomicLong totalFiles = new AtomicLong(-1);
    final AtomicLong totalBytes = new AtomicLong(-1);
    final LongAdder filesDone = new LongAdder();
    final LongAdder bytesScanned = new LongAdder();
    final LongAdder bytesUploaded = new LongAdder();
    final LongAdder bytesCached = new LongAdder();

    /** Files to read, or -1 while the sources are still being scanned. */
    public long totalFiles() {
        return totalFiles.get();
    }

    /** Bytes to read, or -1 while the sources are still being scanned. */
    public long totalBytes() {
        return totalBytes.get();
    }

    public long filesDone() {
        return filesDone.sum();
    }

    public long bytesScanned() {
        return bytesScanned.sum();
    }

    /** Bytes of files the hash cache knew, so they were not read. */
    public long bytesCached() {
        return bytesCached.sum();
    }

    public long bytesUploaded() {
        return bytesUploaded.sum();
    }
}
