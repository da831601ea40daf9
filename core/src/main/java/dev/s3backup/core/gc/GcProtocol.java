package dev.s3backup.core.gc;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.core.store.ObjectInfo;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.OwnWrite;
import dev.s3backup.core.store.Payload;
import dev.s3backup.core.store.StoreException;
import dev.s3backup.manifest.ChunkRef;
import dev.s3backup.manifest.Entry;
import dev.s3backup.manifest.ManifestReader;
import dev.s3backup.manifest.Sha256;
import dev.s3backup.manifest.Sha256Set;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * The objects and time limits that let push, forget and gc run at the same time without a lock
 * and without comparing any two hosts' clocks. The protocol and its safety argument are in
 * docs/RETENTION.md; in short:
 *
 * <ul>
 *   <li>a push writes a lease ({@code leases/PUSH/SEQ}, refreshed) before it reads its parent, so
 *       gc spares chunks younger than the oldest live push (liveness only);</li>
 *   <li>before committing, a push writes its manifest to {@code pending/PUSH/ID} and then reads every
 *       gc intent written since its lease; if an intent names a chunk the manifest needs, it
 *       aborts without committing;</li>
 *   <li>gc writes each batch of chunks it is about to delete as an intent
 *       ({@code gc/intents/RUN-SEQ}), then lists pending manifests, manifests and backup-set
 *       parts again and spares every chunk they name, and only then deletes.</li>
 * </ul>
 * Either the push sees the intent or gc sees the push's pending manifest (or, once the pending
 * object is gone, its committed manifest): both write before they read, on a store with
 * read-after-write consistency.
 */
public final class GcProtocol {
    public static final String LEASES = "leases/";
    public static final String PENDING = "pending/";
    public static final String GC = "gc/";
    public static final String RUNS = "gc/runs/";
    public static final String INTENTS = "gc/intents/";

    private static final String INTENT_MAGIC = "s3backup-gc-intent-v1";
    private static final String DONE_SUFFIX = "-done";

    /** A push's pending manifest: under its lease's id, so gc knows whose it is. */
    static String pendingKey(String pushId, String backupId) {
        return PENDING + pushId + "/" + backupId;
    }

    /** The lease id of a pending manifest's push; null for {@code pending/ID}, written by versions that did not keep it. */
    static String pushOfPending(String key) {
        int slash = key.indexOf('/', PENDING.length());
        return slash < 0 ? null : key.substring(PENDING.length(), slash);
    }

    /**
     * The marker gc writes once every delete request sent under {@code intentKey} has been
     * answered: from then on that intent deletes nothing more, so a chunk present afterwards stays.
     */
    static String deletesDoneKey(String intentKey) {
        return RUNS + intentKey.substring(INTENTS.length()) + DONE_SUFFIX;
    }

    private GcProtocol() {
    }

    /**
     * The protocol's time limits. Every decision that depends on one is made by comparing store
     * timestamps read just before acting (never a host's clock, which stops while the host is
     * suspended or jumps when it is set), except {@code leaseRefresh}, which only paces writes.
     *
     * @param leaseTtl a push lease whose newest record is older than this (store time) is dead
     * @param leaseRefresh how often a running push writes a new lease record (local elapsed time)
     * @param intentWindow gc sends no delete for an intent later than this after writing it (store
     *     time, read before each delete request), so a push need only read intents written since its
     *     start minus this
     * @param clockMargin how far store timestamps of different objects may disagree with the
     *     order in which they were written, plus the duration of one request
     * @param pendingTtl a pending manifest older than this (store time) is abandoned: not a root
     * @param maxPushAge a push older than this (store time, lease to pending manifest) aborts instead of committing;
     *     gc keeps its intents for this long plus the margins
     */
    public record Timing(Duration leaseTtl, Duration leaseRefresh, Duration intentWindow, Duration clockMargin,
                         Duration pendingTtl, Duration maxPushAge) {
        public Timing {
            Objects.requireNonNull(leaseTtl, "leaseTtl");
            Objects.requireNonNull(leaseRefresh, "leaseRefresh");
            Objects.requireNonNull(intentWindow, "intentWindow");
            Objects.requireNonNull(clockMargin, "clockMargin");
            Objects.requireNonNull(pendingTtl, "pendingTtl");
            Objects.requireNonNull(maxPushAge, "maxPushAge");
            if (leaseRefresh.compareTo(leaseTtl) >= 0) {
                throw new IllegalArgumentException("leaseRefresh must be shorter than leaseTtl: " + leaseRefresh);
            }
        }

        public static Timing defaults() {
            return new Timing(Duration.ofHours(1), Duration.ofMinutes(10), Duration.ofMinutes(10),
                    Duration.ofMinutes(10), Duration.ofDays(1), Duration.ofDays(7));
        }

        /** How far before its lease a push looks for intents: a delete may lag its intent this much. */
        Duration intentLookback() {
            return intentWindow.plus(clockMargin);
        }

        /** How long gc keeps its run markers and intents: every push that may still commit reads them. */
        Duration intentRetention() {
            return maxPushAge.plus(intentLookback()).plus(clockMargin).plus(Duration.ofDays(1));
        }
    }

