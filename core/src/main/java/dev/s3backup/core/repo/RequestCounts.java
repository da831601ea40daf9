package dev.s3backup.core.repo;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Requests sent to the store by one command, by type, so every summary can show what the run
 * will cost on a request-billed store. A batched delete counts once per batch of 1,000 keys.
 * Retries (requests the store repeated after a transient failure, see
 * {@link dev.s3backup.core.store.ObjectStore#retries()}) are counted apart: each is billed too.
 */
public final class RequestCounts {
    private final LongSupplier storeRetries;
    private final long retriesBefore;
    private final LongAdder put = new LongAdder();
    private final LongAdder get = new LongAdder();
    private final LongAdder head = new LongAdder();
    private final LongAdder list = new LongAdder();
    private final LongAdder delete = new LongAdder();

    /** @param storeRetries the store's running retry count; only what happens from now on is counted */
    RequestCounts(LongSupplier storeRetries) {
        this.storeRetries = storeRetries;
        this.retriesBefore = storeRetries.getAsLong();
    }

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
        return new Snapshot(put.sum(), get.sum(), head.sum(), list.sum(), delete.sum(),
                storeRetries.getAsLong() - retriesBefore);
    }

    /** Counts at one moment; {@code retries} are not part of the other counts or the total. */
    public record Snapshot(long put, long get, long head, long list, long delete, long retries) {
        public long total() {
            return put + get + head + list + delete;
        }

        @Override
        public String toString() {
            return "PUT " + put + ", HEAD " + head + ", LIST " + list + ", GET " + get + ", DELETE " + delete
                    + "; retries: " + retries;
        }
    }
}
