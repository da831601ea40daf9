package dev.s3backup.core.repo;

import dev.s3backup.core.store.DeleteResult;
import dev.s3backup.core.store.ForwardingObjectStore;
import dev.s3backup.core.store.ListPage;
import dev.s3backup.core.store.ObjectInfo;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.Payload;
import java.io.InputStream;
import java.util.Collection;
import java.util.Optional;

/** Counts the requests each call makes on the store underneath. */
final class CountingObjectStore extends ForwardingObjectStore {
    private static final int DELETE_BATCH = 1000;
    private final RequestCounts counts;

    CountingObjectStore(ObjectStore store, RequestCounts counts) {
        super(store);
        this.counts = counts;
    }

    @Override
    public PutOutcome putIfAbsent(String key, Payload payload) {
        counts.countPut();
        return store.putIfAbsent(key, payload);
    }

    @Override
    public InputStream get(String key) {
        counts.countGet();
        return store.get(key);
    }

    @Override
    public InputStream getRange(String key, long offset, long length) {
        counts.countGet();
        return store.getRange(key, offset, length);
    }

    @Override
    public Optional<ObjectInfo> head(String key) {
        counts.countHead();
        return store.head(key);
    }

    @Override
    public ListPage list(String prefix, String continuation) {
        counts.countList();
        return store.list(prefix, continuation);
    }

    @Override
    public DeleteResult delete(Collection<String> keys) {
        counts.countDelete((keys.size() + DELETE_BATCH - 1) / DELETE_BATCH);
        DeleteResult result = store.delete(keys);
        for (int i = 0; i < result.lookups(); i++) {
            counts.countHead();
        }
        return result;
    }

    /** PutObjectRetention is billed as a PUT-class request. */
    @Override
    public java.time.Instant extendRetention(String key, dev.s3backup.core.store.Retention retention) {
        counts.countPut();
        return store.extendRetention(key, retention);
    }
}
