package dev.s3backup.core.repo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.core.push.Fixtures;
import dev.s3backup.core.restore.RestoreResult;
import dev.s3backup.core.store.InMemoryObjectStore;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.Payload;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A format change never strands a user: a repository of an older format (1: plain, 2: Object Lock)
 * is pushed to in its own manifest version, so an older s3backup sharing it keeps reading every
 * backup, and restores; a new repository (format 3) gets manifest version 2.
 */
class FormatVersionsTest {
    private static final int CHUNK = 64 << 10;

    @TempDir
    Path dir;

    @Test
    void aRepositoryOfTheOldFormatKeepsItsManifestVersionAndRestores() throws IOException {
        assertPushAndRestore(RepositoryConfig.create(CHUNK, null).withFormatVersion(RepositoryConfig.PLAIN_FORMAT), 1);
    }

    @Test
    void aNewRepositoryWritesManifestVersionTwo() throws IOException {
        assertPushAndRestore(RepositoryConfig.create(CHUNK, null), 2);
    }

    private void assertPushAndRestore(RepositoryConfig config, int manifestVersion) throws IOException {
        ObjectStore store = new InMemoryObjectStore();
        store.putIfAbsent(RepositoryLayout.CONFIG, Payload.of(config.encode()));
        Path src = dir.resolve("src-" + manifestVersion);
        Fixtures.write(src.resolve("1/000001.sst"), Fixtures.randomBytes(3 * CHUNK + 100, 1));
        Fixtures.write(src.resolve("1/CURRENT"), "MANIFEST-000002\n".getBytes());
        Fixtures.push(store, Fixtures.node("1", src.resolve("1")));
        Fixtures.write(src.resolve("1/000002.sst"), Fixtures.randomBytes(2 * CHUNK, 2));
        Fixtures.push(store, Fixtures.node("1", src.resolve("1")));

        List<String> manifests = Fixtures.keys(store, RepositoryLayout.MANIFESTS);
        assertThat(manifests).hasSize(2);
        for (String key : manifests) {
            try (InputStream in = store.get(key)) {
                byte[] head = in.readNBytes(9);
                assertThat(head[8]).as("manifest version of " + key).isEqualTo((byte) manifestVersion);
            }
        }
        try (Repository repo = Repository.open(store)) {
            assertThat(repo.config().formatVersion()).isEqualTo(config.formatVersion());
        }
        Path target = dir.resolve("restored-" + manifestVersion);
        RestoreResult result = Fixtures.restore(store, Repository.LATEST, target);
        assertThat(result.complete()).isTrue();
        assertThat(target.resolve("1/000001.sst")).hasSameBinaryContentAs(src.resolve("1/000001.sst"));
        assertThat(target.resolve("1/000002.sst")).hasSameBinaryContentAs(src.resolve("1/000002.sst"));
    }
}
