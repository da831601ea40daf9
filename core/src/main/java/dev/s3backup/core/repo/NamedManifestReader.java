package dev.s3backup.core.repo;

import dev.s3backup.manifest.Entry;
import dev.s3backup.manifest.ManifestFormatException;
import dev.s3backup.manifest.ManifestHeader;
import dev.s3backup.manifest.ManifestReader;
import dev.s3backup.manifest.Totals;
import java.io.IOException;

/** Names the backup in every decoding failure, so the user knows which manifest is damaged. */
final class NamedManifestReader implements ManifestReader {
    private final String id;
    private final ManifestReader reader;

    NamedManifestReader(String id, ManifestReader reader) {
        this.id = id;
        this.reader = reader;
    }

    @Override
    public int formatVersion() {
        return reader.formatVersion();
    }

    @Override
    public ManifestHeader header() {
        return reader.header();
    }

    @Override
    public Entry next() throws IOException {
        try {
            return reader.next();
        } catch (ManifestFormatException e) {
            throw Repository.damagedManifest(id, e);
        } catch (dev.s3backup.core.BackupException e) {
            throw Repository.damagedIfIntegrity(id, e);
        }
    }

    @Override
    public Totals totals() {
        return reader.totals();
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
