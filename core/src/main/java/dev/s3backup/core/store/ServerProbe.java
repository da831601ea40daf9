package dev.s3backup.core.store;

import dev.s3backup.manifest.Sha256;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * What a store really guarantees, found by trying rather than assumed from its name: four to six
 * requests under a scratch prefix ({@value #PREFIX}), removed afterwards.
 *
 * <ul>
 *   <li>create-only: a second create of one key must answer "already exists" and keep the first
 *       body. Deduplication and the lock-free gc protocol depend on it (docs/RETENTION.md).</li>
 *   <li>checksums verified: a body sent with a wrong SHA-256 must be refused. Where it is not
 *       (S3Mock, moto, Ceph RGW), a chunk damaged in transit is found only by restore and
 *       {@code verify --read-data}, which hash every byte they read.</li>
 *   <li>batch delete: gc deletes 1,000 keys per request; some servers refuse the request as this
 *       client sends it (a missing Content-MD5, say).</li>
 *   <li>clock skew: the store's time of the write against this host's, which gc's grace period
 *       and lease ages are measured in.</li>
 * </ul>
 */
public final class ServerProbe {
    public static final String PREFIX = "doctor/";

    private ServerProbe() {
    }

    /**
     * One answer: {@code holds} is null when the probe could not tell (the request failed for
     * another reason, named in {@code detail}).
     */
    public record Check(Boolean holds, String detail) {
        static Check yes(String detail) {
            return new Check(true, detail);
        }

        static Check no(String detail) {
            return new Check(false, detail);
        }

        static Check unknown(String detail) {
            return new Check(null, detail);
        }

        public boolean failed() {
            return Boolean.FALSE.equals(holds);
        }
    }

    /**
     * @param clockSkew the store's clock minus this host's (write time of an object against the
     *     middle of its request), to the store's one-second precision; null if it gave no time
     */
    public record Report(Check createOnly, Check checksumsVerified, Check batchDelete, Duration clockSkew,
                         Instant probedAt) {
        /** Whether something s3backup's safety depends on does not hold. */
        public boolean unsafe() {
            return createOnly.failed() || batchDelete.failed();
        }
    }

    /** Runs every probe under a fresh scratch prefix; never leaves an object behind on purpose. */
    public static Report run(ObjectStore store, Clock clock) {
        // Flat names: a file:// store keeps one empty doctor/ directory, not one per run.
        String base = PREFIX + UUID.randomUUID();
        String first = base + "-create-only";
        String corrupt = base + "-checksum";
        Instant probedAt = clock.instant();
        try {
            byte[] one = "first".getBytes(StandardCharsets.UTF_8);
            Instant before = clock.instant();
            store.putIfAbsent(first, Payload.of(one, 0, one.length, sha256(one)));
            Instant after = clock.instant();
            Duration skew = store.head(first).map(info -> skew(info.lastModified(), before, after)).orElse(null);
            Check createOnly = createOnly(store, first, one);
            Check checksums = checksums(store, corrupt);
            Check delete = batchDelete(store, List.of(first, corrupt));
            return new Report(createOnly, checksums, delete, skew, probedAt);
        } finally {
            removeQuietly(store, List.of(first, corrupt));
        }
    }

    private static Check createOnly(ObjectStore store, String key, byte[] firstBody) {
        byte[] two = "second".getBytes(StandardCharsets.UTF_8);
        ObjectStore.PutOutcome outcome;
        try {
            outcome = store.putIfAbsent(key, Payload.of(two, 0, two.length, sha256(two)));
        } catch (StoreException e) {
            return Check.unknown("a second create failed: " + e.getMessage());
        }
        if (outcome == ObjectStore.PutOutcome.ALREADY_EXISTED) {
            return Check.yes("a second create of a key is refused");
        }
        return Check.no("a second create of a key succeeded"
                + (Optional.ofNullable(readQuietly(store, key)).map(b -> java.util.Arrays.equals(b, firstBody))
                .orElse(true) ? "" : " and overwrote the first body") + ": If-None-Match is ignored");
    }

    private static Check checksums(ObjectStore store, String key) {
        byte[] body = "body".getBytes(StandardCharsets.UTF_8);
        byte[] wrong = sha256("another body".getBytes(StandardCharsets.UTF_8));
        try {
            store.putIfAbsent(key, Payload.of(body, 0, body.length, wrong));
            return Check.no("a body with a wrong SHA-256 was stored; integrity is checked at restore and by "
                    + "'verify --read-data' only");
        } catch (StoreException e) {
            if (e.kind() == StoreException.Kind.INTEGRITY) {
                return Check.yes("a body with a wrong SHA-256 is refused");
            }
            return Check.unknown("the test write failed: " + e.getMessage());
        }
    }

    private static Check batchDelete(ObjectStore store, List<String> keys) {
        try {
            DeleteResult result = store.delete(keys);
            if (!result.locked().isEmpty()) {
                return Check.unknown("the scratch objects are locked (a default retention on the bucket?)");
            }
            for (String k : keys) {
                if (store.head(k).isPresent()) {
                    return Check.no("a batch delete answered but left " + k);
                }
            }
            return Check.yes("a batch delete removes its keys");
        } catch (StoreException e) {
            return Check.no("a batch delete failed: " + e.getMessage());
        }
    }

    /** The store's time minus the middle of the request; zero when within its one-second precision. */
    static Duration skew(Instant stored, Instant before, Instant after) {
        if (stored == null) {
            return null;
        }
        // Last-Modified has whole seconds: anything within [before - 1 s, after] is no measurable skew.
        if (!stored.isBefore(before.minusSeconds(1)) && !stored.isAfter(after)) {
            return Duration.ZERO;
        }
        Instant middle = before.plus(Duration.between(before, after).dividedBy(2));
        return Duration.between(middle, stored);
    }

    private static byte[] readQuietly(ObjectStore store, String key) {
        try (var in = store.get(key)) {
            return in.readNBytes(1024);
        } catch (java.io.IOException | StoreException e) {
            return null;
        }
    }

    private static void removeQuietly(ObjectStore store, List<String> keys) {
        try {
            store.delete(keys);
        } catch (StoreException e) {
            // reported by the batch delete check; a scratch object left under doctor/ holds no data
        }
    }

    private static byte[] sha256(byte[] bytes) {
        return Sha256.digest(bytes, 0, bytes.length).bytes();
    }
}
