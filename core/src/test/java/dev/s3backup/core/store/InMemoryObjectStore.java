package dev.s3backup.core.store;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A thread-safe {@link ObjectStore} in memory for unit tests of code that uses a store, with the
 * knobs those tests need: request counts per operation, failures injected per operation, objects
 * corrupted or removed behind the caller's back, and {@code lastModified} from a {@link Clock}
 * the test controls. It meets the same contract as the real stores (see
 * {@code InMemoryObjectStoreContractTest}), including SHA-256 verification on put.
 *
 * <p>Retention works as S3 Object Lock: an object written with a retention (or extended later)
 * is not deleted before its retain-until by the store's clock, and head reports it.
 *
 * <p>Requests are counted as S3 would bill them: one per put, get, range get, head and listing
 * page, and one per 1,000 keys of a delete. A request that fails by injection still counts.
 */
public final class InMemoryObjectStore implements ObjectStore {

    /** The operations whose requests are counted and can be made to fail. */
    public enum Op { PUT, GET, HEAD, LIST, DELETE, RETENTION }

    private record Stored(byte[] data, Instant lastModified, Instant retainUntil) {
        Stored(byte[] data, Instant lastModified) {
            this(data, lastModified, null);
        }
    }

    private static final int DELETE_BATCH = 1000;

    private final ConcurrentSkipListMap<String, Stored> objects = new ConcurrentSkipListMap<>();
    private final Map<Op, AtomicLong> requests = new EnumMap<>(Op.class);
    private final Map<Op, Queue<StoreException>> failures = new EnumMap<>(Op.class);
    private final Map<String, String> undeletable = new ConcurrentHashMap<>();
    private final Clock clock;
    private final int pageSize;

    /** A store with the system clock and 1,000 keys per listing page. */
    public InMemoryObjectStore() {
        this(Clock.systemUTC());
    }

    public InMemoryObjectStore(Clock clock) {
        this(clock, FileObjectStore.DEFAULT_PAGE_SIZE);
    }

    public InMemoryObjectStore(Clock clock, int pageSize) {
        this.clock = Objects.requireNonNull(clock, "clock");
        if (pageSize < 1) {
            throw new IllegalArgumentException("pageSize must be >= 1: " + pageSize);
        }
        this.pageSize = pageSize;
        for (Op op : Op.values()) {
            requests.put(op, new AtomicLong());
            failures.put(op, new ConcurrentLinkedQueue<>());
        }
    }

    // ---- knobs for tests -------------------------------------------------------------------

    /** Requests made so far for {@code op}. */
    public long requests(Op op) {
        return requests.get(op).get();
    }

    /** Requests made so far, per operation. */
    public Map<Op, Long> requests() {
        Map<Op, Long> snapshot = new EnumMap<>(Op.class);
        requests.forEach((op, count) -> snapshot.put(op, count.get()));
        return snapshot;
    }

    public void resetRequests() {
        requests.values().forEach(count -> count.set(0));
    }

    /** The next request for {@code op} throws {@code failure}; calls queue up, one per request. */
    public void failNext(Op op, StoreException failure) {
        failures.get(op).add(Objects.requireNonNull(failure, "failure"));
    }

    /** The next {@code times} requests for {@code op} throw {@code failure}. */
    public void failNext(Op op, int times, StoreException failure) {
        for (int i = 0; i < times; i++) {
            failNext(op, failure);
        }
    }

    public void clearFailures() {
        failures.values().forEach(Queue::clear);
        undeletable.clear();
    }

    /** Deleting {@code key} will be reported as failed with {@code reason}, as S3 reports per-key errors. */
    public void refuseDelete(String key, String reason) {
        undeletable.put(key, reason);
    }

    /** Flips the bits of the object's first byte (an empty object gains one byte), keeping its time. */
    public void corrupt(String key) {
        objects.computeIfPresent(key, (k, stored) -> {
            byte[] data = stored.data().length == 0 ? new byte[1] : stored.data().clone();
            data[0] = (byte) ~data[0];
            return new Stored(data, stored.lastModified(), stored.retainUntil());
        });
        if (!objects.containsKey(key)) {
            throw new IllegalArgumentException("No object to corrupt: " + key);
        }
    }

    /** Stores {@code content} under {@code key} even if it exists, bypassing create-only and the counts. */
    public void replace(String key, byte[] content) {
        objects.put(ObjectKeys.requireValidKey(key), new Stored(content.clone(), clock.instant()));
    }

    /** Removes the object without a request being counted, as another client or a lifecycle rule would. */
    public boolean remove(String key) {
        return objects.remove(key) != null;
    }

    /** The object's bytes without a request being counted, or null. */
    public byte[] content(String key) {
        Stored stored = objects.get(key);
        return stored == null ? null : stored.data().clone();
    }

    /** Every key, sorted, without a request being counted. */
    public List<String> keys() {
        return List.copyOf(objects.keySet());
    }

    public int size() {
        return objects.size();
    }

    // ---- the ObjectStore ---------------------------------------------------------------------

