package dev.s3backup.core.gc;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.repo.RepositoryLayout;
import dev.s3backup.core.snapshot.BackupSet;
import dev.s3backup.core.store.DeleteResult;
import dev.s3backup.core.store.ObjectInfo;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.Payload;
import dev.s3backup.core.store.StoreException;
import dev.s3backup.manifest.BackupId;
import dev.s3backup.manifest.ManifestCodec;
import dev.s3backup.manifest.ManifestFormatException;
import dev.s3backup.manifest.ManifestReader;
import dev.s3backup.manifest.Sha256;
import dev.s3backup.manifest.Sha256Set;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Removes chunks no backup needs: mark (every manifest, pending manifest and backup-set part),
 * list chunks/ as a stream, and delete the unreferenced ones older than a grace period measured
 * with the store's own clock - announcing each batch in an intent and looking at the roots again
 * before deleting it, so that a concurrent push either sees the intent or is seen (see
 * {@link GcProtocol}). Memory grows with the referenced chunks (~43 bytes each), not with the
 * objects in the store: candidates are spooled to a temporary file.
 *
 * <p>Refuses to sweep when any root cannot be read: its chunks are unknown. Idempotent: a run
 * that stops (interrupted, access denied) leaves every referenced chunk in place, and the next
 * run starts over from the mark and continues with what is left.
 */
public final class GarbageCollector {
    private static final int DELETE_BATCH = 1000;
    private static final int RECORD = Sha256.BYTES + Long.BYTES;

    private final Repository repository;
    private final ObjectStore store;
    private final GcOptions options;
    private final Clock clock;
    private final Map<String, String> unreadable = new TreeMap<>();
    private final Set<String> seenRoots = new HashSet<>();
    private final Map<String, Instant> abandonedPending = new LinkedHashMap<>();
    private final Sha256Set referenced = new Sha256Set();
    /** Markers written to read the store's clock before deletes; removed at the end of the run. */
    private final List<String> clockReadings = new ArrayList<>();
    private final String thisHost;
    private Instant storeNow;
    private Leases leases;
    private int roots;
    private long deadPendingRemoved;

    /** @param clock only names the run; no decision depends on it */
    public GarbageCollector(Repository repository, GcOptions options, Clock clock) {
        this.repository = repository;
        this.store = repository.store();
        this.options = options;
        this.clock = clock;
        this.thisHost = PushProcess.hostName();
    }

