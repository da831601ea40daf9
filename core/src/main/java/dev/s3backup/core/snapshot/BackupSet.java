package dev.s3backup.core.snapshot;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.core.push.PushLock;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.repo.RepositoryLayout;
import dev.s3backup.core.store.DeleteResult;
import dev.s3backup.core.store.ListPage;
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
import java.util.Collection;
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
 * sets/ID/complete       the id of the committed backup (a hint for listing; the manifest is the truth)
 * manifests/BACKUP       the set's backup: every part's entries, written by whichever host saw the last part
 * </pre>
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

    /** State of one set. */
    public record Status(String setId, List<String> expected, List<String> present, String backupId) {
        public boolean complete() {
            return backupId != null;
        }

        public List<String> missing() {
            return expected.stream().filter(t -> !present.contains(t)).toList();
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
        if (store.head(partKey(setId, token)).isPresent()) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot push node " + token + " of backup set " + setId
                    + ": that node's part is already committed (a set takes each node once)");
        }
        return Repository.open(new PartStore(store, partKey(setId, token)));
    }

    /** Commits the set's backup if every part is there; otherwise reports what is missing. Idempotent. */
    public static Status tryComplete(Repository repo, String setId, Path tempDir) {
        requireId(setId);
        ObjectStore store = repo.store();
        List<String> expected = expectedNodes(store, setId);
        List<String> present = presentParts(store, setId);
        if (!present.containsAll(expected)) {
            return new Status(setId, expected, present, null);
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
                 ManifestWriter writer = ManifestCodec.newWriter(out, header)) {
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
            store.putIfAbsent(RepositoryLayout.manifestKey(id), Payload.ofFile(file, null).withRetention(retention));
            store.putIfAbsent(completeKey(setId), Payload.of(id.getBytes(StandardCharsets.UTF_8)));
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
        return new Status(setId, expected, present, id);
    }

    /** Every set in the repository, complete or not, by id. */
    public static List<Status> list(Repository repo) {
        ObjectStore store = repo.store();
        Map<String, List<String>> keys = new TreeMap<>();
        for (Iterator<ObjectInfo> it = store.listAll(PREFIX); it.hasNext(); ) {
            String rest = it.next().key().substring(PREFIX.length());
            int slash = rest.indexOf('/');
            if (slash > 0) {
                keys.computeIfAbsent(rest.substring(0, slash), k -> new ArrayList<>()).add(rest.substring(slash + 1));
            }
        }
        List<Status> sets = new ArrayList<>();
        keys.forEach((setId, rel) -> {
            List<String> expected = rel.contains("nodes") ? expectedNodes(store, setId) : List.of();
            List<String> present = rel.stream().filter(r -> r.startsWith("parts/")).map(r -> r.substring(6)).sorted().toList();
            String backup = null;
            if (rel.contains("complete")) {
                String id = read(store, completeKey(setId)).strip();
                if (store.head(RepositoryLayout.manifestKey(id)).isPresent()) {
                    backup = id;
                }
            }
            sets.add(new Status(setId, expected, present, backup));
        });
        return sets;
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

    /** The repository's store, except that committing a backup creates this node's part instead. */
    private static final class PartStore implements ObjectStore {
        private final ObjectStore store;
        private final String partKey;

        PartStore(ObjectStore store, String partKey) {
            this.store = store;
            this.partKey = partKey;
        }

        @Override
        public PutOutcome putIfAbsent(String key, Payload payload) {
            if (key.startsWith(RepositoryLayout.MANIFESTS)) {
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
        public java.time.Instant extendRetention(String key, dev.s3backup.core.store.Retention retention) {
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
    }
}
