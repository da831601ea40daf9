package dev.s3backup.core.repo;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.core.crypt.Compression;
import dev.s3backup.core.crypt.KeySlot;
import dev.s3backup.core.crypt.ObjectSealer;
import dev.s3backup.core.crypt.RepositoryKeys;
import dev.s3backup.core.store.ObjectInfo;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.OwnWrite;
import dev.s3backup.core.store.Payload;
import dev.s3backup.core.store.StoreException;
import dev.s3backup.manifest.BackupId;
import dev.s3backup.manifest.ManifestCodec;
import dev.s3backup.manifest.ManifestFormatException;
import dev.s3backup.manifest.ManifestReader;
import dev.s3backup.manifest.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A repository opened on an {@link ObjectStore}: its config, its backups (one manifest each)
 * and its chunks. Every request made through it is counted in {@link #requests()}.
 */
public final class Repository implements AutoCloseable {
    public static final String LATEST = "latest";
    private static final Supplier<MessageDigest> PLAIN_ADDRESSES = Sha256::newDigest;

    private final ObjectStore store;
    private final RequestCounts requests;
    private final RepositoryConfig config;
    /** The master key and the slot that opened it; null for a plain repository. */
    private final KeySlots.Unlocked unlocked;
    /** Null when nothing is sealed. */
    private final SealingObjectStore sealing;
    /** Makes the digests that turn content into its address: see {@link #withAddressDigests}. */
    private final Supplier<MessageDigest> addressDigests;

    private Repository(ObjectStore store, RequestCounts requests, RepositoryConfig config, KeySlots.Unlocked unlocked,
                       SealingObjectStore sealing) {
        this(store, requests, config, unlocked, sealing,
                unlocked == null ? PLAIN_ADDRESSES : unlocked.keys()::newAddressDigest);
    }

    private Repository(ObjectStore store, RequestCounts requests, RepositoryConfig config, KeySlots.Unlocked unlocked,
                       SealingObjectStore sealing, Supplier<MessageDigest> addressDigests) {
        this.store = store;
        this.requests = requests;
        this.config = config;
        this.unlocked = unlocked;
        this.sealing = sealing;
        this.addressDigests = addressDigests;
    }

    /**
     * The repository as the commands see it: for an encrypted or compressed one, the counted store
     * behind a {@link SealingObjectStore}, so everything above reads and writes plaintext.
     */
    private static Repository assemble(ObjectStore counted, RequestCounts requests, RepositoryConfig config,
                                       KeySlots.Unlocked unlocked) {
        if (config.encrypted()) {
            SealingObjectStore sealing = new SealingObjectStore(counted,
                    unlocked.keys().sealer(defaultCompression(config)));
            return new Repository(sealing, requests, config, unlocked, sealing);
        }
        if (config.compressed()) {
            SealingObjectStore sealing = new SealingObjectStore(counted,
                    ObjectSealer.compressingOnly(defaultCompression(config)));
            return new Repository(sealing, requests, config, null, sealing);
        }
        return new Repository(counted, requests, config, null, null);
    }

    private static Compression defaultCompression(RepositoryConfig config) {
        return config.compressed() ? Compression.AUTO : Compression.OFF;
    }

    /**
     * How hard new chunks are compressed from now on ({@code push --compression}); a repository
     * created without compression stores every chunk as it is, so only OFF is accepted there.
     */
    public void useCompression(Compression compression) {
        if (compression == defaultCompression(config) || sealing == null && compression == Compression.OFF) {
            return;
        }
        if (!config.compressed()) {
            if (compression == Compression.OFF) {
                return;
            }
            throw new BackupException(Reason.INVALID_INPUT, "Cannot compress chunks in " + describe()
                    + ": the repository was created without compression (init --compression zstd); "
                    + "its chunks are stored as they are");
        }
        sealing.useSealer(unlocked != null ? unlocked.keys().sealer(compression)
                : ObjectSealer.compressingOnly(compression));
    }

    /** This repository seen through {@code view}, a wrapper of {@link #store()} (a backup set's part). */
    public Repository through(ObjectStore view) {
        return new Repository(view, requests, config, unlocked, sealing, addressDigests);
    }

    /** The key slot that opened this repository, or empty for a plain one. */
    public Optional<KeySlot> unlockedSlot() {
        return unlocked == null ? Optional.empty() : Optional.of(unlocked.slot());
    }

    /** The master key, for wrapping it into a new slot ({@code key add}); empty for a plain repository. */
    public Optional<RepositoryKeys> keys() {
        return unlocked == null ? Optional.empty() : Optional.of(unlocked.keys());
    }

    /**
     * Whether a stored object of {@code storedSize} bytes can be the chunk of {@code plainLength}
     * bytes: equal sizes in a plain repository, within the envelope's bounds in a sealed one.
     */
    public boolean chunkSizeMatches(long storedSize, long plainLength) {
        return sealing == null ? storedSize == plainLength : SealingObjectStore.plausibleSize(storedSize, plainLength);
    }

    /** Creates a new repository; refuses a location that already holds one. */
    public static Repository init(ObjectStore store, int chunkSize) {
        return init(store, chunkSize, null);
    }

    /**
     * Creates a new repository whose backups are locked as {@code objectLock} says (null: not
     * locked). The caller checks that the store really enforces retention (an S3 bucket with
     * Object Lock enabled); the config itself is written without retention.
     */
    public static Repository init(ObjectStore store, int chunkSize, ObjectLockSettings objectLock) {
        return init(store, RepositoryConfig.create(chunkSize, objectLock));
    }

    /** Creates a new repository with this config (made by {@link RepositoryConfig#create}, perhaps with server facts). */
    public static Repository init(ObjectStore store, RepositoryConfig config) {
        return init(store, config, KeySource.NONE);
    }

    /**
     * Creates a new repository; an encrypted one gets a random master key and its first key slot
     * from {@code firstKey}, written before the config so that a repository never exists without a
     * way to open it. A slot left by a lost race for the config is removed again.
     */
    public static Repository init(ObjectStore store, RepositoryConfig config, KeySource firstKey) {
        RequestCounts requests = new RequestCounts(store::retries);
        ObjectStore counted = new CountingObjectStore(store, requests);
        KeySlots.Unlocked unlocked = null;
        if (config.encrypted()) {
            if (counted.head(RepositoryLayout.CONFIG).isPresent()) {
                throw alreadyExists(store);
            }
            RepositoryKeys keys = RepositoryKeys.generate();
            KeySlot slot = KeySlots.create(keys, config.repositoryId(), firstKey);
            KeySlots.write(counted, slot);
            unlocked = new KeySlots.Unlocked(keys, slot);
        }
        if (counted.putIfAbsent(RepositoryLayout.CONFIG, Payload.of(config.encode())) == ObjectStore.PutOutcome.ALREADY_EXISTED) {
            if (unlocked != null) {
                counted.delete(List.of(RepositoryLayout.keySlotKey(unlocked.slot().id())));
            }
            throw alreadyExists(store);
        }
        return assemble(counted, requests, config, unlocked);
    }

    private static BackupException alreadyExists(ObjectStore store) {
        return new BackupException(Reason.INVALID_INPUT,
                "Cannot init repository " + store.describe() + ": a repository already exists there");
    }

    /** Opens an existing plain repository; an encrypted one is refused (ACCESS_DENIED) saying how to give a key. */
    public static Repository open(ObjectStore store) {
        return open(store, KeySource.NONE);
    }

    /** Opens an existing repository; a location without one is NOT_FOUND with a hint to run init. */
    public static Repository open(ObjectStore store, KeySource keySource) {
        RequestCounts requests = new RequestCounts(store::retries);
        ObjectStore counted = new CountingObjectStore(store, requests);
        byte[] bytes;
        try (InputStream in = counted.get(RepositoryLayout.CONFIG)) {
            bytes = in.readNBytes(64 << 10);
        } catch (StoreException e) {
            // A missing bucket says so itself: S3 stores are opened without a HeadBucket (issue #13).
            if (e.kind() == StoreException.Kind.NOT_FOUND && !e.isLocationMissing()) {
                throw new BackupException(Reason.NOT_FOUND, "Cannot open repository " + store.describe()
                        + ": no s3backup repository there (create one with 's3backup init')", e);
            }
            throw e;
        } catch (IOException e) {
            throw new BackupException(Reason.IO, "Cannot open repository " + store.describe() + ": " + e.getMessage(), e);
        }
        RepositoryConfig config = RepositoryConfig.decode(bytes, store.describe());
        KeySlots.Unlocked unlocked = config.encrypted() ? KeySlots.unlock(counted, config, keySource) : null;
        return assemble(counted, requests, config, unlocked);
    }

    public RepositoryConfig config() {
        return config;
    }

    /**
     * This repository, with content addresses computed by the digests {@code digests} makes
     * (e.g. HMAC-SHA256 under a key of an encrypted repository) instead of plain SHA-256. The
     * result shares this one's store, counts and config and replaces it: close only one. Every
     * chunk, pack and small-file address goes through {@link #newAddressDigest()} or
     * {@link #address}; a manifest's trailer and a multi-chunk file's derived identity
     * ({@code Entry.derivedIdentity}, over addresses) stay plain SHA-256.
     *
     * @param digests makes a fresh digest with a 32-byte output per call; called from many threads
     */
    public Repository withAddressDigests(Supplier<MessageDigest> digests) {
        return new Repository(store, requests, config, unlocked, sealing,
                Objects.requireNonNull(digests, "digests"));
    }

    /** A fresh digest that computes content addresses; not thread-safe, one per use. */
    public MessageDigest newAddressDigest() {
        return addressDigests.get();
    }

    /** The content address of {@code b[off, off + len)}. */
    public Sha256 address(byte[] b, int off, int len) {
        MessageDigest digest = addressDigests.get();
        digest.update(b, off, len);
        return Sha256.of(digest.digest());
    }

    /**
     * The SHA-256 to send with a chunk's upload so the store verifies its body end to end
     * (S3's {@code x-amz-checksum-sha256}): the address itself when addresses are plain SHA-256,
     * else null, and the store hashes what it sends.
     */
    public byte[] uploadChecksum(Sha256 address) {
        return addressDigests == PLAIN_ADDRESSES && sealing == null ? address.bytes() : null;
    }

    /** The store, with every request counted. */
    public ObjectStore store() {
        return store;
    }

    public RequestCounts requests() {
        return requests;
    }

    public String describe() {
        return store.describe();
    }

    /** Every committed backup id, oldest first. */
    public List<String> listBackupIds() {
        List<String> ids = new ArrayList<>();
        for (Iterator<ObjectInfo> it = store.listAll(RepositoryLayout.MANIFESTS); it.hasNext(); ) {
            String id = it.next().key().substring(RepositoryLayout.MANIFESTS.length());
            if (BackupId.isValid(id)) {
                ids.add(id);
            }
        }
        ids.sort(null);
        return ids;
    }

    public Optional<String> latestId() {
        List<String> ids = listBackupIds();
        return ids.isEmpty() ? Optional.empty() : Optional.of(ids.get(ids.size() - 1));
    }

    /**
     * Turns "latest", an id, or a unique prefix of an id (or of its random part after the '-',
     * e.g. {@code 7bd4d129}) into an id that exists. None matching is NOT_FOUND; several is
     * INVALID_INPUT listing them. A whole id costs one HEAD; a prefix one listing of manifests.
     */
    public String resolve(String idOrLatest) {
        if (LATEST.equals(idOrLatest)) {
            return latestId().orElseThrow(() -> new BackupException(Reason.NOT_FOUND,
                    "Cannot find the latest backup: repository " + describe() + " has no backups yet"));
        }
        if (BackupId.isValid(idOrLatest)) {
            if (store.head(RepositoryLayout.manifestKey(idOrLatest)).isEmpty()) {
                throw notFound(idOrLatest);
            }
            return idOrLatest;
        }
        if (idOrLatest.length() < MIN_PREFIX || !idOrLatest.matches("[0-9A-Za-z.:-]+")) {
            throw new BackupException(Reason.NOT_FOUND, "Cannot find backup '" + idOrLatest + "' in " + describe()
                    + ": give a whole id, 'latest', or a prefix of at least " + MIN_PREFIX + " characters "
                    + "(see 's3backup list')");
        }
        List<String> matches = listBackupIds().stream().filter(id -> matchesPrefix(id, idOrLatest)).toList();
        if (matches.isEmpty()) {
            throw notFound(idOrLatest);
        }
        if (matches.size() > 1) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot choose backup '" + idOrLatest + "': it is a prefix of "
                    + matches.size() + " backups (" + String.join(", ", matches.subList(0, Math.min(10, matches.size())))
                    + (matches.size() > 10 ? ", ..." : "") + "); give more characters");
        }
        return matches.get(0);
    }

    /**
     * The ids of committed backups whose name is one of {@code names}, oldest first (one GET per
     * backup, reading its header only). A backup whose header cannot be read is not named anything.
     */
    public List<String> idsNamed(java.util.Collection<String> names) {
        List<String> ids = new ArrayList<>();
        for (String id : listBackupIds()) {
            try (ManifestReader reader = openManifest(id)) {
                if (names.contains(reader.header().name())) {
                    ids.add(id);
                }
            } catch (IOException | BackupException e) {
                // unreadable or forgotten meanwhile: verify without --name reports it
            }
        }
        return ids;
    }

    /** Shortest prefix accepted: fewer characters than this would be too easy to mistype into another backup. */
    public static final int MIN_PREFIX = 4;

    /** Whether {@code prefix} starts the id or its random part (the 8 hex digits after the last '-'). */
    static boolean matchesPrefix(String id, String prefix) {
        return id.startsWith(prefix) || id.substring(id.lastIndexOf('-') + 1).startsWith(prefix);
    }

    private BackupException notFound(String id) {
        return new BackupException(Reason.NOT_FOUND, "Cannot find backup '" + id + "' in " + describe()
                + " (see 's3backup list')");
    }

    /**
     * Opens a manifest for streaming. Decoding problems surface as {@link BackupException} with
     * reason INTEGRITY naming the backup, from this call or from the reader's next().
     */
    public ManifestReader openManifest(String id) {
        InputStream in = openObject(RepositoryLayout.manifestKey(id), "backup " + id);
        try {
            return new NamedManifestReader(id, ManifestCodec.newReader(in));
        } catch (ManifestFormatException e) {
            closeQuietly(in);
            throw damagedManifest(id, e);
        } catch (BackupException e) {
            closeQuietly(in);
            throw damagedIfIntegrity(id, e);
        }
    }

    /** Reads a manifest through to its verified trailer, for its header and totals. */
    public BackupSummary summary(String id) {
        try (ManifestReader reader = openManifest(id)) {
            while (reader.next() != null) {
                // the totals sit in the trailer, after the entries
            }
            return new BackupSummary(id, reader.header(), reader.totals());
        } catch (IOException e) {
            throw new BackupException(Reason.IO, "Cannot read backup " + id + ": " + e.getMessage(), e);
        }
    }

    /** Copies a manifest to a local file, so it can be read twice without a second GET. */
    public Path downloadManifest(String id, Path dir) {
        try (InputStream in = openObject(RepositoryLayout.manifestKey(id), "backup " + id)) {
            Path file = ManifestSpool.create(dir);
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (BackupException e) {
            throw damagedIfIntegrity(id, e);
        } catch (IOException e) {
            throw new BackupException(Reason.IO, "Cannot download backup " + id + ": " + e.getMessage(), e);
        }
    }

    /**
     * Commits a backup: its manifest is created once, never replaced. A manifest already stored
     * with these exact bytes is this commit's own retried write, not a conflict.
     */
    public void commitManifest(String id, Path manifestFile) {
        commitManifest(id, manifestFile, null);
    }

    /** Commits a backup whose manifest is created under {@code retention} (null: none). */
    public void commitManifest(String id, Path manifestFile, dev.s3backup.core.store.Retention retention) {
        String key = RepositoryLayout.manifestKey(id);
        Payload manifest = Payload.ofFile(manifestFile, null).withRetention(retention);
        if (store.putIfAbsent(key, manifest) == ObjectStore.PutOutcome.ALREADY_EXISTED
                && !OwnWrite.landed(store, key, manifest)) {
            throw new BackupException(Reason.IO, "Cannot commit backup " + id + ": a backup with this id already exists");
        }
    }

    /** Opens a chunk's content; the caller verifies it against the hash. */
    public InputStream openChunk(Sha256 hash) {
        return openObject(RepositoryLayout.chunkKey(hash), "chunk " + hash.hex());
    }

    private InputStream openObject(String key, String what) {
        try {
            return store.get(key);
        } catch (StoreException e) {
            if (e.kind() == StoreException.Kind.NOT_FOUND) {
                throw new BackupException(Reason.NOT_FOUND, "Cannot read " + what + ": it is missing from " + describe(), e);
            }
            throw e;
        }
    }

    /** A sealed manifest that fails authentication is a damaged manifest, named as such. */
    static BackupException damagedIfIntegrity(String id, BackupException e) {
        return e.reason() == Reason.INTEGRITY ? damagedManifest(id, e) : e;
    }

    static BackupException damagedManifest(String id, Exception e) {
        return new BackupException(Reason.INTEGRITY, "Cannot read backup " + id + ": its manifest is damaged: "
                + e.getMessage(), e);
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // the decoding failure is what the user needs to see
        }
    }

    @Override
    public void close() {
        store.close();
    }

}
