package dev.s3backup.core.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.core.source.FileIdentity;
import dev.s3backup.manifest.ChunkRef;
import dev.s3backup.manifest.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HashCacheTest {
    private static final int CHUNK = 64 << 10;
    /** When the reads of these tests' files began: long after their mtimes (1-20,000 ns after the epoch). */
    private static final long NOW = HashCache.now();
    @TempDir
    Path dir;

    private static Sha256 hash(int seed) {
        byte[] b = new byte[32];
        b[0] = (byte) seed;
        b[31] = (byte) (seed >> 8);
        return Sha256.of(b);
    }

    private static FileIdentity identity(long inode, long size, long mtime) {
        return new FileIdentity(1, inode, size, mtime, 99, 0644);
    }

    private HashCache open(Path file, String repo, List<String> warnings) {
        return HashCache.open(file, repo, CHUNK, 1000, false, warnings::add);
    }

    @Test
    void savedEntriesAreFoundAfterReopening() throws IOException {
        Path file = dir.resolve("c");
        HashCache cache = open(file, "repo-1", new ArrayList<>());
        List<ChunkRef> chunks = List.of(new ChunkRef(hash(1), CHUNK), new ChunkRef(hash(2), 10));
        cache.put(identity(7, CHUNK + 10, 123), NOW, hash(3), chunks);
        cache.save();

        List<String> warnings = new ArrayList<>();
        HashCache reopened = open(file, "repo-1", warnings);
        assertThat(warnings).isEmpty();
        HashCache.CachedFile hit = reopened.lookup(identity(7, CHUNK + 10, 123)).orElseThrow();
        assertThat(hit.sha256()).isEqualTo(hash(3));
        assertThat(hit.chunks()).isEqualTo(chunks);
        assertThat(reopened.hits()).isEqualTo(1);
    }

    @Test
    void aCheckpointWhileFilesAreAddedIsAlwaysReadable() throws Exception {
        Path file = dir.resolve("c");
        HashCache cache = HashCache.open(file, "repo-1", CHUNK, 100_000, false, w -> { });
        Thread adder = new Thread(() -> {
            for (int i = 1; i <= 20_000; i++) {
                cache.put(identity(i, 10, 1), NOW, hash(i), List.of(new ChunkRef(hash(i), 10)));
            }
        });
        adder.start();
        while (adder.isAlive()) {
            cache.save();
            List<String> warnings = new ArrayList<>();
            open(file, "repo-1", warnings);
            assertThat(warnings).as("a checkpoint taken during puts").isEmpty();
        }
        adder.join();
        cache.save();
        HashCache reopened = HashCache.open(file, "repo-1", CHUNK, 100_000, false, w -> { });
        assertThat(reopened.lookup(identity(1, 10, 1))).isPresent();
        assertThat(reopened.lookup(identity(20_000, 10, 1))).isPresent();
    }

    @Test
    void anyChangeOfIdentityMisses() throws IOException {
        Path file = dir.resolve("c");
        HashCache cache = open(file, "r", new ArrayList<>());
        cache.put(identity(7, 10, 123), NOW, hash(3), List.of(new ChunkRef(hash(1), 10)));
        assertThat(cache.lookup(identity(7, 10, 124))).isEmpty();
        assertThat(cache.lookup(identity(8, 10, 123))).isEmpty();
        assertThat(cache.lookup(new FileIdentity(2, 7, 10, 123, 99, 0644))).isEmpty();
        // ctime is not part of the key: a new hard link changes it (see the class comment)
        assertThat(cache.lookup(new FileIdentity(1, 7, 10, 123, 555, 0644))).isPresent();
    }

    @Test
    void aCacheOfAnotherRepositoryIsIgnored() throws IOException {
        Path file = dir.resolve("c");
        HashCache cache = open(file, "repo-1", new ArrayList<>());
        cache.put(identity(7, 10, 1), NOW, hash(3), List.of(new ChunkRef(hash(1), 10)));
        cache.save();
        List<String> warnings = new ArrayList<>();
        assertThat(open(file, "repo-2", warnings).lookup(identity(7, 10, 1))).isEmpty();
        assertThat(warnings).singleElement().asString().contains("another repository");
    }

    @Test
    void everyTruncationOrFlippedByteIsDetectedNeverTrusted() throws IOException {
        Path file = dir.resolve("c");
        HashCache cache = open(file, "r", new ArrayList<>());
        for (int i = 1; i <= 3; i++) {
            cache.put(identity(i, 10, i), NOW, hash(i), List.of(new ChunkRef(hash(100 + i), 10)));
        }
        cache.save();
        byte[] good = Files.readAllBytes(file);
        for (int cut = 0; cut < good.length; cut += 7) {
            Files.write(file, java.util.Arrays.copyOf(good, cut));
            List<String> warnings = new ArrayList<>();
            HashCache damaged = open(file, "r", warnings);
            assertThat(damaged.lookup(identity(1, 10, 1))).as("cut at " + cut).isEmpty();
            assertThat(warnings).as("cut at " + cut).hasSize(1);
        }
        for (int pos = 0; pos < good.length; pos++) {
            byte[] bad = good.clone();
            bad[pos] ^= 0x10;
            Files.write(file, bad);
            HashCache damaged = open(file, "r", new ArrayList<>());
            assertThat(damaged.lookup(identity(1, 10, 1))).as("flip at " + pos).isEmpty();
            assertThat(damaged.lookup(identity(2, 10, 2))).as("flip at " + pos).isEmpty();
        }
    }

    @Test
    void rehashIgnoresTheFileButSavesWhatItLearns() throws IOException {
        Path file = dir.resolve("c");
        HashCache cache = open(file, "r", new ArrayList<>());
        cache.put(identity(1, 10, 1), NOW, hash(1), List.of(new ChunkRef(hash(2), 10)));
        cache.save();
        HashCache rehash = HashCache.open(file, "r", CHUNK, 1000, true, w -> { });
        assertThat(rehash.lookup(identity(1, 10, 1))).isEmpty();
        rehash.put(identity(5, 10, 5), NOW, hash(5), List.of(new ChunkRef(hash(6), 10)));
        rehash.save();
        assertThat(open(file, "r", new ArrayList<>()).lookup(identity(5, 10, 5))).isPresent();
    }

    @Test
    void sizeIsBounded() throws IOException {
        Path file = dir.resolve("c");
        HashCache cache = HashCache.open(file, "r", CHUNK, 10, false, w -> { });
        for (int i = 1; i <= 100; i++) {
            cache.put(identity(i, 10, i), NOW, hash(i), List.of(new ChunkRef(hash(i), 10)));
        }
        cache.save();
        assertThat(Files.size(file)).isLessThan(20 * 120L);
    }

    @Test
    void aFileWhoseMtimeIsWithinTheTimestampGranularityOfItsReadIsNotRecorded() throws IOException {
        Path file = dir.resolve("c");
        HashCache cache = open(file, "r", new ArrayList<>());
        long readStart = 1_000_000_000_000_000_000L;
        List<ChunkRef> chunks = List.of(new ChunkRef(hash(1), 10));
        // Written 1 s before the read began: a same-size rewrite in the same tick would keep the identity.
        cache.put(identity(1, 10, readStart - 1_000_000_000L), readStart, hash(1), chunks);
        cache.put(identity(2, 10, readStart + 5), readStart, hash(2), chunks);
        cache.put(identity(3, 10, readStart - HashCache.RACY_MARGIN_NANOS - 1), readStart, hash(3), chunks);
        assertThat(cache.lookup(identity(1, 10, readStart - 1_000_000_000L))).isEmpty();
        assertThat(cache.lookup(identity(2, 10, readStart + 5))).isEmpty();
        assertThat(cache.lookup(identity(3, 10, readStart - HashCache.RACY_MARGIN_NANOS - 1))).isPresent();
        cache.save();
        HashCache reopened = open(file, "r", new ArrayList<>());
        assertThat(reopened.lookup(identity(1, 10, readStart - 1_000_000_000L))).isEmpty();
        assertThat(reopened.lookup(identity(3, 10, readStart - HashCache.RACY_MARGIN_NANOS - 1))).isPresent();
    }

    @Test
    void whenFullTheEntriesThisPushUsedStayAndUnusedOnesMakeRoom() throws IOException {
        Path file = dir.resolve("c");
        HashCache first = HashCache.open(file, "r", CHUNK, 10, false, w -> { });
        for (int i = 1; i <= 10; i++) {
            first.put(identity(i, 10, i), NOW, hash(i), List.of(new ChunkRef(hash(100 + i), 10)));
        }
        first.save();
        HashCache next = HashCache.open(file, "r", CHUNK, 10, false, w -> { });
        for (int i = 1; i <= 4; i++) {
            assertThat(next.lookup(identity(i, 10, i))).isPresent();
        }
        for (int i = 11; i <= 20; i++) {
            next.put(identity(i, 10, i), NOW, hash(i), List.of(new ChunkRef(hash(100 + i), 10)));
        }
        next.save();
        HashCache reopened = HashCache.open(file, "r", CHUNK, 10, false, w -> { });
        for (int i = 1; i <= 4; i++) {
            assertThat(reopened.lookup(identity(i, 10, i))).as("used, kept: " + i).isPresent();
        }
        for (int i = 11; i <= 16; i++) {
            HashCache.CachedFile hit = reopened.lookup(identity(i, 10, i)).orElseThrow();
            assertThat(hit.sha256()).isEqualTo(hash(i));
            assertThat(hit.chunks()).containsExactly(new ChunkRef(hash(100 + i), 10));
        }
        for (int i = 5; i <= 10; i++) {
            assertThat(reopened.lookup(identity(i, 10, i))).as("unused, replaced: " + i).isEmpty();
        }
    }
}
