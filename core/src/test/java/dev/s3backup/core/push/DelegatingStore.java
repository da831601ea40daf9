package dev.s3backup.core.push;

import dev.s3backup.core.store.DeleteResult;
import dev.s3backup.core.store.ListPage;
import dev.s3backup.core.store.ObjectInfo;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.Payload;
import java.io.InputStream;
import java.util.Collection;
import java.util.Optional;

/** Passes every call to another store; tests override the calls they want to break or watch. */
public class DelegatingStore implements ObjectStore {
    protected final ObjectStore delegate;

    public DelegatingStore(ObjectStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public PutOutcome putIfAbsent(String key, Payload payload) {
        return delegate.putIfAbsent(key, payload);
    }

    @Override
    public InputStream get(String key) {
        return delegate.get(key);
    }

    @Override
    public InputStream getRange(String key, long offset, long length) {
        return delegate.getRange(key, offset, length);
    }

    @Override
    public Optional<ObjectInfo> head(String key) {
        return delegate.head(key);
    }

    @Override
    public ListPage list(String prefix, String continuation) {
        return delegate.list(prefix, continuation);
    }

    @Override
    public DeleteResult delete(Collection<String> keys) {
        return delegate.delete(keys);
    }

    @Override
    public java.time.Instant extendRetention(String key, dev.s3backup.core.store.Retention retention) {
        return delegate.extendRetention(key, retention);
    }

    @Override
    public String describe() {
        return delegate.describe();
    }
}
