package dev.s3backup.core.snapshot;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.core.gc.PushGuard;
import dev.s3backup.core.push.PushLock;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.repo.RepositoryLayout;
import dev.s3backup.core.store.ForwardingObjectStore;
import dev.s3backup.core.store.ObjectInfo;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.Payload;
import dev.s3backup.core.store.Retention;
import dev.s3backup.core.store.StoreException;
import dev.s3backup.manifest.BackupId;
import dev.s3backup.manifest.Entry;
import dev.s3backup.manifest.ManifestCodec;
import dev.s3backup.manifest.ManifestHeader;
import dev.s3backup.manifest.ManifestReader;
import dev.s3backup.manifest.ManifestWriter;
import dev.s3backup.manifest.Node;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A backup whose nodes are pushed from different hosts, each host pushing its own node, and
 * committed as one backup once every expected node has arrived - with the store's create-only
 * writes as the only coordination.
 *
 * <pre>
 * sets/ID/nodes          the expected node tokens, one per line; created by the first host, checked by the others
 * sets/ID/parts/TOKEN    one node's part: a complete manifest of that node, created once
 * sets/ID/complete       the id of the committed backup; written once the manifest exists and never removed
 * manifests/BACKUP       the set's backup: every part's entries, written by whichever host saw the last part
 * </pre>
 *
 * <p>A set is {@link State#INCOMPLETE} until its {@code complete} marker exists; then it is
 * {@link State#COMPLETE} while its manifest exists and {@link State#FORGOTTEN} once the manifest is
 * gone. The marker is the set's tombstone: nothing commits a set that has one, gc protects the
 * chunks of a set's parts exactly while it has none ({@link #partsToProtect}), and forget removes
 * the parts and nodes of a set it forgets but keeps the marker. A completion takes a gc lease
 * before it checks the marker and commits through the same intent check as a push, so a gc
 * that deleted the set's chunks after another host completed it and forget removed it stops the
 * commit (docs/RETENTION.md, "Backup sets").
 *
 * <p>The backup id is derived from the set (the earliest part's time and a hash of the set id),
 * so hosts that complete the set at the same moment write the same key and only one create
 * succeeds; the other sees "already exists" and reports the same backup. Until every part is
 * there, no manifest exists: a set with a missing node never appears as a backup.
 */
public final class BackupSet {
    public static final String PREFIX = "sets/";

    private BackupSet() {
    }

    /** Where a set is in its life: it only ever moves forward. */
    public enum State {
        /** Parts are arriving; they are gc roots, and the set commits once all are there. */
        INCOMPLETE,
        /** Committed: its manifest is the backup. */
        COMPLETE,
        /** Committed, then its backup was forgotten: never committed again. */
        FORGOTTEN
    }

    /**
     * State of one set.
     *
     * @param backupId the committed backup, or null while incomplete (and for a forgotten set
     *     whose parts forget already removed: its id is not read back)
     */
    public record Status(String setId, List<String> expected, List<String> present, String backupId, State state) {
        public Status {
            expected = List.copyOf(expected);
            present = List.copyOf(present);
        }

        public boolean complete() {
            return state == State.COMPLETE;
        }

        /** Nodes still to arrive; none once the set was committed. */
        public List<String> missing() {
            return state != State.INCOMPLETE ? List.of() : expected.stream().filter(t -> !present.contains(t)).toList();
        }
    }

    static String nodesKey(String setId) {
        return PREFIX + setId + "/nodes";
    }

    static String partKey(String setId, String token) {
        return PREFIX + setId + "/parts/" + token;
    }

    static String completeKey(String setId) {
        return PREFIX + setId + "/complete";
    }

    /**
     * Registers the set's expected nodes (or checks them against what the first host registered)
     * and returns a repository whose commit writes this node's part instead of a backup.
     */
    public static Repository partRepository(Repository repo, String setId, String token, List<String> expected) {
        requireId(setId);
        List<String> nodes = new ArrayList<>(new TreeSet<>(expected));
        if (!nodes.contains(token)) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot push node " + token + " of backup set " + setId
                    + ": it is not one of the set's nodes " + nodes);
        }
        for (String n : nodes) {
            if (!Node.isValidToken(n)) {
                throw new BackupException(Reason.INVALID_INPUT, "Cannot use backup set node '" + n + "': not a valid token");
            }
        }
        ObjectStore store = repo.store();
        byte[] content = (String.join("\n", nodes) + "\n").getBytes(StandardCharsets.UTF_8);
        if (store.putIfAbsent(nodesKey(setId), Payload.of(content)) == ObjectStore.PutOutcome.ALREADY_EXISTED) {
            List<String> registered = expectedNodes(store, setId);
            if (!registered.equals(nodes)) {
                throw new BackupException(Reason.INVALID_INPUT, "Cannot push node " + token + " of backup set " + setId
                        + ": the set was started with nodes " + registered + ", not " + nodes);
            }
        }
        Optional<String> committed = committedId(store, setId);
        if (committed.isPresent()) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot push node " + token + " of backup set " + setId
                    + ": the set is already committed (backup " + committed.get() + "); use a new set id");
        }
        if (store.head(partKey(setId, token)).isPresent()) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot push node " + token + " of backup set " + setId
                    + ": that node's part is already committed (a set takes each node once)");
        }
        return repo.through(new PartStore(store, partKey(setId, token)));
    }

    /**
     * Commits the set's backup if every part is there and the set was never committed; otherwise
     * reports what is missing, or the committed (or forgotten) backup. Idempotent.
     */
    public static Status tryComplete(Repository repo, String setId, Path tempDir) {
        return tryComplete(repo, setId, tempDir, PushGuard.leases());
    }

    /** As {@link #tryComplete(Repository, String, Path)}, with the protocol that keeps gc out (tests shorten its times). */
    public static Status tryComplete(Repository repo, String setId, Path tempDir, PushGuard guard) {
        requireId(setId);
        ObjectStore store = repo.store();
        // The lease comes first: a gc that deletes this set's chunks after the marker check below
        // (because another host committed the set and forget removed it meanwhile) is then seen
        // by the intent check before the commit.
        try (PushGuard.Session session = guard.begin(repo)) {
            Optional<String> committed = committedId(store, setId);
            if (committed.isPresent()) {
                return settled(store, setId, committed.get());
            }
            try {
                return commit(repo, setId, tempDir, session);
            } catch (BackupException e) {
                // Parts removed or the commit refused: if the set was committed (and forgotten)
                // meanwhile, that is the answer, not an error.
                Optional<String> now = committedId(store, setId);
                if (now.isPresent()) {
                    return settled(store, setId, now.get());
                }
                throw e;
            }
        }
    }

    private static Status commit(Repository repo, String setId, Path tempDir, PushGuard.Session session) {
        ObjectStore store = repo.store();
        List<String> expected = expectedNodes(store, setId);
        List<String> present = presentParts(store, setId);
        if (!present.containsAll(expected)) {
            return new Status(setId, expected, present, null, State.INCOMPLETE);
        }
        Map<String, ManifestHeader> headers = new LinkedHashMap<>();
        for (String token : expected) {
            try (ManifestReader r = ManifestCodec.newReader(store.get(partKey(setId, token)))) {
                headers.put(token, r.header());
            } catch (IOException e) {
                throw new BackupException(Reason.IO, "Cannot read part " + token + " of backup set " + setId + ": "
                        + e.getMessage(), e);
            }
        }
        Instant created = headers.values().stream().map(ManifestHeader::created).min(Instant::compareTo).orElseThrow();
        String id = BackupId.generate(created, new Random(setId.hashCode() * 31L + 17));
        List<Node> nodes = new ArrayList<>();
        Map<String, String> props = new TreeMap<>();
        props.put("set.id", setId);
        props.put("set.nodes", String.join(",", expected));
        headers.forEach((token, h) -> {
            h.nodes().forEach(nodes::add);
            props.put("set.part." + token, h.id());
            h.properties().forEach((k, v) -> props.put("set.part." + token + "." + k, v));
        });
        ManifestHeader first = headers.values().iterator().next();
        Retention retention = null;
        if (repo.config().objectLock() != null) {
            // The set is locked as long as its least-locked part, and promises what every part promises.
            Instant until = earliest(headers.values().stream().map(PushLock::backupUntil).toList());
            Instant chunksUntil = earliest(headers.values().stream().map(PushLock::chunksUntil).toList());
            if (until != null) {
                retention = new Retention(repo.config().objectLock().mode(), until);
                props.put(PushLock.BACKUP_UNTIL, until.toString());
            }
            if (chunksUntil != null) {
                props.put(PushLock.CHUNKS_UNTIL, chunksUntil.toString());
            }
        }
        ManifestHeader header = new ManifestHeader(id, first.name(), created, first.toolVersion(), "backup-set " + setId,
                null, nodes, props);
        Path file = null;
        try {
            file = Files.createTempFile(tempDir, "s3backup-set-", ".tmp");
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file));
                 ManifestWriter writer = ManifestCodec.newWriter(out, header, repo.config().manifestVersion())) {
                java.util.Set<String> loose = new java.util.HashSet<>();
                for (String token : expected) {
                    try (ManifestReader r = ManifestCodec.newReader(store.get(partKey(setId, token)))) {
                        for (Entry e = r.next(); e != null; e = r.next()) {
                            if (e.node().isEmpty() && !loose.add(e.path())) {
                                throw new BackupException(Reason.INVALID_INPUT, "Cannot complete backup set " + setId
                                        + ": the loose file " + e.path() + " is in two parts");
                            }
                            writer.write(e);
                        }
                    }
                }
                writer.finish();
            }
            session.beforeCommit(id, file);
            store.putIfAbsent(RepositoryLayout.manifestKey(id), Payload.ofFile(file, null).withRetention(retention));
            session.afterCommit(id);
            markCommitted(store, setId, id);
        } catch (IOException e) {
            throw new BackupException(Reason.IO, "Cannot complete backup set " + setId + ": " + e.getMessage(), e);
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a temp file left behind loses nothing
                }
            }
        }
        return new Status(setId, expected, present, id, State.COMPLETE);
    }

    /** Every set in the repository, incomplete, complete or forgotten, by id. */
    public static List<Status> list(Repository repo) {
        ObjectStore store = repo.store();
        List<Status> sets = new ArrayList<>();
        objectsBySet(store).forEach((setId, rel) -> {
            List<String> expected = rel.contains("nodes") ? expectedNodes(store, setId) : List.of();
            List<String> present = rel.stream().filter(r -> r.startsWith("parts/")).map(r -> r.substring(6)).sorted().toList();
            if (!rel.contains("complete")) {
                sets.add(new Status(setId, expected, present, null, State.INCOMPLETE));
            } else if (rel.size() == 1) {
                // Only the marker is left: forget removed the rest, so the backup is gone.
                sets.add(new Status(setId, expected, present, null, State.FORGOTTEN));
            } else {
                String backupId = read(store, completeKey(setId)).strip();
                sets.add(new Status(setId, expected, present, backupId, committedState(store, backupId)));
            }
        });
        return sets;
    }

    /**
     * The parts gc must protect: those of every set without a {@code complete} marker, the same
     * sets {@link #list} calls incomplete and {@link #tryComplete} may still commit. Once the
     * marker exists the set's manifest (or nothing, if it was forgotten) is the root.
     */
    public static List<String> partsToProtect(ObjectStore store) {
        List<String> keys = new ArrayList<>();
        objectsBySet(store).forEach((setId, rel) -> {
            if (!rel.contains("complete")) {
                rel.stream().filter(r -> r.startsWith("parts/")).forEach(r -> keys.add(PREFIX + setId + "/" + r));
            }
        });
        return keys;
    }

    /**
     * After forget deleted the manifest of a set's backup: makes sure the set is marked committed
     * (its tombstone), then removes its parts and nodes, which must no longer protect or resurrect
     * anything. Returns the objects removed. The marker goes first: a forget that stops halfway
     * leaves a set that is forgotten, never one that looks completable.
     */
    public static int forgotten(Repository repo, String setId, String backupId) {
        requireId(setId);
        ObjectStore store = repo.store();
        Optional<String> committed = committedId(store, setId);
        if (committed.isPresent() && !committed.get().equals(backupId)) {
            return 0; // the marker names another backup: not this set's state to remove
        }
        if (committed.isEmpty()) {
            markCommitted(store, setId, backupId);
        }
        List<String> keys = new ArrayList<>();
        for (Iterator<ObjectInfo> it = store.listAll(PREFIX + setId + "/"); it.hasNext(); ) {
            String key = it.next().key();
            if (!key.equals(completeKey(setId))) {
                keys.add(key);
            }
        }
        return keys.isEmpty() ? 0 : store.delete(keys).deleted();
    }

    /** Object names under {@code sets/ID/} (such as "nodes", "parts/a", "complete"), by set id. */
    private static Map<String, List<String>> objectsBySet(ObjectStore store) {
        Map<String, List<String>> keys = new TreeMap<>();
        for (Iterator<ObjectInfo> it = store.listAll(PREFIX); it.hasNext(); ) {
            String rest = it.next().key().substring(PREFIX.length());
            int slash = rest.indexOf('/');
            if (slash > 0) {
                keys.computeIfAbsent(rest.substring(0, slash), k -> new ArrayList<>()).add(rest.substring(slash + 1));
            }
        }
        return keys;
    }

    /** The backup id the set's marker names, or empty while the set was never committed. */
    private static Optional<String> committedId(ObjectStore store, String setId) {
        if (store.head(completeKey(setId)).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(read(store, completeKey(setId)).strip());
    }

    private static void markCommitted(ObjectStore store, String setId, String backupId) {
        store.putIfAbsent(completeKey(setId), Payload.of(backupId.getBytes(StandardCharsets.UTF_8)));
    }

    /** A committed set: complete while its manifest exists, forgotten after. */
    private static Status settled(ObjectStore store, String setId, String backupId) {
        List<String> expected = store.head(nodesKey(setId)).isPresent() ? expectedNodes(store, setId) : List.of();
        return new Status(setId, expected, expected.isEmpty() ? List.of() : presentParts(store, setId), backupId,
                committedState(store, backupId));
    }

    private static State committedState(ObjectStore store, String backupId) {
        return store.head(RepositoryLayout.manifestKey(backupId)).isPresent() ? State.COMPLETE : State.FORGOTTEN;
    }

    private static List<String> expectedNodes(ObjectStore store, String setId) {
        String text = read(store, nodesKey(setId));
        return text.lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    private static List<String> presentParts(ObjectStore store, String setId) {
        List<String> present = new ArrayList<>();
        String prefix = PREFIX + setId + "/parts/";
        for (Iterator<ObjectInfo> it = store.listAll(prefix); it.hasNext(); ) {
            present.add(it.next().key().substring(prefix.length()));
        }
        return present;
    }

    private static String read(ObjectStore store, String key) {
        try (InputStream in = store.get(key)) {
            return new String(in.readNBytes(1 << 20), StandardCharsets.UTF_8);
        } catch (StoreException e) {
            if (e.kind() == StoreException.Kind.NOT_FOUND) {
                throw new BackupException(Reason.NOT_FOUND, "Cannot find backup set object " + key, e);
            }
            throw e;
        } catch (IOException e) {
            throw new BackupException(Reason.IO, "Cannot read " + key + ": " + e.getMessage(), e);
        }
    }

    private static void requireId(String setId) {
        if (!Node.isValidToken(setId)) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot use backup set id '" + setId
                    + "': use 1-255 letters, digits, '.', '_' or '-'");
        }
    }

    /** The earliest of the instants, or null when any is missing (a part pushed without a lock). */
    private static Instant earliest(List<Instant> instants) {
        Instant min = null;
        for (Instant i : instants) {
            if (i == null) {
                return null;
            }
            min = min == null || i.isBefore(min) ? i : min;
        }
        return min;
    }

    /**
     * The repository's store, except that committing a backup creates this node's part instead (and
     * a HEAD of the committed manifest answers for the part, so the push's guard reads its time).
     */
    private static final class PartStore extends ForwardingObjectStore {
        private final String partKey;
        private volatile String committedKey;

        PartStore(ObjectStore store, String partKey) {
            super(store);
            this.partKey = partKey;
        }

        @Override
        public PutOutcome putIfAbsent(String key, Payload payload) {
            if (key.startsWith(RepositoryLayout.MANIFESTS)) {
                committedKey = key;
                PutOutcome outcome = store.putIfAbsent(partKey, payload);
                if (outcome == PutOutcome.ALREADY_EXISTED) {
                    throw new BackupException(Reason.INVALID_INPUT, "Cannot commit " + partKey
                            + ": another host committed this node's part first");
                }
                return outcome;
            }
            return store.putIfAbsent(key, payload);
        }

        @Override
        public Optional<ObjectInfo> head(String key) {
            return store.head(key.equals(committedKey) ? partKey : key);
        }

        /** The repository's store is the repository's to close, not the part's. */
        @Override
        public void close() {
        }
    }
}
