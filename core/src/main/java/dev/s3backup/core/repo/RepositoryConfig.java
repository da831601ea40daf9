package dev.s3backup.core.repo;

import dev.s3backup.core.BackupException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * The repository's config object: written once by {@code init}, read by every command.
 * Stored as UTF-8 {@code key=value} lines after a first line {@code s3backup-repository}.
 *
 * @param objectLock the Object Lock policy, or null for none. A config with one is format version
 *     {@value #OBJECT_LOCK_FORMAT}, so an s3backup too old to honour the lock refuses the repository
 *     instead of writing unlocked backups into it
 * @param server what {@code init} found the store to guarantee (null: not probed, a repository made
 *     by an older s3backup). Older readers ignore these lines, so they need no new format version
 * @param encryption {@value #NO_ENCRYPTION} or {@value #AES_256_GCM} (every object but the config and
 *     the key slots sealed, docs/SECURITY.md); only format {@value #HASH_ONCE_FORMAT} knows it
 * @param compression {@value #NO_COMPRESSION} or {@value #ZSTD} (chunks compressed where it pays)
 */
public record RepositoryConfig(int formatVersion, String repositoryId, String hash, String chunker, int chunkSize,
                               ObjectLockSettings objectLock, ServerFacts server, String encryption, String compression) {
    /**
     * What the store was found to guarantee when the repository was created.
     *
     * @param createOnly null when the probe could not tell (likewise checksumsVerified)
     */
    public record ServerFacts(Boolean createOnly, Boolean checksumsVerified, java.time.Instant probedAt) {
        public ServerFacts {
            Objects.requireNonNull(probedAt, "probedAt");
        }
    }

    public static final int CURRENT_FORMAT = 3;
    /** The format version of a repository without Object Lock (what every older s3backup reads). */
    public static final int PLAIN_FORMAT = 1;
    public static final int OBJECT_LOCK_FORMAT = 2;
    /**
     * Manifests of version 2 (a file's identity derived from its chunks' hashes, so no byte is
     * hashed twice), sealed objects and compressed chunks. Every repository {@code init} makes
     * now has it; repositories of versions 1 and 2 are read and written as before.
     */
    public static final int HASH_ONCE_FORMAT = 3;
    public static final String NO_ENCRYPTION = "none";
    public static final String AES_256_GCM = "aes-256-gcm";
    public static final String NO_COMPRESSION = "none";
    public static final String ZSTD = "zstd";
    public static final int DEFAULT_CHUNK_SIZE = 8 << 20;
    public static final int MIN_CHUNK_SIZE = 64 << 10;
    /** Chunks are single PUTs held in memory while in flight: keep them far below S3's 5 GiB limit. */
    public static final int MAX_CHUNK_SIZE = 64 << 20;
    private static final String FIRST_LINE = "s3backup-repository";

    public RepositoryConfig {
        if (formatVersion < 1) {
            throw new IllegalArgumentException("format version must be >= 1: " + formatVersion);
        }
        Objects.requireNonNull(repositoryId, "repositoryId");
        if (!"sha256".equals(hash)) {
            throw new IllegalArgumentException("unsupported hash: " + hash);
        }
        if (!"fixed".equals(chunker)) {
            throw new IllegalArgumentException("unsupported chunker: " + chunker);
        }
        if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
            throw new IllegalArgumentException("chunk size must be between " + MIN_CHUNK_SIZE + " and "
                    + MAX_CHUNK_SIZE + " bytes: " + chunkSize);
        }
        if (objectLock != null && formatVersion < OBJECT_LOCK_FORMAT) {
            throw new IllegalArgumentException("object lock settings need format version " + OBJECT_LOCK_FORMAT);
        }
        encryption = encryption == null ? NO_ENCRYPTION : encryption;
        compression = compression == null ? NO_COMPRESSION : compression;
        if (!encryption.equals(NO_ENCRYPTION) && !encryption.equals(AES_256_GCM)) {
            throw new IllegalArgumentException("unsupported encryption: " + encryption);
        }
        if (!compression.equals(NO_COMPRESSION) && !compression.equals(ZSTD)) {
            throw new IllegalArgumentException("unsupported compression: " + compression);
        }
        if ((!encryption.equals(NO_ENCRYPTION) || !compression.equals(NO_COMPRESSION)) && formatVersion < HASH_ONCE_FORMAT) {
            throw new IllegalArgumentException("encryption and compression need format version " + HASH_ONCE_FORMAT);
        }
    }

    public boolean encrypted() {
        return !NO_ENCRYPTION.equals(encryption);
    }

    public boolean compressed() {
        return !NO_COMPRESSION.equals(compression);
    }

    /** The manifest version backups of this repository are written in: 2 from format 3 on, else 1. */
    public int manifestVersion() {
        return formatVersion >= HASH_ONCE_FORMAT ? 2 : 1;
    }

    public RepositoryConfig(int formatVersion, String repositoryId, String hash, String chunker, int chunkSize) {
        this(formatVersion, repositoryId, hash, chunker, chunkSize, null, null, null, null);
    }

    public RepositoryConfig(int formatVersion, String repositoryId, String hash, String chunker, int chunkSize,
                            ObjectLockSettings objectLock) {
        this(formatVersion, repositoryId, hash, chunker, chunkSize, objectLock, null, null, null);
    }

    /** This config with the store's probed guarantees recorded. */
    public RepositoryConfig withServer(ServerFacts facts) {
        return new RepositoryConfig(formatVersion, repositoryId, hash, chunker, chunkSize, objectLock, facts,
                encryption, compression);
    }

    public static RepositoryConfig create(int chunkSize) {
        return create(chunkSize, null);
    }

    /** A new plain, uncompressed config in the current format. */
    public static RepositoryConfig create(int chunkSize, ObjectLockSettings objectLock) {
        return create(chunkSize, objectLock, NO_ENCRYPTION, NO_COMPRESSION);
    }

    /** A new config in the current format (manifests of version 2, sealing as asked). */
    public static RepositoryConfig create(int chunkSize, ObjectLockSettings objectLock, String encryption,
                                          String compression) {
        return new RepositoryConfig(CURRENT_FORMAT, UUID.randomUUID().toString(), "sha256", "fixed", chunkSize,
                objectLock, null, encryption, compression);
    }

    /** This config as a repository of an older format would have it (tests of old repositories). */
    public RepositoryConfig withFormatVersion(int version) {
        return new RepositoryConfig(version, repositoryId, hash, chunker, chunkSize, objectLock, server,
                encryption, compression);
    }

    public byte[] encode() {
        StringBuilder sb = new StringBuilder(FIRST_LINE).append('\n');
        sb.append("format-version=").append(formatVersion).append('\n');
        sb.append("repository-id=").append(repositoryId).append('\n');
        sb.append("hash=").append(hash).append('\n');
        sb.append("chunker=").append(chunker).append('\n');
        sb.append("chunk-size=").append(chunkSize).append('\n');
        if (objectLock != null) {
            sb.append("object-lock-mode=").append(objectLock.mode()).append('\n');
            sb.append("object-lock-days=").append(objectLock.days()).append('\n');
            sb.append("object-lock-slack-days=").append(objectLock.slackDays()).append('\n');
        }
        if (encrypted()) {
            sb.append("encryption=").append(encryption).append('\n');
        }
        if (compressed()) {
            sb.append("compression=").append(compression).append('\n');
        }
        if (server != null) {
            sb.append("server-create-only=").append(server.createOnly() == null ? "unknown" : server.createOnly())
                    .append('\n');
            sb.append("server-checksums-verified=").append(server.checksumsVerified() == null ? "unknown"
                    : server.checksumsVerified()).append('\n');
            sb.append("server-probed=").append(server.probedAt()).append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Parses a config object; a damaged one or one from a newer s3backup is refused with a clear message. */
    public static RepositoryConfig decode(byte[] bytes, String where) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        String[] lines = text.split("\n");
        if (lines.length == 0 || !lines[0].equals(FIRST_LINE)) {
            throw new BackupException(BackupException.Reason.INTEGRITY,
                    "Cannot open repository " + where + ": its config object is not an s3backup repository config");
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            int eq = lines[i].indexOf('=');
            if (eq <= 0) {
                throw new BackupException(BackupException.Reason.INTEGRITY,
                        "Cannot open repository " + where + ": malformed config line " + (i + 1));
            }
            values.put(lines[i].substring(0, eq), lines[i].substring(eq + 1));
        }
        try {
            int version = Integer.parseInt(values.getOrDefault("format-version", "?"));
            if (version > CURRENT_FORMAT) {
                throw new BackupException(BackupException.Reason.INVALID_INPUT,
                        "Cannot open repository " + where + ": format version " + version
                                + " is newer than this s3backup understands (" + CURRENT_FORMAT + "); upgrade s3backup");
            }
            ObjectLockSettings lock = null;
            if (values.containsKey("object-lock-mode")) {
                lock = new ObjectLockSettings(dev.s3backup.core.store.Retention.Mode.parse(values.get("object-lock-mode")),
                        Integer.parseInt(values.getOrDefault("object-lock-days", "?")),
                        Integer.parseInt(values.getOrDefault("object-lock-slack-days", "?")));
            }
            ServerFacts server = null;
            if (values.containsKey("server-probed")) {
                server = new ServerFacts(tristate(values.get("server-create-only")),
                        tristate(values.get("server-checksums-verified")),
                        java.time.Instant.parse(values.get("server-probed")));
            }
            return new RepositoryConfig(version, values.get("repository-id"), values.get("hash"),
                    values.get("chunker"), Integer.parseInt(values.getOrDefault("chunk-size", "?")), lock, server,
                    values.get("encryption"), values.get("compression"));
        } catch (IllegalArgumentException | NullPointerException | java.time.format.DateTimeParseException e) {
            throw new BackupException(BackupException.Reason.INTEGRITY,
                    "Cannot open repository " + where + ": invalid config: " + e.getMessage(), e);
        }
    }

    private static Boolean tristate(String value) {
        return value == null || value.equals("unknown") ? null : Boolean.parseBoolean(value);
    }
}
