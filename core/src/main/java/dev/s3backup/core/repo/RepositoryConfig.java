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
 */
public record RepositoryConfig(int formatVersion, String repositoryId, String hash, String chunker, int chunkSize) {
    public static final int CURRENT_FORMAT = 1;
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
    }

    public static RepositoryConfig create(int chunkSize) {
        return new RepositoryConfig(CURRENT_FORMAT, UUID.randomUUID().toString(), "sha256", "fixed", chunkSize);
    }

    public byte[] encode() {
        StringBuilder sb = new StringBuilder(FIRST_LINE).append('\n');
        sb.append("format-version=").append(formatVersion).append('\n');
        sb.append("repository-id=").append(repositoryId).append('\n');
        sb.append("hash=").append(hash).append('\n');
        sb.append("chunker=").append(chunker).append('\n');
        sb.append("chunk-size=").append(chunkSize).append('\n');
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
            return new RepositoryConfig(version, values.get("repository-id"), values.get("hash"),
                    values.get("chunker"), Integer.parseInt(values.getOrDefault("chunk-size", "?")));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new BackupException(BackupException.Reason.INTEGRITY,
                    "Cannot open repository " + where + ": invalid config: " + e.getMessage(), e);
        }
    }
}