    public GcResult run() {
        long startNanos = System.nanoTime();
        String runId = BackupId.generate(clock.instant(), new SecureRandom());
        String marker = GcProtocol.RUNS + runId;
        storeNow = GcProtocol.writeMarker(store, marker, "s3backup-gc-run-v1\n" + (options.dryRun() ? "dry-run\n" : ""));
        GcProtocol.Timing timing = options.timing();

        // Leases first: the pending manifest of a push known dead is no root (see refreshRoots).
        leases = Leases.read(store, storeNow, timing, thisHost);
        refreshRoots();
        Instant graceCutoff = storeNow.minus(options.grace());
        Instant cutoff = leases.cutoff(graceCutoff);

        Sweep sweep = new Sweep();
        if (unreadable.isEmpty()) {
            Path spool = null;
            try {
                spool = Files.createTempFile(options.tempDir(), "s3backup-gc-", ".candidates");
                listCandidates(spool, graceCutoff, cutoff, leases, sweep);
                if (!options.dryRun()) {
                    sweep(spool, runId, sweep);
                    if (sweep.stopped == null && unreadable.isEmpty()) {
                        sweep.cleaned = cleanUp();
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot spool gc candidates: " + e.getMessage(), e);
            } finally {
                deleteQuietly(spool);
            }
        } else {
            sweep.stopped = "nothing was swept: " + unreadable.size() + " root(s) could not be read, so the chunks "
                    + "they need are unknown";
            sweep.problem = Reason.INTEGRITY;
        }
        if (options.dryRun()) {
            try {
                store.delete(List.of(marker));
            } catch (RuntimeException ignored) {
                // a run marker left behind is removed by a later gc
            }
        }
        return new GcResult(runId, options.dryRun(), storeNow, cutoff, roots, leases.live(), referenced.size(),
                sweep.listed, sweep.candidates, sweep.candidateBytes, sweep.spared, sweep.deleted, sweep.bytesFreed,
                sweep.failed, unreadable, sweep.stopped, sweep.problem, sweep.foreign, sweep.cleaned,
                repository.requests().snapshot(), Duration.ofNanos(System.nanoTime() - startNanos),
                sweep.locked, sweep.lockedUntil, leases.report(), leases.chunksHeld(), leases.bytesHeld());
    }

    /** Mutable tallies of one run. */
    private static final class Sweep {
        long listed;
        long candidates;
        long candidateBytes;
        long spared;
        long deleted;
        long bytesFreed;
        long foreign;
        long cleaned;
        long locked;
        Instant lockedUntil;
        String stopped;
        Reason problem;
        final Map<String, String> failed = new LinkedHashMap<>();
    }

    /**
     * Reads every root not read before. Order matters: pending manifests first, then backup-set
     * parts, then manifests - a push deletes its pending manifest only after committing, and a
     * set is marked complete only after its manifest exists, so nothing slips between listings.
     */
    private void refreshRoots() {
        for (ObjectInfo p : GcProtocol.listAll(store, GcProtocol.PENDING)) {
            if (seenRoots.contains(p.key())) {
                continue;
            }
            if (p.lastModified().isBefore(storeNow.minus(options.timing().pendingTtl()))) {
                abandonedPending.put(p.key(), p.lastModified());
                continue;
            }
            String push = GcProtocol.pushOfPending(p.key());
            if (push != null && leases.knownDead(push) && removeDeadPending(p.key())) {
                continue;
            }
            readRoot(p.key(), "pending manifest " + p.key());
        }
        // Parts of sets not yet committed reference chunks before any manifest does; once a set is
        // committed its manifest (or nothing, if it was forgotten) is the root. BackupSet decides,
        // so gc and backup-sets agree on which sets are still live.
        for (String key : BackupSet.partsToProtect(store)) {
            if (!seenRoots.contains(key)) {
                String setId = key.substring(BackupSet.PREFIX.length(), key.indexOf("/parts/"));
                readRoot(key, "part " + key.substring(key.lastIndexOf('/') + 1) + " of backup set " + setId);
            }
        }
        for (Iterator<ObjectInfo> it = store.listAll(RepositoryLayout.MANIFESTS); it.hasNext(); ) {
            String key = it.next().key();
            String id = key.substring(RepositoryLayout.MANIFESTS.length());
            if (!seenRoots.contains(key) && BackupId.isValid(id)) {
                readRoot(key, "backup " + id);
            }
        }
    }

    /**
     * The pending manifest of a push known dead (like its lease) protects nothing: that push never
     * commits. It is removed before it stops being a root, so a push misjudged dead sees it gone
     * after its commit and checks the intents again ({@link LeaseSession#afterCommit}). A dry run
     * removes nothing and only leaves it out.
     */
    private boolean removeDeadPending(String key) {
        if (options.dryRun()) {
            return true;
        }
        try {
            if (store.delete(List.of(key)).failed().isEmpty()) {
                deadPendingRemoved++;
                return true;
            }
        } catch (StoreException e) {
            // then it stays a root
        }
        return false;
    }

    /** Reads of a root that failed before gc calls it unreadable (see {@link #readRoot}). */
    private static final int ROOT_READS = 3;
    private static final long ROOT_RETRY_MILLIS = 250;

    /**
     * Adds a root's chunks. A root that cannot be read is read again twice, a little later: a
     * store that writes objects in place (S3Proxy's filesystem backend, some NAS servers) can list
     * a pending manifest before its bytes are there. Still unreadable, it stops the sweep.
     */
    private void readRoot(String key, String what) {
        seenRoots.add(key);
        String problem = null;
        for (int attempt = 0; attempt < ROOT_READS; attempt++) {
            if (attempt > 0 && !pause(ROOT_RETRY_MILLIS * attempt)) {
                break;
            }
            try (ManifestReader reader = ManifestCodec.newReader(store.get(key))) {
                GcProtocol.addChunks(reader, referenced);
                roots++;
                return;
            } catch (ManifestFormatException | IOException | UncheckedIOException e) {
                problem = e.getMessage();
            } catch (StoreException e) {
                if (e.kind() == StoreException.Kind.NOT_FOUND) {
                    return; // forgotten (or committed and cleaned up) since the listing
                }
                problem = e.getMessage();
            }
        }
        unreadable.put(key, what + ": " + problem);
    }

    private static boolean pause(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void listCandidates(Path spool, Instant graceCutoff, Instant cutoff, Leases leases, Sweep sweep)
            throws IOException {
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(spool), 1 << 16))) {
            for (Iterator<ObjectInfo> it = store.listAll(RepositoryLayout.CHUNKS); it.hasNext(); ) {
                ObjectInfo o = it.next();
                sweep.listed++;
                Sha256 hash = chunkHash(o.key());
                if (hash == null) {
                    sweep.foreign++;
                    continue;
                }
                if (referenced.contains(hash) || !o.lastModified().isBefore(graceCutoff)) {
                    continue;
                }
                if (o.lastModified().isBefore(cutoff)) {
                    out.write(hash.bytes());
                    out.writeLong(o.size());
                    sweep.candidates++;
                    sweep.candidateBytes += o.size();
                } else {
                    leases.spared(o.lastModified(), o.size());
                }
            }
        }
    }