    @Override
    public PutOutcome putIfAbsent(String key, Payload payload) {
        ObjectKeys.requireValidKey(key);
        Objects.requireNonNull(payload, "payload");
        request(Op.PUT);
        byte[] data = read(payload);
        byte[] expected = payload.sha256();
        if (expected != null) {
            byte[] actual = sha256(data);
            if (!MessageDigest.isEqual(expected, actual)) {
                throw new StoreException(StoreException.Kind.INTEGRITY, "Cannot write " + describe() + key
                        + ": content does not match its SHA-256 (expected " + HexFormat.of().formatHex(expected)
                        + ", got " + HexFormat.of().formatHex(actual) + ")");
            }
        }
        Instant retainUntil = payload.retention() == null ? null : payload.retention().until();
        Stored previous = objects.putIfAbsent(key, new Stored(data, clock.instant(), retainUntil));
        return previous == null ? PutOutcome.CREATED : PutOutcome.ALREADY_EXISTED;
    }

    @Override
    public InputStream get(String key) {
        ObjectKeys.requireValidKey(key);
        request(Op.GET);
        return new ByteArrayInputStream(stored(key).data());
    }

    @Override
    public InputStream getRange(String key, long offset, long length) {
        ObjectKeys.requireValidKey(key);
        FileObjectStore.checkRange(offset, length);
        request(Op.GET);
        byte[] data = stored(key).data();
        int start = (int) Math.min(offset, data.length);
        int end = (int) Math.min(data.length, start + Math.min(length, Integer.MAX_VALUE));
        return new ByteArrayInputStream(Arrays.copyOfRange(data, start, end));
    }

    @Override
    public Optional<ObjectInfo> head(String key) {
        ObjectKeys.requireValidKey(key);
        request(Op.HEAD);
        Stored stored = objects.get(key);
        return stored == null ? Optional.empty()
                : Optional.of(new ObjectInfo(key, stored.data().length, stored.lastModified(), stored.retainUntil()));
    }

    @Override
    public ListPage list(String prefix, String continuation) {
        ObjectKeys.requireValidPrefix(prefix);
        request(Op.LIST);
        NavigableMap<String, Stored> tail = continuation != null && continuation.compareTo(prefix) >= 0
                ? objects.tailMap(continuation, false)
                : objects.tailMap(prefix, true);
        List<ObjectInfo> page = new ArrayList<>();
        for (Map.Entry<String, Stored> entry : tail.entrySet()) {
            if (!entry.getKey().startsWith(prefix)) {
                break;
            }
            if (page.size() == pageSize) {
                return new ListPage(page, page.get(pageSize - 1).key());
            }
            page.add(new ObjectInfo(entry.getKey(), entry.getValue().data().length, entry.getValue().lastModified()));
        }
        return new ListPage(page, null);
    }

    @Override
    public DeleteResult delete(Collection<String> keys) {
        keys.forEach(ObjectKeys::requireValidKey);
        int deleted = 0;
        Map<String, String> failed = new LinkedHashMap<>();
        Map<String, Instant> locked = new LinkedHashMap<>();
        int inBatch = 0;
        for (String key : keys) {
            if (inBatch++ % DELETE_BATCH == 0) {
                request(Op.DELETE);
            }
            String reason = undeletable.get(key);
            Stored stored = objects.get(key);
            if (reason != null) {
                failed.put(key, reason);
            } else if (stored != null && stored.retainUntil() != null && stored.retainUntil().isAfter(clock.instant())) {
                locked.put(key, stored.retainUntil());
            } else {
                objects.remove(key);
                deleted++;
            }
        }
        return new DeleteResult(deleted, failed, locked, 0);
    }

    @Override
    public Instant extendRetention(String key, Retention retention) {
        ObjectKeys.requireValidKey(key);
        request(Op.RETENTION);
        Stored after = objects.computeIfPresent(key, (k, stored) -> stored.retainUntil() != null
                && !stored.retainUntil().isBefore(retention.until()) ? stored
                : new Stored(stored.data(), stored.lastModified(), retention.until()));
        if (after == null) {
            throw new StoreException(StoreException.Kind.NOT_FOUND, "Cannot set retention on " + describe() + key
                    + ": no such object");
        }
        return after.retainUntil();
    }

    @Override
    public String describe() {
        return "memory://" + Integer.toHexString(System.identityHashCode(this)) + "/";
    }

    private void request(Op op) {
        requests.get(op).incrementAndGet();
        StoreException failure = failures.get(op).poll();
        if (failure != null) {
            throw failure;
        }
    }

    private Stored stored(String key) {
        Stored stored = objects.get(key);
        if (stored == null) {
            throw new StoreException(StoreException.Kind.NOT_FOUND, "Cannot read " + describe() + key + ": no such object");
        }
        return stored;
    }

    private static byte[] read(Payload payload) {
        if (payload.array() != null) {
            return Arrays.copyOfRange(payload.array(), payload.arrayOffset(),
                    payload.arrayOffset() + (int) payload.length());
        }
        try (InputStream in = payload.open()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new StoreException(StoreException.Kind.IO, "Cannot read payload " + payload.file() + ": " + e, e);
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
