package dev.s3backup.core.repo;

import dev.s3backup.manifest.ManifestHeader;
import dev.s3backup.manifest.Totals;

/** A backup's header and totals: what list shows, read from its manifest. */
public record BackupSummary(String id, ManifestHeader header, Totals totals) {
}