    /** The hash of a well-formed chunk key, else null (such objects are never deleted). */
    static Sha256 chunkHash(String key) {
        String rest = key.substring(RepositoryLayout.CHUNKS.length());
        if (rest.length() != 2 + 1 + 64 || rest.charAt(2) != '/' || !rest.startsWith(rest.substring(3, 5) + "/")) {
            return null;
        }
        String hex = rest.substring(3);
        for (int i = 0; i < hex.length(); i++) {
            char c = hex.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return null;
            }
        }
        return Sha256.fromHex(hex);
    }

    /** An unreferenced chunk past the cutoff. */
    private record Candidate(Sha256 hash, long size) {
        String key() {
            return RepositoryLayout.chunkKey(hash);
        }
    }

    private void sweep(Path spool, String runId, Sweep sweep) throws IOException {
        int seq = 0;
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(spool), 1 << 16))) {
            boolean eof = false;
            while (!eof && sweep.stopped == null) {
                List<Candidate> batch = new ArrayList<>();
                byte[] hash = new byte[Sha256.BYTES];
                while (batch.size() < options.intentSize()) {
                    try {
                        in.readFully(hash);
                    } catch (EOFException e) {
                        eof = true;
                        break;
                    }
                    batch.add(new Candidate(Sha256.of(hash.clone()), in.readLong()));
                }
                while (!batch.isEmpty() && sweep.stopped == null) {
                    batch = announceAndDelete(runId + "-" + String.format("%06d", seq++), batch, sweep);
                }
            }
        }
    }

    /**
     * Announces the batch in intent {@code gc/intents/NAME}, looks at the roots again, and deletes
     * what is still unreferenced while the store's clock says the intent window is open. Returns
     * what it had no time for, to be announced again (empty once the sweep stopped).
     */
    private List<Candidate> announceAndDelete(String name, List<Candidate> batch, Sweep sweep) {
        String intent = GcProtocol.INTENTS + name;
        // Look at the roots once before announcing, so the intent names only what is still garbage:
        // every chunk it names makes a push that relies on it abort.
        List<Candidate> garbage = stillGarbage(batch, sweep);
        if (garbage == null || garbage.isEmpty()) {
            return List.of();
        }
        Instant announced;
        try {
            announced = GcProtocol.writeMarker(store, intent,
                    GcProtocol.encodeIntent(garbage.stream().map(Candidate::hash).toList()));
        } catch (StoreException e) {
            stop(sweep, "Cannot write gc intent " + intent + ": " + e.getMessage(), e);
            return List.of();
        }
        List<Candidate> doomed = stillGarbage(garbage, sweep);
        if (doomed == null) {
            return List.of();
        }
        int done = 0;
        while (done < doomed.size()) {
            // The store's clock, read right before the request: a host suspended since the intent
            // (its monotonic clock stopped meanwhile) must not delete under an intent pushes no longer read.
            if (!withinWindow(name, announced, sweep)) {
                break;
            }
            List<Candidate> part = doomed.subList(done, Math.min(doomed.size(), done + DELETE_BATCH));
            if (!delete(part, sweep)) {
                return List.of();
            }
            done += part.size();
        }
        if (sweep.stopped == null) {
            markDeletesDone(intent);
        }
        return sweep.stopped == null ? new ArrayList<>(doomed.subList(done, doomed.size())) : List.of();
    }

    /**
     * Every delete request of the intent was answered (what it had no time for is announced
     * again under a new one): a push that needs a chunk the intent names may now trust a copy it
     * finds present. Without the marker (a run that stopped or died) pushes judge by timestamps.
     */
    private void markDeletesDone(String intent) {
        try {
            store.putIfAbsent(GcProtocol.deletesDoneKey(intent), Payload.of("s3backup-gc-done-v1\n".getBytes(
                    java.nio.charset.StandardCharsets.UTF_8)));
        } catch (StoreException e) {
            // liveness only: pushes then wait for the intent window to pass
        }
    }

    /**
     * Reads the roots again and drops every candidate they now reference (a push committed it);
     * null when a new root cannot be read, which stops the sweep.
     */
    private List<Candidate> stillGarbage(List<Candidate> candidates, Sweep sweep) {
        int before = unreadable.size();
        refreshRoots();
        if (unreadable.size() > before) {
            sweep.stopped = "stopped: a root written during the sweep could not be read, so the chunks it needs are unknown";
            sweep.problem = Reason.INTEGRITY;
            return null;
        }
        List<Candidate> left = new ArrayList<>(candidates.size());
        for (Candidate c : candidates) {
            if (referenced.contains(c.hash())) {
                sweep.spared++;
            } else {
                left.add(c);
            }
        }
        return left;
    }

    /** Whether the store's clock, read now, is still inside the intent window that began at {@code announced}. */
    private boolean withinWindow(String name, Instant announced, Sweep sweep) {
        String key = GcProtocol.RUNS + name + "-clock-" + String.format("%06d", clockReadings.size());
        Instant now;
        try {
            now = GcProtocol.writeMarker(store, key, "s3backup-gc-clock-v1\n");
        } catch (StoreException e) {
            stop(sweep, "Cannot read the store's clock (" + key + "): " + e.getMessage(), e);
            return false;
        }
        clockReadings.add(key);
        return !now.isAfter(announced.plus(options.timing().intentWindow()));
    }

    /** Deletes one request's worth of chunks; false when the request as a whole failed (the sweep stops). */
    private boolean delete(List<Candidate> part, Sweep sweep) {
        DeleteResult r;
        try {
            r = store.delete(part.stream().map(Candidate::key).toList());
        } catch (StoreException e) {
            stop(sweep, "Cannot delete chunks from " + store.describe() + ": " + e.getMessage(), e);
            return false;
        }
        for (Candidate c : part) {
            String key = c.key();
            String reason = r.failed().get(key);
            Instant lockedUntil = r.locked().get(key);
            if (lockedUntil != null) {
                // Under Object Lock: left in place (no delete marker); a gc after that date collects it.
                sweep.locked++;
                if (sweep.lockedUntil == null || lockedUntil.isAfter(sweep.lockedUntil)) {
                    sweep.lockedUntil = lockedUntil;
                }
            } else if (reason == null) {
                sweep.deleted++;
                sweep.bytesFreed += c.size();
            } else {
                sweep.failed.put(key, reason);
                if (sweep.problem == null || sweep.problem == Reason.IO) {
                    sweep.problem = looksDenied(reason) ? Reason.ACCESS_DENIED : Reason.IO;
                }
            }
        }
        return true;
    }

    private static boolean looksDenied(String reason) {
        String r = reason.toLowerCase(java.util.Locale.ROOT);
        return r.contains("accessdenied") || r.contains("access denied") || r.contains("permission");
    }

    private static void stop(Sweep sweep, String message, StoreException e) {
        sweep.stopped = message;
        sweep.problem = switch (e.kind()) {
            case ACCESS_DENIED -> Reason.ACCESS_DENIED;
            case NOT_FOUND -> Reason.NOT_FOUND;
            case INTEGRITY, IO -> Reason.IO;
        };
    }

    /** Removes expired leases, abandoned pending manifests, and intents and run markers no push can still need. */
    private long cleanUp() {
        GcProtocol.Timing timing = options.timing();
        List<String> keys = new ArrayList<>(leases.expiredKeys());
        keys.addAll(abandonedPending.keySet());
        keys.addAll(clockReadings); // served their purpose; a stopped run leaves them to the 9-day clean-up
        Instant old = storeNow.minus(timing.intentRetention());
        for (String prefix : List.of(GcProtocol.INTENTS, GcProtocol.RUNS)) {
            for (ObjectInfo o : GcProtocol.listAll(store, prefix)) {
                if (o.lastModified().isBefore(old)) {
                    keys.add(o.key());
                }
            }
        }
        if (keys.isEmpty()) {
            return deadPendingRemoved;
        }
        try {
            DeleteResult r = store.delete(keys);
            return deadPendingRemoved + Math.max(0, r.deleted() - clockReadings.size());
        } catch (StoreException e) {
            return deadPendingRemoved; // protocol objects only: the next run tries again
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a temp file left behind loses nothing
            }
        }
    }
}
