package dev.s3backup.core.repo;

import java.util.concurrent.atomic.LongAdder;

/**
 * Requests sent to the store by one command, by type, so every summary can show what the run
 * will cost on a request-billed store. A batched delete counts once per batch of 1,000 keys.
 */
public final class RequestCounts {
    private final LongAdder put = new LongAdder();
    private final LongAdder get = new LongAdder();
    private final LongAdder head = new LongAdder();
    private final LongAdder list = new LongAdder();
    private final LongAdder delete = new LongAdder();

    void countPut() {
        put.increment();
    }

    void countGet() {
        get.increment();
    }

    void countHead() {
        head.increment();
    }

    void countList() {
        list.increment();
    }

    void countDelete(int batches) {
        delete.add(batches);
    }

    public Snapshot snapshot() {
        return new Snapshot(put.sum(), get.sum(), head.sum(), list.sum(), delete.sum());
    }

    /** Counts at one moment. */
    public record Snapshot(long put, long get, long head, long list, long delete) {
        public long total() {
            return put + get + head + list + delete;
        }

        @Override
        public String toString() {
            return "PUT " + put + ", HEAD " + head + ", LIST " + list + ", GET " + get + ", DELETE " + delete;
        }
    }
}
