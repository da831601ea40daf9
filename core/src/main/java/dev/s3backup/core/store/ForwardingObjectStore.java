package dev.s3backup.core.store;

import java.io.InputStream;
import java.util.Collection;
import java.util.Optional;

/**
 * Passes every call to the store it wraps; a wrapper extends it and overrides only the calls it
 * changes (sealing bodies, counting requests, throttling, redirecting a commit), so the
 * forwarding is written once.
 */
public abstract class ForwardingObjectStore implements ObjectStore {
    protected final ObjectStore store;

    protected ForwardingObjectStore(ObjectStore store) {
        this.store = store;
    }

    @Override
    public PutOutcome putIfAbsent(String key, Payload payload) {
        return store.putIfAbsent(key, payload);
    }

    @Override
    public long singlePutLimit() {
        return store.singlePutLimit();
    }

    @Override
    public InputStream get(String key) {
        return store.get(key);
    }

    @Override
    public InputStream getRange(String key, long offset, long length) {
        return store.getRange(key, offset, length);
    }

    @Override
    public Optional<ObjectInfo> head(String key) {
        return store.head(key);
    }

    @Override
    public ListPage list(String prefix, String continuation) {
        return store.list(prefix, continuation);
    }

    @Override
    public DeleteResult delete(Collection<String> keys) {
        return store.delete(keys);
    }

    @Override
    public java.time.Instant extendRetention(String key, Retention retention) {
        return store.extendRetention(key, retention);
    }

    @Override
    public String describe() {
        return store.describe();
    }

    @Override
    public long retries() {
        return store.retries();
    }

    @Override
    public void close() {
        store.close();
    }
}
