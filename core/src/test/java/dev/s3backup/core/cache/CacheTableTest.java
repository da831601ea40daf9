package dev.s3backup.core.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.manifest.ChunkRef;
import dev.s3backup.manifest.Sha256;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The compact table against a map model: lookups, replacements and evictions in random order. */
class CacheTableTest {

    private static Sha256 hash(long seed) {
        byte[] b = new byte[32];
        new SplittableRandom(seed).nextBytes(b);
        return Sha256.of(b);
    }

    @Test
    void behavesAsAMapOfTheEntriesItKeeps() {
        SplittableRandom random = new SplittableRandom(11);
        CacheTable table = new CacheTable(500);
        Map<Long, Long> model = new HashMap<>();
        for (int step = 0; step < 20_000; step++) {
            // Few distinct inodes and mtimes: long probe runs, many collisions, many evictions.
            long inode = random.nextInt(900);
            long mtime = random.nextInt(3);
            long key = inode * 10 + mtime;
            if (random.nextBoolean()) {
                long content = random.nextLong();
                Sha256 sha = hash(content);
                List<ChunkRef> chunks = List.of(new ChunkRef(hash(content % 7), 10));
                if (table.put(1, inode, 10, mtime, sha, chunks, content % 7)) {
                    model.put(key, content);
                }
            } else {
                HashCache.CachedFile hit = table.get(1, inode, 10, mtime);
                Long content = model.get(key);
                if (hit != null) {
                    assertThat(content).as("step " + step).isNotNull();
                    assertThat(hit.sha256()).isEqualTo(hash(content));
                    assertThat(hit.chunks()).containsExactly(new ChunkRef(hash(content % 7), 10));
                    assertThat(hit.packOffset()).isEqualTo(content % 7);
                }
            }
            if (step % 5000 == 4999) {
                table.untouchAll();
            }
        }
        assertThat(table.size()).isEqualTo(500);
        // Every row the table holds is findable: the index lost none through the evictions.
        int found = 0;
        for (long inode = 0; inode < 900; inode++) {
            for (long mtime = 0; mtime < 3; mtime++) {
                HashCache.CachedFile hit = table.get(1, inode, 10, mtime);
                if (hit != null) {
                    found++;
                    assertThat(hit.sha256()).isEqualTo(hash(model.get(inode * 10 + mtime)));
                }
            }
        }
        assertThat(found).isEqualTo(500);
    }

    @Test
    void aFullTableOfEntriesInUseDropsPutsWithoutSearchingItEachTime() {
        CacheTable table = new CacheTable(50_000);
        List<ChunkRef> chunks = List.of(new ChunkRef(hash(1), 10));
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> {
            for (int i = 0; i < 150_000; i++) {
                boolean kept = table.put(1, i, 10, 1, hash(i), chunks, 0);
                assertThat(kept).isEqualTo(i < 50_000);
            }
        });
        assertThat(table.get(1, 49_999, 10, 1)).isNotNull();
        assertThat(table.get(1, 50_000, 10, 1)).isNull();
    }
}
