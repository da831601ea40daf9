package dev.s3backup.core.verify;

import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.core.repo.RequestCounts;
import dev.s3backup.manifest.Sha256;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a verification found. Problems are data: every missing, wrong-sized, corrupt or unreadable
 * chunk is listed with the backups and files that depend on it, every damaged manifest with its
 * reason, and {@link #backups()} says per backup whether it would restore.
 *
 * @param runId the id of this run, also the key of its log object {@code verify/<runId>}
 * @param level what was checked
 * @param backups one status per verified backup, oldest first
 * @param chunksReferenced distinct chunks the readable manifests reference
 * @param chunksPresent of those, listed in the store with the expected size
 * @param otherObjects objects under {@code chunks/} that no verified backup references (garbage,
 *     or chunks of backups not verified in this run)
 * @param chunksRead chunks downloaded and re-hashed in this run
 * @param bytesRead bytes downloaded for them
 * @param chunksSkippedRecent chunks not read because a logged run verified them within --max-age
 * @param subset the arc of the hash ring read by a --read-data-subset run, else null
 * @param problems every chunk that failed, ordered by hash
 * @param logKey the verification log object written, or null (--no-log, or it could not be written)
 * @param warnings things the user should know that are not failures (an unreadable old log)
 */
public record VerifyResult(String runId, Level level, Instant started, List<BackupStatus> backups,
                           long chunksReferenced, long chunksPresent, long otherObjects, long chunksRead,
                           long bytesRead, long chunksSkippedRecent, Subset subset, List<ChunkProblem> problems,
                           String logKey, List<String> warnings, Duration duration, RequestCounts.Snapshot requests) {
    public VerifyResult {
        backups = List.copyOf(backups);
        problems = List.copyOf(problems);
        warnings = List.copyOf(warnings);
    }

    /** How deep a run looked. */
    public enum Level {
        /** Tier 1: manifests decode, every chunk is listed with its expected size; no data read. */
        EXISTENCE,
        /** Tier 2: every due chunk downloaded and re-hashed. */
        READ_ALL,
        /** Tier 2 on a rotating share of the chunks. */
        READ_SUBSET
    }

    /** Nothing missing, corrupt, damaged or unreadable. */
    public boolean ok() {
        return problems.isEmpty() && backups.stream().allMatch(b -> b.manifestProblem() == null);
    }

    /**
     * The reason for the exit code: INTEGRITY when anything is missing, corrupt or damaged
     * (data is lost), IO when the only problems are chunks that could not be read (a re-run may
     * succeed), null when all is well.
     */
    public Reason worstReason() {
        if (ok()) {
            return null;
        }
        boolean integrity = backups.stream().anyMatch(b -> b.manifestProblem() != null)
                || problems.stream().anyMatch(p -> p.kind().reason() == Reason.INTEGRITY);
        return integrity ? Reason.INTEGRITY : Reason.IO;
    }

    /**
     * One verified backup.
     *
     * @param manifestProblem why its manifest cannot be read or would be refused, else null (then
     *     none of its chunks was checked: the backup cannot be restored at all)
     * @param damagedFiles files (node/path) that use a missing, wrong-sized or corrupt chunk
     * @param unverifiedFiles files that use a chunk that could not be read (I/O), and are not damaged
     */
    public record BackupStatus(String id, String manifestProblem, List<String> damagedFiles,
                               List<String> unverifiedFiles) {
        public BackupStatus {
            Objects.requireNonNull(id, "id");
            damagedFiles = List.copyOf(damagedFiles);
            unverifiedFiles = List.copyOf(unverifiedFiles);
        }

        public boolean ok() {
            return manifestProblem == null && damagedFiles.isEmpty() && unverifiedFiles.isEmpty();
        }
    }

    /**
     * One chunk that failed, with everything that depends on it.
     *
     * @param expectedLength the chunk's length according to the manifests
     * @param detail what exactly was found, e.g. "the store holds 1000 bytes, the manifests say 1500"
     */
    public record ChunkProblem(Sha256 hash, Kind kind, int expectedLength, String detail, List<Dependent> dependents) {
        public ChunkProblem {
            Objects.requireNonNull(hash, "hash");
            Objects.requireNonNull(kind, "kind");
            dependents = List.copyOf(dependents);
        }

        public enum Kind {
            /** No object under the chunk's key. */
            MISSING(Reason.INTEGRITY, "missing"),
            /** The object's size is not the length the manifests give. */
            WRONG_SIZE(Reason.INTEGRITY, "wrong-size"),
            /** Its content does not hash to its address. */
            CORRUPT(Reason.INTEGRITY, "corrupt"),
            /** Manifests disagree on its length: at least one of them is wrong. */
            CONFLICTING_LENGTHS(Reason.INTEGRITY, "conflicting-lengths"),
            /** It could not be read (network, server, disk); it may well be intact. */
            UNREADABLE(Reason.IO, "unreadable");

            private final Reason reason;
            private final String label;

            Kind(Reason reason, String label) {
                this.reason = reason;
                this.label = label;
            }

            public Reason reason() {
                return reason;
            }

            /** The word used in reports and the verification log. */
            public String label() {
                return label;
            }
        }
    }

    /** A file of a backup that uses a chunk: {@code path} is node/path, or the path of a loose file. */
    public record Dependent(String backupId, String path) {
    }

    /**
     * The arc of the hash ring a subset run read: chunks whose first 8 hash bytes, as an unsigned
     * number, lie in [start, end) (wrapping past 2^64). The next subset run starts at {@code end}.
     *
     * @param wrapped true when every due chunk was read (the arc is the whole ring)
     */
    public record Subset(long start, long end, boolean wrapped) {
        /** The position as 16 hex digits, as the log stores it. */
        public static String hex(long position) {
            return String.format("%016x", position);
        }

        /** The share of the ring covered, 0..1. */
        public double fraction() {
            if (wrapped) {
                return 1.0;
            }
            long width = end - start;
            return ((width >>> 1) * 2.0 + (width & 1)) / 0x1p64;
        }
    }
}
