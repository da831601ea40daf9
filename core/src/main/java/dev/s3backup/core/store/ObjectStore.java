package dev.s3backup.core.store;

import java.io.InputStream;
import java.util.Collection;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * The one storage interface every repository location implements: a flat namespace of
 * immutable objects addressed by '/'-separated keys.
 *
 * <p>Contract, shared by every implementation and checked by one test suite:
 * <ul>
 *   <li>Objects are never overwritten. {@link #putIfAbsent} creates an object atomically or
 *       reports that the key already exists; a reader never sees a partial object.</li>
 *   <li>{@link #get} of a missing key throws {@link StoreException} with
 *       {@link StoreException.Kind#NOT_FOUND}; {@link #head} of a missing key returns empty.</li>
 *   <li>Deleting a missing key is not an error.</li>
 *   <li>Retention (S3 Object Lock): an object written with {@link Payload#withRetention} is never
 *       removed or hidden before its retention ends: {@link #delete} leaves it in place and reports
 *       it in {@link DeleteResult#locked()}. Stores without retention refuse such writes.</li>
 *   <li>Every method may be called from many threads at once.</li>
 *   <li>Failures are {@link StoreException}s whose {@link StoreException.Kind} tells the caller
 *       (and the CLI's exit code) what went wrong; messages never contain credentials.</li>
 * </ul>
 */
public interface ObjectStore extends AutoCloseable {

    /** Outcome of a create-only write. */
    enum PutOutcome { CREATED, ALREADY_EXISTED }

    /**
     * Creates {@code key} with the payload unless the key already exists. When the payload
     * carries a SHA-256, stores that verify checksums reject a body that does not match it
     * with {@link StoreException.Kind#INTEGRITY}.
     *
     * @return {@link PutOutcome#CREATED}, or {@link PutOutcome#ALREADY_EXISTED} when an object
     *     was already stored under the key (its content is left untouched)
     */
    PutOutcome putIfAbsent(String key, Payload payload);

    /**
     * The largest payload {@link #putIfAbsent} sends in one request. Larger ones are still created
     * whole and create-only, in several requests (S3: a multipart upload whose completion is
     * conditional), so a payload of any size commits; stores without such a limit return
     * {@link Long#MAX_VALUE}.
     */
    default long singlePutLimit() {
        return Long.MAX_VALUE;
    }

    /** Opens the whole object for reading. The caller closes the stream. */
    InputStream get(String key);

    /** Opens {@code length} bytes of the object starting at {@code offset}. */
    InputStream getRange(String key, long offset, long length);

    /** Size and modification time of an object, or empty when there is none. */
    Optional<ObjectInfo> head(String key);

    /**
     * One page of the keys that start with {@code prefix}, in lexicographic order.
     *
     * @param continuation null for the first page, else {@link ListPage#next()} of the previous
     * @throws StoreException IO when the store says more keys follow but not where: a page is
     *     never taken for the last one unless the store says it is
     */
    ListPage list(String prefix, String continuation);

    /**
     * How long one delete request may take, retries included, before a store abandons it. Shorter
     * than gc's clock margin (10 min by default), so a delete sent inside the intent window has
     * taken effect, or failed, before the window plus the margin is over.
     */
    java.time.Duration DELETE_CALL_LIMIT = java.time.Duration.ofMinutes(2);

    /**
     * Deletes the keys, in as few requests as the store allows (S3: 1,000 per request).
     * Missing keys count as deleted. Keys that could not be deleted are returned, not thrown,
     * so a caller never mistakes a partial delete for a complete one. Each delete request ends
     * (done, or failed) within {@link #DELETE_CALL_LIMIT}, retries included: gc's safety argument
     * counts on it (docs/RETENTION.md).
     */
    DeleteResult delete(Collection<String> keys);

    /**
     * Makes sure the object is retained at least until {@code retention.until()}: extends a
     * shorter retention, never shortens a longer one.
     *
     * @return the object's retain-until after the call (later than asked when it already was)
     * @throws StoreException NOT_FOUND when there is no such object
     * @throws UnsupportedOperationException when the store cannot keep objects under retention
     */
    default java.time.Instant extendRetention(String key, Retention retention) {
        throw new UnsupportedOperationException("Cannot set retention on " + describe() + key
                + ": this store has no Object Lock (it needs an S3 bucket created with Object Lock enabled)");
    }

    /** A short description of the location for messages, never containing credentials. */
    String describe();

    /**
     * Requests this store has repeated after a transient failure (a 5xx, a throttling answer, a
     * reset connection, a timeout, a body cut short) since it was opened; 0 for a store that never
     * retries. Wrappers pass on the count of the store they wrap.
     */
    default long retries() {
        return 0;
    }

    @Override
    default void close() {
    }

    /** Every object under {@code prefix}, fetched page by page as the iterator advances. */
    default Iterator<ObjectInfo> listAll(String prefix) {
        return new Iterator<>() {
            private ListPage page = list(prefix, null);
            private int index;

            @Override
            public boolean hasNext() {
                while (index >= page.objects().size() && page.next() != null) {
                    page = list(prefix, page.next());
                    index = 0;
                }
                return index < page.objects().size();
            }

            @Override
            public ObjectInfo next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return page.objects().get(index++);
            }
        };
    }
}
