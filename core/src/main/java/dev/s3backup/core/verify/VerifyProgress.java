package dev.s3backup.core.verify;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/** Live counters of a running verification, safe to poll from another thread. */
public final class VerifyProgress {
    final AtomicReference<String> phase = new AtomicReference<>("starting");
    final AtomicLong manifestsTotal = new AtomicLong();
    final LongAdder manifestsRead = new LongAdder();
    final LongAdder chunksListed = new LongAdder();
    final AtomicLong chunksToRead = new AtomicLong();
    final LongAdder chunksRead = new LongAdder();
    final LongAdder bytesRead = new LongAdder();

    /** "reading manifests", "listing chunks", "reading chunks", "writing log". */
    public String phase() {
        return phase.get();
    }

    public long manifestsTotal() {
        return manifestsTotal.get();
    }

    public long manifestsRead() {
        return manifestsRead.sum();
    }

    public long chunksListed() {
        return chunksListed.sum();
    }

    public long chunksToRead() {
        return chunksToRead.get();
    }

    public long chunksRead() {
        return chunksRead.sum();
    }

    public long bytesRead() {
        return bytesRead.sum();
    }
}
