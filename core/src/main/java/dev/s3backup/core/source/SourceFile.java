package dev.s3backup.core.source;

import dev.s3backup.manifest.EntryType;
import java.nio.file.Path;

/**
 * One item found under a source.
 *
 * @param node node token, or "" for a loose file
 * @param relativePath '/'-separated path under the node (the file name for a loose file)
 * @param size bytes of a regular file at scan time, else 0
 */
public record SourceFile(String node, String relativePath, Path path, EntryType type, long size) {
}
