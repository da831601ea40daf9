package dev.s3backup.core.snapshot;

import dev.s3backup.manifest.Node;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One node of a coordinated snapshot.
 *
 * @param token the node's token, as in the backup (its restored directory's name)
 * @param dataDir the live data directory; the snapshot is taken beside it, on the same file system
 * @param quiescer pauses the node's writes during the snapshot
 * @param checkpointer the store's own snapshot mechanism, or null to hard-link the immutable files
 *     and copy the others
 */
public record SnapshotNode(String token, Path dataDir, Quiescer quiescer, Checkpointer checkpointer) {
    public SnapshotNode {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(quiescer, "quiescer");
        if (!Node.isValidToken(token)) {
            throw new IllegalArgumentException("node token must be 1-255 characters of [A-Za-z0-9._-]: " + token);
        }
    }

    /** A node whose immutable files are hard-linked and mutable ones copied while it is frozen. */
    public static SnapshotNode hardLinked(String token, Path dataDir, Quiescer quiescer) {
        return new SnapshotNode(token, dataDir, quiescer, null);
    }

    /** A node that snapshots itself (RocksDB Checkpoint); no other pause is needed. */
    public static SnapshotNode checkpointed(String token, Path dataDir, Checkpointer checkpointer) {
        return new SnapshotNode(token, dataDir, Quiescer.none(), Objects.requireNonNull(checkpointer, "checkpointer"));
    }
}
