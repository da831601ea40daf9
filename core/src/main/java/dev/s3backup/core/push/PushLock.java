package dev.s3backup.core.push;

import dev.s3backup.core.repo.ObjectLockSettings;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.repo.RepositoryLayout;
import dev.s3backup.core.store.Retention;
import dev.s3backup.manifest.ManifestHeader;
import dev.s3backup.manifest.Sha256;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Object Lock for one push (docs/RETENTION.md#object-lock): new chunks and the manifest are
 * created under retention, and every chunk the backup reuses is made to last at least as long as
 * the backup. To avoid a request per reused chunk on every push, a manifest records in its header
 * a date {@value #CHUNKS_UNTIL} before which none of its chunks can be deleted; a push extends
 * the chunks it takes from its parent only when the parent's date falls short of the new
 * backup's lock, and then to {@code now + days + slack}.
 */
public final class PushLock {
    /** Header property: every chunk the backup references is retained at least until this instant. */
    public static final String CHUNKS_UNTIL = "objectLock.chunksRetainUntil";
    /** Header property: the manifest's own retain-until (for people reading it; forget asks the store). */
    public static final String BACKUP_UNTIL = "objectLock.retainUntil";

    private final Repository repository;
    private final Retention backup;
    private final Retention chunks;
    /** What this backup promises about all its chunks (recorded in its header). */
    private final Instant promised;
    private final boolean parentChunksSuffice;
    /** Chunks created or confirmed in this push: retained at least until {@link #promised}. */
    private final Set<Sha256> covered = ConcurrentHashMap.newKeySet();
    private final LongAdder extended = new LongAdder();

    private PushLock(Repository repository, ObjectLockSettings settings, Instant now, Instant parentChunksUntil) {
        this.repository = repository;
        this.backup = new Retention(settings.mode(), settings.backupUntil(now));
        this.chunks = new Retention(settings.mode(), settings.chunksUntil(now));
        this.parentChunksSuffice = parentChunksUntil != null && backup.until().compareTo(parentChunksUntil) <= 0;
        this.promised = parentChunksSuffice ? parentChunksUntil : chunks.until();
    }

    /** The lock of a push starting at {@code now}, or null when the repository has no Object Lock. */
    static PushLock of(Repository repository, Instant now, ManifestHeader parent) {
        ObjectLockSettings settings = repository.config().objectLock();
        if (settings == null) {
            return null;
        }
        return new PushLock(repository, settings, now, parent == null ? null : chunksUntil(parent));
    }

    /** The header's promise about its chunks, or null when it has none (or one that cannot be read). */
    public static Instant chunksUntil(ManifestHeader header) {
        return instant(header, CHUNKS_UNTIL);
    }

    /** The retain-until a header says its manifest was written with, or null. */
    public static Instant backupUntil(ManifestHeader header) {
        return instant(header, BACKUP_UNTIL);
    }

    private static Instant instant(ManifestHeader header, String property) {
        String value = header.properties().get(property);
        if (value == null) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            return null; // unknown: every reused chunk is extended
        }
    }

    /** Properties for the new manifest's header. */
    Map<String, String> headerProperties() {
        return Map.of(CHUNKS_UNTIL, promised.toString(), BACKUP_UNTIL, backup.until().toString());
    }

    /** The retention of a chunk this push creates. */
    Retention forNewChunk() {
        return chunks;
    }

    /** The retention of the manifest. */
    Retention forManifest() {
        return backup;
    }

    /** A chunk this push created, or whose retention it confirmed (a HEAD showed it). */
    void covered(Sha256 hash) {
        covered.add(hash);
    }

    /** Whether a HEAD's retain-until is enough for this backup's promise. */
    boolean suffices(Instant retainUntil) {
        return retainUntil != null && !retainUntil.isBefore(promised);
    }

    /**
     * Makes a chunk the backup references last as long as the backup promises.
     *
     * @param inParent whether the parent backup references it (then its promise holds for it)
     */
    void ensure(Sha256 hash, boolean inParent) {
        if (covered.contains(hash) || (inParent && parentChunksSuffice)) {
            return;
        }
        // Extended to now + days + slack, so the next pushes find it long enough.
        Instant after = repository.store().extendRetention(RepositoryLayout.chunkKey(hash), chunks);
        extended.increment();
        if (after.isBefore(promised)) {
            throw new IllegalStateException("Cannot lock chunk " + hash.hex() + ": the store kept its retention at "
                    + after + ", before " + promised);
        }
        covered.add(hash);
    }

    /**
     * Extends the repository's config object with the chunks: every backup needs it to be opened,
     * so it is locked as long as any chunk (one request, only when the parent's chunks are extended).
     */
    void ensureConfig() {
        if (!parentChunksSuffice) {
            repository.store().extendRetention(RepositoryLayout.CONFIG, chunks);
        }
    }

    long extended() {
        return extended.sum();
    }

    Instant backupUntil() {
        return backup.until();
    }
}