    /**
     * Writes a small marker and returns its LastModified: the store's own "now". Creates
     * {@code key}, which must not exist.
     */
    static Instant writeMarker(ObjectStore store, String key, String content) {
        return writeMarker(store, key, content.getBytes(StandardCharsets.UTF_8));
    }

    static Instant writeMarker(ObjectStore store, String key, byte[] content) {
        Payload marker = Payload.of(content);
        // A lost answer makes the retry find the marker it wrote itself: that is not a collision.
        if (store.putIfAbsent(key, marker) == ObjectStore.PutOutcome.ALREADY_EXISTED && !OwnWrite.landed(store, key, marker)) {
            throw new BackupException(Reason.IO, "Cannot write " + key + ": it already exists (random id collision)");
        }
        return lastModified(store, key);
    }

    /**
     * LastModified of one object through a listing of its own key: one LIST request, and the same
     * timestamp source (listings) gc compares it with.
     */
    static Instant lastModified(ObjectStore store, String key) {
        for (ObjectInfo info : store.list(key, null).objects()) {
            if (info.key().equals(key)) {
                return info.lastModified();
            }
        }
        throw new BackupException(Reason.IO, "Cannot read the time of " + key + " in " + store.describe()
                + ": it is not listed right after it was written (the store is not read-after-write consistent)");
    }

    static List<ObjectInfo> listAll(ObjectStore store, String prefix) {
        List<ObjectInfo> all = new ArrayList<>();
        for (Iterator<ObjectInfo> it = store.listAll(prefix); it.hasNext(); ) {
            all.add(it.next());
        }
        return all;
    }

    static byte[] encodeIntent(List<Sha256> chunks) {
        StringBuilder sb = new StringBuilder(INTENT_MAGIC.length() + 1 + chunks.size() * 65);
        sb.append(INTENT_MAGIC).append('\n');
        for (Sha256 c : chunks) {
            sb.append(c.hex()).append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** The chunks an intent names; a damaged intent is an error (the caller cannot tell what it deletes). */
    static List<Sha256> readIntent(ObjectStore store, String key) {
        List<Sha256> chunks = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(store.get(key), StandardCharsets.US_ASCII))) {
            if (!INTENT_MAGIC.equals(r.readLine())) {
                throw new BackupException(Reason.INTEGRITY, "Cannot read gc intent " + key + ": not an intent");
            }
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                try {
                    chunks.add(Sha256.fromHex(line));
                } catch (IllegalArgumentException e) {
                    throw new BackupException(Reason.INTEGRITY, "Cannot read gc intent " + key + ": bad line '" + line + "'");
                }
            }
        } catch (IOException e) {
            throw new BackupException(Reason.IO, "Cannot read gc intent " + key + ": " + e.getMessage(), e);
        }
        return chunks;
    }

    /** Adds every chunk a manifest names; reads it through, so its checksum is verified. */
    static long addChunks(ManifestReader reader, Sha256Set into) throws IOException {
        long refs = 0;
        for (Entry e = reader.next(); e != null; e = reader.next()) {
            for (ChunkRef c : e.chunks()) {
                into.add(c.hash());
                refs++;
            }
        }
        return refs;
    }

    static boolean isNotFound(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof StoreException se && se.kind() == StoreException.Kind.NOT_FOUND) {
                return true;
            }
            if (c instanceof BackupException be && be.reason() == Reason.NOT_FOUND) {
                return true;
            }
        }
        return false;
    }

    static InputStream open(ObjectStore store, String key) {
        return store.get(key);
    }
}
