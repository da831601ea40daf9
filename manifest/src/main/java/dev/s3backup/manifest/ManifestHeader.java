package dev.s3backup.manifest;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything about a backup that is known before its entries are written.
 *
 * @param id the backup id, see {@link BackupId}
 * @param name user-chosen label (retention applies per name); "" when none was given
 * @param parent id of the backup this one was deduplicated against, or null
 * @param properties free-form extensions (e.g. the pause window of a coordinated snapshot);
 *     readers ignore keys they do not know
 */
public record ManifestHeader(String id, String name, Instant created, String toolVersion, String host,
                             String parent, List<Node> nodes, Map<String, String> properties) {
    public ManifestHeader {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(toolVersion, "toolVersion");
        Objects.requireNonNull(host, "host");
        nodes = List.copyOf(nodes);
        properties = Map.copyOf(properties);
    }
}
