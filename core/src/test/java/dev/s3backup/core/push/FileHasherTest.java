package dev.s3backup.core.push;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.manifest.ChunkRef;
import dev.s3backup.manifest.Entry;
import dev.s3backup.manifest.Sha256;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FileHasherTest {
    private static final int CHUNK = 1024;
    private static final int[] SIZES = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 7};

    private static byte[] random(int size) {
        byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        return data;
    }

    /** Feeds {@code data} the way Push does: chunk-sized pieces from the start of a reused buffer. */
    private static Sha256 hashInChunks(byte[] data, int version, MessageDigest addressDigest) {
        FileHasher hasher = new FileHasher(addressDigest, data.length, CHUNK, version);
        byte[] buffer = new byte[CHUNK];
        List<ChunkRef> refs = new ArrayList<>();
        for (int off = 0; off < data.length; off += CHUNK) {
            int n = Math.min(CHUNK, data.length - off);
            System.arraycopy(data, off, buffer, 0, n);
            Arrays.fill(buffer, n, CHUNK, (byte) 0x5a);   // stale bytes past n must not count
            Sha256 address = hasher.chunk(buffer, n);
            assertThat(address).isEqualTo(Sha256.digest(data, off, n));
            refs.add(new ChunkRef(address, n));
        }
        return hasher.fileHash(refs);
    }

    @Test
    void version1FileHashIsTheSha256OfTheWholeContentForEverySize() {
        for (int size : SIZES) {
            byte[] data = random(size);
            assertThat(hashInChunks(data, 1, Sha256.newDigest())).as("size %d", size).isEqualTo(Sha256.digest(data, 0, size));
        }
    }

    @Test
    void version2FileHashIsTheChunkAddressOrTheIdentityDerivedFromTheChunks() {
        for (int size : SIZES) {
            byte[] data = random(size);
            List<ChunkRef> chunks = new ArrayList<>();
            for (int off = 0; off < size; off += CHUNK) {
                int n = Math.min(CHUNK, size - off);
                chunks.add(new ChunkRef(Sha256.digest(data, off, n), n));
            }
            Sha256 expected = chunks.size() == 1 ? chunks.get(0).hash() : Entry.derivedIdentity(chunks);
            assertThat(hashInChunks(data, 2, Sha256.newDigest())).as("size %d", size).isEqualTo(expected);
        }
    }

    /** Chunk addresses come from the repository's digest, which sees every byte exactly once. */
    @Test
    void chunkAddressesComeFromTheRepositorysDigest() {
        for (int version : new int[] {1, 2}) {
            byte[] data = random(3 * CHUNK + 7);
            CountingSha256 counting = new CountingSha256();
            FileHasher hasher = new FileHasher(counting, data.length, CHUNK, version);
            for (int off = 0; off < data.length; off += CHUNK) {
                hasher.chunk(Arrays.copyOfRange(data, off, Math.min(data.length, off + CHUNK)), Math.min(CHUNK, data.length - off));
            }
            assertThat(counting.bytes).as("v%d", version).isEqualTo(data.length);
        }
    }

    @Test
    void aSingleChunkFileHashesItsBytesOnce() {
        for (int version : new int[] {1, 2}) {
            byte[] data = random(CHUNK);
            FileHasher hasher = new FileHasher(Sha256.newDigest(), CHUNK, CHUNK, version);
            Sha256 chunk = hasher.chunk(data, CHUNK);
            assertThat(hasher.fileHash(List.of(new ChunkRef(chunk, CHUNK)))).isSameAs(chunk);
        }
    }

    /** A SHA-256 that counts the bytes it is fed. */
    private static final class CountingSha256 extends MessageDigest {
        private final MessageDigest inner = Sha256.newDigest();
        long bytes;

        CountingSha256() {
            super("SHA-256");
        }

        @Override
        protected void engineUpdate(byte input) {
            bytes++;
            inner.update(input);
        }

        @Override
        protected void engineUpdate(byte[] input, int offset, int len) {
            bytes += len;
            inner.update(input, offset, len);
        }

        @Override
        protected byte[] engineDigest() {
            return inner.digest();
        }

        @Override
        protected void engineReset() {
            inner.reset();
        }
    }
}
