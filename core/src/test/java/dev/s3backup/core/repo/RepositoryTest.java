package dev.s3backup.core.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.core.store.FileObjectStore;
import dev.s3backup.core.store.InMemoryObjectStore;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.Payload;
import dev.s3backup.core.store.StoreException;
import dev.s3backup.manifest.BackupId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RepositoryTest {
    @TempDir
    Path dir;

    @Test
    void initThenOpenReadsTheSameConfig() {
        ObjectStore store = new FileObjectStore(dir.resolve("repo"));
        RepositoryConfig created = Repository.init(store, RepositoryConfig.MIN_CHUNK_SIZE).config();

        RepositoryConfig opened = Repository.open(store).config();

        assertThat(opened).isEqualTo(created);
        assertThat(opened.chunkSize()).isEqualTo(RepositoryConfig.MIN_CHUNK_SIZE);
        assertThat(opened.formatVersion()).isEqualTo(RepositoryConfig.CURRENT_FORMAT);
    }

    @Test
    void initRefusesAnExistingRepositoryAndKeepsItsConfig() {
        ObjectStore store = new FileObjectStore(dir.resolve("repo"));
        RepositoryConfig first = Repository.init(store, RepositoryConfig.DEFAULT_CHUNK_SIZE).config();

        assertThatThrownBy(() -> Repository.init(store, RepositoryConfig.MIN_CHUNK_SIZE))
                .isInstanceOfSatisfying(BackupException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.INVALID_INPUT);
                    assertThat(e.getMessage()).contains("already exists").contains(store.describe());
                });
        assertThat(Repository.open(store).config()).isEqualTo(first);
    }

    @Test
    void openOfAnEmptyLocationIsNotFoundWithAHintToInit() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        for (ObjectStore store : new ObjectStore[] {new FileObjectStore(empty),
                new FileObjectStore(dir.resolve("does-not-exist")), new InMemoryObjectStore()}) {
            assertThatThrownBy(() -> Repository.open(store))
                    .isInstanceOfSatisfying(BackupException.class, e -> {
                        assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND);
                        assertThat(e.getMessage()).contains(store.describe()).contains("s3backup init");
                    });
        }
    }

    /**
     * A store opened without a location check (an S3 bucket: no HeadBucket, issue #13) reports a
     * missing location on the config's read; that message is the answer, not "no repository there".
     */
    @Test
    void openOfAMissingLocationKeepsTheStoresMessage() {
        InMemoryObjectStore store = new InMemoryObjectStore();
        store.failNext(InMemoryObjectStore.Op.GET,
                StoreException.locationMissing("Cannot access s3://gone: bucket does not exist", null));
        assertThatThrownBy(() -> Repository.open(store))
                .isInstanceOfSatisfying(StoreException.class,
                        e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.NOT_FOUND))
                .hasMessage("Cannot access s3://gone: bucket does not exist");
    }

    @Test
    void openRefusesAGarbledConfig() {
        InMemoryObjectStore store = new InMemoryObjectStore();
        store.putIfAbsent(RepositoryLayout.CONFIG, Payload.of(new byte[] {0x1f, (byte) 0x8b, 0, 1, 2, 3}));

        assertThatThrownBy(() -> Repository.open(store))
                .isInstanceOfSatisfying(BackupException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.INTEGRITY);
                    assertThat(e.getMessage()).contains("Cannot open repository").contains("config");
                });
    }

    @Test
    void resolveLatestWithoutBackupsIsNotFound() {
        Repository repo = Repository.init(new InMemoryObjectStore(), RepositoryConfig.MIN_CHUNK_SIZE);

        assertThat(repo.listBackupIds()).isEmpty();
        assertThat(repo.latestId()).isEmpty();
        assertThatThrownBy(() -> repo.resolve(Repository.LATEST))
                .isInstanceOfSatisfying(BackupException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND);
                    assertThat(e.getMessage()).contains("no backups");
                });
    }

    @Test
    void resolveOfAnUnknownIdIsNotFoundNamingIt() {
        Repository repo = Repository.init(new InMemoryObjectStore(), RepositoryConfig.MIN_CHUNK_SIZE);
        String wellFormed = BackupId.generate(Instant.parse("2026-01-02T03:04:05Z"), new SplittableRandom(7));

        for (String id : new String[] {wellFormed, "no-such-backup", "../config"}) {
            assertThatThrownBy(() -> repo.resolve(id))
                    .isInstanceOfSatisfying(BackupException.class, e -> {
                        assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND);
                        assertThat(e.getMessage()).contains(id);
                    });
        }
    }

    @Test
    void resolveFindsCommittedBackupsAndLatestIsTheNewest() throws Exception {
        InMemoryObjectStore store = new InMemoryObjectStore();
        Repository repo = Repository.init(store, RepositoryConfig.MIN_CHUNK_SIZE);
        String older = BackupId.generate(Instant.parse("2026-01-02T03:04:05Z"), new SplittableRandom(1));
        String newer = BackupId.generate(Instant.parse("2026-01-02T03:04:06Z"), new SplittableRandom(2));
        Path body = Files.writeString(dir.resolve("m"), "not decoded by resolve");
        repo.commitManifest(newer, body);
        repo.commitManifest(older, body);
        // Foreign objects under manifests/ are not backups.
        store.putIfAbsent(RepositoryLayout.MANIFESTS + "README", Payload.of("x".getBytes(StandardCharsets.UTF_8)));

        assertThat(repo.listBackupIds()).containsExactly(older, newer);
        assertThat(repo.resolve(Repository.LATEST)).isEqualTo(newer);
        assertThat(repo.resolve(older)).isEqualTo(older);
        Path other = Files.writeString(dir.resolve("other"), "another backup's manifest");
        assertThatThrownBy(() -> repo.commitManifest(older, other)).isInstanceOf(BackupException.class)
                .hasMessageContaining("already exists");
    }

    @Test
    void aDamagedManifestIsAnIntegrityFailureNamingTheBackup() throws Exception {
        Repository repo = Repository.init(new InMemoryObjectStore(), RepositoryConfig.MIN_CHUNK_SIZE);
        String id = BackupId.generate(Instant.parse("2026-01-02T03:04:05Z"), new SplittableRandom(3));
        repo.commitManifest(id, Files.writeString(dir.resolve("garbage"), "this is not a manifest"));

        assertThatThrownBy(() -> repo.summary(id))
                .isInstanceOfSatisfying(BackupException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.INTEGRITY);
                    assertThat(e.getMessage()).contains(id).contains("damaged");
                });
    }

    @Test
    void requestsAreCounted() {
        InMemoryObjectStore store = new InMemoryObjectStore();
        Repository.init(store, RepositoryConfig.MIN_CHUNK_SIZE);
        Repository repo = Repository.open(store);

        assertThat(repo.requests().snapshot().get()).isEqualTo(1);
        repo.listBackupIds();
        assertThat(repo.requests().snapshot().list()).isEqualTo(1);
        assertThat(repo.requests().snapshot().put()).isZero();
    }

    @Test
    void aCommitWhoseFirstAttemptLandedUnseenSucceedsButAnotherBackupsManifestIsAConflict() throws Exception {
        ObjectStore store = new InMemoryObjectStore();
        Repository repo = Repository.init(store, RepositoryConfig.MIN_CHUNK_SIZE);
        Path manifest = Files.write(dir.resolve("m"), new byte[] {1, 2, 3});
        String id = BackupId.generate(Instant.parse("2024-01-01T00:00:00Z"), new SplittableRandom(1));
        // As when the connection dropped after the server stored it: the retry finds it there.
        store.putIfAbsent(RepositoryLayout.manifestKey(id), Payload.of(new byte[] {1, 2, 3}));

        repo.commitManifest(id, manifest);

        Files.write(manifest, new byte[] {1, 2, 4});
        assertThatThrownBy(() -> repo.commitManifest(id, manifest))
                .isInstanceOfSatisfying(BackupException.class, e -> assertThat(e.reason()).isEqualTo(Reason.IO))
                .hasMessageContaining("already exists");
    }
}
