package dev.s3backup.core.gc;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.repo.RepositoryLayout;
import dev.s3backup.core.store.DeleteResult;
import dev.s3backup.core.store.ObjectInfo;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.Payload;
import dev.s3backup.manifest.ManifestCodec;
import dev.s3backup.manifest.ManifestReader;
import dev.s3backup.manifest.Sha256;
import dev.s3backup.manifest.Sha256Set;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A push's side of the protocol: lease, pending manifest, intent check. See {@link GcProtocol}. */
final class LeaseSession implements PushGuard.Session {
    private final ObjectStore store;
    private final GcProtocol.Timing timing;
    private final String pushId;
    private final long startNanos;
    private final String content = PushProcess.current().encode();
    private final Instant leaseTime;
    private final AtomicInteger seq = new AtomicInteger();
    private final List<String> written = java.util.Collections.synchronizedList(new ArrayList<>());
    private final ScheduledExecutorService refresher;
    private Instant pendingTime;
    private String pendingKey;
    private boolean closed;
    private String leftBehind;
    private Path manifestFile;

    LeaseSession(Repository repository, GcProtocol.Timing timing) {
        this.store = repository.store();
        this.timing = timing;
        byte[] random = new byte[8];
        new SecureRandom().nextBytes(random);
        this.pushId = HexFormat.of().formatHex(random);
        this.startNanos = System.nanoTime();
        String first = leaseKey(0);
        written.add(first); // before its PUT: a PUT whose answer was lost (an interrupt) may have landed
        try {
            this.leaseTime = GcProtocol.writeMarker(store, first, content);
        } catch (BackupException e) {
            removeWritten();
            // A lease that vanished between its PUT and its LIST was removed by a gc that took it
            // for expired (or the store is not read-after-write consistent): nothing is uploaded
            // yet, so the push stops cleanly and a re-run starts over.
            throw new BackupException(e.reason(), e.getMessage() + "; if a concurrent gc removed the lease,"
                    + " nothing was uploaded: run the push again", e);
        } catch (RuntimeException | Error e) {
            removeWritten();
            throw e;
        }
        refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "s3backup-lease");
            t.setDaemon(true);
            return t;
        });
        long every = timing.leaseRefresh().toMillis();
        refresher.scheduleWithFixedDelay(this::refresh, every, every, TimeUnit.MILLISECONDS);
    }

    private String leaseKey(int n) {
        return GcProtocol.LEASES + pushId + "/" + String.format("%06d", n);
    }

    private void refresh() {
        if (System.nanoTime() - startNanos > timing.maxPushAge().toNanos()) {
            // Such a push cannot commit; a lease it forgot to close must not pin gc forever. (Pacing
            // only: a suspended host writes no records either, and its commit checks store time.)
            return;
        }
        String key = leaseKey(seq.incrementAndGet());
        try {
            store.putIfAbsent(key, Payload.of(content.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            written.add(key);
        } catch (RuntimeException e) {
            // Only liveness depends on the lease: gc may then sweep this push's new chunks, and
            // the intent check before the commit catches that.
        }
    }

    @Override
    public void beforeCommit(String backupId, Path manifestFile) {
        this.manifestFile = manifestFile;
        String pending = GcProtocol.pendingKey(pushId, backupId);
        pendingKey = pending;
        written.add(pending); // before its PUT, like the lease
        store.putIfAbsent(pending, Payload.ofFile(manifestFile, null));
        // Ages by the store's clock: a host suspended for days has a monotonic clock that says minutes.
        pendingTime = GcProtocol.lastModified(store, pending);
        Duration age = Duration.between(leaseTime, pendingTime);
        if (age.compareTo(timing.maxPushAge()) > 0) {
            throw new BackupException(Reason.IO, "Cannot commit backup " + backupId + ": the push ran for "
                    + age + " (store time), longer than the " + timing.maxPushAge()
                    + " gc lets a push rely on chunks; nothing was committed, run the push again");
        }
        checkIntents(backupId);
    }

    /** Throws if any gc intent that may have deleted after this push began names a chunk of the manifest. */
    private void checkIntents(String backupId) {
        Instant since = leaseTime.minus(timing.intentLookback());
        Sha256Set needed = null;
        for (ObjectInfo intent : GcProtocol.listAll(store, GcProtocol.INTENTS)) {
            if (intent.lastModified().isBefore(since)) {
                continue;
            }
            if (needed == null) {
                needed = manifestChunks();
            }
            List<Sha256> doomed;
            try {
                doomed = GcProtocol.readIntent(store, intent.key());
            } catch (RuntimeException e) {
                if (GcProtocol.isNotFound(e)) {
                    continue; // removed by gc's cleanup: far older than this push
                }
                throw e;
            }
            Boolean deletesDone = null;
            for (Sha256 c : doomed) {
                if (!needed.contains(c)) {
                    continue;
                }
                if (deletesDone == null) { // read before any chunk's HEAD; one HEAD per intent
                    deletesDone = store.head(GcProtocol.deletesDoneKey(intent.key())).isPresent();
                }
                if (!recreatedAfter(c, intent, deletesDone)) {
                    throw new BackupException(Reason.IO, "Cannot commit backup " + backupId + ": a concurrent gc ("
                            + intent.key() + ") may have deleted chunk " + c.hex() + " that it needs; nothing was "
                            + "committed, run the push again (it uploads only what is missing)");
                }
            }
        }
    }

    /**
     * Whether the chunk exists now although the intent named it, and the intent can no longer
     * delete it: either its gc had marked the intent's deletes done before this HEAD of the chunk
     * (then the chunk present now is a copy uploaded again after them), or the chunk's object was
     * created after every delete of the intent could have run (a gc that stopped without the mark).
     */
    private boolean recreatedAfter(Sha256 chunk, ObjectInfo intent, boolean deletesDone) {
        Instant deletesEnded = intent.lastModified().plus(timing.intentWindow()).plus(timing.clockMargin());
        return store.head(RepositoryLayout.chunkKey(chunk))
                .map(o -> deletesDone || o.lastModified().isAfter(deletesEnded)).orElse(false);
    }

    private Sha256Set manifestChunks() {
        Sha256Set set = new Sha256Set();
        try (ManifestReader reader = ManifestCodec.newReader(Files.newInputStream(manifestFile))) {
            GcProtocol.addChunks(reader, set);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return set;
    }

    @Override
    public void afterCommit(String backupId) {
        // gc honours a pending manifest for pendingTtl (store time); a push stalled longer between
        // writing it and committing (a slow request, a suspended host) checks again, and withdraws
        // a commit a gc may have broken. The commit's own timestamp is the store's clock.
        Instant committed = store.head(RepositoryLayout.manifestKey(backupId)).map(ObjectInfo::lastModified).orElse(null);
        // A gc that took this push for dead (same host name, pid gone: another pid namespace) removed
        // the pending manifest and no longer spared its chunks: an intent it wrote before reading
        // the manifests would not have seen the commit either.
        boolean pendingRemoved = store.head(pendingKey).isEmpty();
        if (committed == null || pendingRemoved
                || Duration.between(pendingTime, committed).compareTo(timing.pendingTtl().dividedBy(2)) > 0) {
            try {
                checkIntents(backupId);
            } catch (BackupException e) {
                store.delete(List.of(RepositoryLayout.manifestKey(backupId)));
                throw e;
            }
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return; // a signal's shutdown hook and the push's own exit both close
        }
        closed = true;
        refresher.shutdownNow();
        boolean interrupted = Thread.interrupted(); // else the wait ends at once, and a refresh may add a record after
        try {
            refresher.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        removeWritten();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Deletes every lease record and the pending manifest, with the thread's interrupt flag
     * cleared meanwhile (and set again after): a push stopped by Thread.interrupt ends here, and
     * stores refuse an interrupted thread's requests (file:// channels close, the S3 SDK aborts).
     */
    private void removeWritten() {
        List<String> keys;
        synchronized (written) {
            keys = new ArrayList<>(written);
        }
        boolean interrupted = Thread.interrupted();
        try {
            for (int attempt = 1; ; attempt++) {
                leftBehind = delete(keys);
                // An interrupt that came during the request itself made the store refuse it: again,
                // without the flag (a few times: the interrupter may not be done).
                boolean interruptedMeanwhile = Thread.interrupted()
                        || leftBehind != null && leftBehind.toLowerCase(java.util.Locale.ROOT).contains("interrupt");
                interrupted |= interruptedMeanwhile;
                if (leftBehind == null || !interruptedMeanwhile || attempt == 3) {
                    break;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Deletes the keys; null when all are gone, else what is left and why. */
    private String delete(List<String> keys) {
        try {
            DeleteResult result = store.delete(keys);
            return result.failed().isEmpty() ? null
                    : result.failed().keySet() + " (" + result.failed().values().iterator().next() + ")";
        } catch (RuntimeException e) {
            return keys + " (" + e.getMessage() + ")";
        }
    }

    /**
     * A lease left behind holds gc back until it expires (leaseTtl), a pending manifest until
     * pendingTtl: nothing is lost, but the operator should know why gc frees less (a policy
     * without delete on leases/ and pending/, say).
     */
    @Override
    public synchronized String leftBehind() {
        return leftBehind == null ? null : "could not remove " + leftBehind + "; gc treats this push as running "
                + "until its lease expires";
    }
}
