package dev.s3backup.core.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.manifest.Sha256;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class ChunkTableTest {
    private static Sha256 hash(int i) {
        byte[] b = ByteBuffer.allocate(4).putInt(i).array();
        return Sha256.digest(b, 0, b.length);
    }

    @Test
    void keepsEveryChunkThroughGrowthAndPresizing() {
        ChunkTable table = new ChunkTable();
        for (int i = 0; i < 50_000; i++) {
            assertThat(table.add(hash(i), i % 1000 + 1)).isTrue();
        }
        table.ensureCapacity(200_000);
        for (int i = 50_000; i < 100_000; i++) {
            table.add(hash(i), i % 1000 + 1);
        }
        assertThat(table.size()).isEqualTo(100_000);
        for (int i = 0; i < 100_000; i += 7) {
            int slot = table.slotOf(hash(i));
            assertThat(slot).isNotNegative();
            assertThat(table.length(slot)).isEqualTo(i % 1000 + 1);
            assertThat(table.hash(slot)).isEqualTo(hash(i));
        }
        assertThat(table.slotOf(hash(-1))).isEqualTo(-1);
    }

    @Test
    void aSecondLengthForTheSameChunkIsAConflict() {
        ChunkTable table = new ChunkTable();
        assertThat(table.add(hash(1), 10)).isTrue();
        assertThat(table.add(hash(1), 10)).isTrue();
        assertThat(table.add(hash(1), 11)).isFalse();
        int slot = table.slotOf(hash(1));
        assertThat(table.has(slot, ChunkTable.CONFLICT)).isTrue();
        assertThat(table.length(slot)).isEqualTo(10);
        assertThat(table.size()).isEqualTo(1);
    }
}
