package dev.s3backup.core.push;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.core.cache.HashCache;
import dev.s3backup.core.gc.PushGuard;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.repo.RepositoryConfig;
import dev.s3backup.core.source.Source;
import dev.s3backup.core.store.FileObjectStore;
import dev.s3backup.core.store.ObjectStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Push with the hash cache: hard-linked snapshots of unchanged files are never read again. */
class PushHashCacheTest {
    @TempDir
    Path dir;
    ObjectStore store;
    Path cacheFile;

    @BeforeEach
    void setUp() {
        store = new FileObjectStore(dir.resolve("repo"));
        Repository.init(store, RepositoryConfig.MIN_CHUNK_SIZE).close();
        cacheFile = dir.resolve("cache/hashcache");
    }

    private PushResult push(Source source, boolean rehash) {
        try (Repository repo = Repository.open(store)) {
            HashCache cache = HashCache.open(cacheFile, repo.config().repositoryId(), repo.config().chunkSize(), 1000,
                    rehash, w -> { });
            return new Push(repo, Fixtures.options(), Fixtures.tickingClock(), new PushProgress()).useHashCache(cache)
                    .run(List.of(source));
        }
    }

    /** A snapshot as a coordinated backup takes it: a new directory of hard links to the live files. */
    private Path snapshot(Path live, String name) throws IOException {
        Path snap = Files.createDirectories(dir.resolve(name));
        try (var files = Files.list(live)) {
            for (Path f : files.toList()) {
                Files.createLink(snap.resolve(f.getFileName()), f);
            }
        }
        return snap;
    }

    @Test
    void hardLinkedSnapshotOfUnchangedFilesIsNotRead() throws IOException {
        Path live = Files.createDirectories(dir.resolve("live"));
        for (int i = 0; i < 5; i++) {
            Fixtures.write(live.resolve("00000" + i + ".sst"), Fixtures.randomBytes(200_000, i));
        }
        Fixtures.age(live);
        PushResult first = push(Source.parse("n1=" + snapshot(live, "snap1")), false);
        assertThat(first.filesFromCache()).isZero();
        assertThat(first.bytesScanned()).isEqualTo(1_000_000);

        // A compaction replaces one file; the next snapshot hard-links the rest again.
        Files.delete(live.resolve("000000.sst"));
        Fixtures.write(live.resolve("000009.sst"), Fixtures.randomBytes(150_000, 9));
        Fixtures.age(live.resolve("000009.sst"));
        PushResult second = push(Source.parse("n1=" + snapshot(live, "snap2")), false);
        assertThat(second.filesFromCache()).isEqualTo(4);
        assertThat(second.bytesScanned()).as("only the new file is read").isEqualTo(150_000);
        assertThat(second.bytesUploaded()).isEqualTo(150_000);
        assertThat(second.requests().head() - PushGuard.HEADS_PER_PUSH).as("cached chunks are in the parent: no HEAD")
                .isZero();

        Path restored = dir.resolve("restored");
        assertThat(Fixtures.restore(store, second.backupId(), restored).complete()).isTrue();
        Fixtures.assertSameTree(dir.resolve("snap2"), restored.resolve("n1"));
    }

    @Test
    void rehashReadsEverything() throws IOException {
        Path live = Files.createDirectories(dir.resolve("live"));
        Fixtures.write(live.resolve("a.sst"), Fixtures.randomBytes(100_000, 1));
        Fixtures.age(live);
        push(Source.parse("n1=" + live), false);
        PushResult again = push(Source.parse("n1=" + live), true);
        assertThat(again.filesFromCache()).isZero();
        assertThat(again.bytesScanned()).isEqualTo(100_000);
    }

    @Test
    void aCachedChunkThatIsNoLongerStoredIsUploadedAgain() throws IOException {
        Path live = Files.createDirectories(dir.resolve("live"));
        Fixtures.write(live.resolve("a.sst"), Fixtures.randomBytes(100_000, 1));
        Fixtures.age(live);
        PushResult first = push(Source.parse("n1=" + live), false);
        // Forget every backup and collect every chunk, as retention and gc would.
        store.delete(Fixtures.keys(store, "manifests/"));
        store.delete(Fixtures.keys(store, "chunks/"));
        PushResult second = push(Source.parse("n1=" + live), false);
        assertThat(second.parentId()).isNull();
        assertThat(second.filesFromCache()).as("a hint, not proof: HEAD found the chunks missing").isZero();
        assertThat(second.bytesUploaded()).isEqualTo(100_000);
        assertThat(Fixtures.restore(store, second.backupId(), dir.resolve("r")).complete()).isTrue();
        assertThat(first.backupId()).isNotEqualTo(second.backupId());
    }

    @Test
    void aSameSizeRewriteWithinOneTimestampTickOfTheReadIsReadAgain() throws IOException {
        Path live = Files.createDirectories(dir.resolve("live"));
        Path small = Fixtures.write(live.resolve("CURRENT"), "MANIFEST-000001\n".getBytes(StandardCharsets.UTF_8));
        Path large = Fixtures.write(live.resolve("000001.log"), Fixtures.randomBytes(100_000, 1));
        FileTime smallTime = Files.getLastModifiedTime(small);
        FileTime largeTime = Files.getLastModifiedTime(large);
        PushResult first = push(Source.parse("n1=" + live), false);
        assertThat(first.bytesScanned()).isEqualTo(16 + 100_000);

        // Rewritten after the read, same size, in the same tick of the file system's clock: the
        // identity is unchanged (the mtimes are put back to show what a coarse clock does).
        Files.write(small, "MANIFEST-000002\n".getBytes(StandardCharsets.UTF_8));
        Files.write(large, Fixtures.randomBytes(100_000, 2));
        Files.setLastModifiedTime(small, smallTime);
        Files.setLastModifiedTime(large, largeTime);
        PushResult second = push(Source.parse("n1=" + live), false);
        assertThat(second.filesFromCache()).as("files written just before their read are never cached").isZero();
        Path restored = dir.resolve("restored");
        assertThat(Fixtures.restore(store, second.backupId(), restored).complete()).isTrue();
        Fixtures.assertSameTree(live, restored.resolve("n1"));
    }
}
