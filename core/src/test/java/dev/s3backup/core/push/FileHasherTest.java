package dev.s3backup.core.push;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.manifest.Sha256;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FileHasherTest {
    private static final int CHUNK = 1024;

    private static byte[] random(int size) {
        byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        return data;
    }

    /** Feeds {@code data} the way Push does: chunk-sized pieces from the start of a reused buffer. */
    private static FileHasher hashInChunks(byte[] data) {
        FileHasher hasher = new FileHasher(data.length, CHUNK);
        byte[] buffer = new byte[CHUNK];
        for (int off = 0; off < data.length; off += CHUNK) {
            int n = Math.min(CHUNK, data.length - off);
            System.arraycopy(data, off, buffer, 0, n);
            Arrays.fill(buffer, n, CHUNK, (byte) 0x5a);   // stale bytes past n must not count
            assertThat(hasher.chunk(buffer, n)).isEqualTo(Sha256.digest(data, off, n));
        }
        return hasher;
    }

    @Test
    void fileHashIsTheSha256OfTheWholeContentForEverySize() {
        for (int size : new int[] {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 7}) {
            byte[] data = random(size);
            assertThat(hashInChunks(data).fileHash()).as("size %d", size).isEqualTo(Sha256.digest(data, 0, size));
        }
    }

    @Test
    void aSingleChunkFileHashesItsBytesOnce() {
        byte[] data = random(CHUNK);
        FileHasher hasher = new FileHasher(CHUNK, CHUNK);
        Sha256 chunk = hasher.chunk(data, CHUNK);
        assertThat(hasher.fileHash()).isSameAs(chunk);
    }
}
