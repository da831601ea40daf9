package dev.s3backup.core.limit;

import dev.s3backup.core.store.DeleteResult;
import dev.s3backup.core.store.ForwardingObjectStore;
import dev.s3backup.core.store.ListPage;
import dev.s3backup.core.store.ObjectInfo;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.Payload;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.Optional;

/** Holds a store to upload, download and request-rate limits, whatever command uses it. */
public final class ThrottledObjectStore extends ForwardingObjectStore {
    private final RateLimiter upload;
    private final RateLimiter download;
    private final RateLimiter requests;

    private ThrottledObjectStore(ObjectStore store, Limits limits) {
        super(store);
        this.upload = limits.uploadBytesPerSecond() > 0 ? new RateLimiter(limits.uploadBytesPerSecond()) : null;
        this.download = limits.downloadBytesPerSecond() > 0 ? new RateLimiter(limits.downloadBytesPerSecond()) : null;
        this.requests = limits.requestsPerSecond() > 0 ? new RateLimiter(limits.requestsPerSecond()) : null;
    }

    /** The store itself when there is no limit, so the common case costs nothing. */
    public static ObjectStore wrap(ObjectStore store, Limits limits) {
        return limits.any() ? new ThrottledObjectStore(store, limits) : store;
    }

    private void request() {
        if (requests != null) {
            requests.acquireUninterruptibly(1);
        }
    }

    @Override
    public PutOutcome putIfAbsent(String key, Payload payload) {
        request();
        if (upload != null) {
            upload.acquireUninterruptibly(payload.length());
        }
        return store.putIfAbsent(key, payload);
    }

    @Override
    public InputStream get(String key) {
        request();
        return throttled(store.get(key));
    }

    @Override
    public InputStream getRange(String key, long offset, long length) {
        request();
        return throttled(store.getRange(key, offset, length));
    }

    @Override
    public Optional<ObjectInfo> head(String key) {
        request();
        return store.head(key);
    }

    @Override
    public ListPage list(String prefix, String continuation) {
        request();
        return store.list(prefix, continuation);
    }

    @Override
    public DeleteResult delete(Collection<String> keys) {
        request();
        return store.delete(keys);
    }

    @Override
    public java.time.Instant extendRetention(String key, dev.s3backup.core.store.Retention retention) {
        request();
        return store.extendRetention(key, retention);
    }

    private InputStream throttled(InputStream in) {
        if (download == null) {
            return in;
        }
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    pay(1);
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    pay(n);
                }
                return n;
            }

            private void pay(long n) throws IOException {
                try {
                    download.acquire(n);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while throttled");
                }
            }
        };
    }
}
