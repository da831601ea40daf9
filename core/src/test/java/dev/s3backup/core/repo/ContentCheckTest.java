package dev.s3backup.core.repo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.core.store.InMemoryObjectStore;
import dev.s3backup.manifest.ChunkRef;
import dev.s3backup.manifest.Entry;
import dev.s3backup.manifest.Sha256;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The one rule for checking a file's bytes against its entry, for every kind of file entry. */
class ContentCheckTest {
    private static final int CHUNK = 1000;
    private final Repository repo = Repository.init(new InMemoryObjectStore(), 64 << 10);

    private static byte[] bytes(int size, long seed) {
        byte[] b = new byte[size];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    private static List<ChunkRef> chunks(byte[] content) {
        List<ChunkRef> chunks = new ArrayList<>();
        for (int off = 0; off < content.length; off += CHUNK) {
            int n = Math.min(CHUNK, content.length - off);
            chunks.add(new ChunkRef(Sha256.digest(content, off, n), n));
        }
        return chunks;
    }

    private boolean matches(Entry e, byte[] content) throws IOException {
        // A small buffer, so that chunks and reads do not line up.
        return ContentCheck.matches(repo, e, new ByteArrayInputStream(content), new byte[333]);
    }

    private void assertOnlyItsContentMatches(Entry e, byte[] content) throws IOException {
        assertThat(matches(e, content)).as("its own content").isTrue();
        assertThat(matches(e, Arrays.copyOf(content, content.length + 1))).as("one byte more").isFalse();
        if (content.length > 0) {
            assertThat(matches(e, Arrays.copyOf(content, content.length - 1))).as("one byte less").isFalse();
            for (int at : new int[] {0, content.length / 2, content.length - 1}) {
                byte[] flipped = content.clone();
                flipped[at] ^= 1;
                assertThat(matches(e, flipped)).as("byte %d flipped", at).isFalse();
            }
        }
    }

    @Test
    void aVersion2MultiChunkFileIsCheckedByItsChunksAlone() throws IOException {
        byte[] content = bytes(3 * CHUNK + 17, 1);
        List<ChunkRef> chunks = chunks(content);
        Entry e = Entry.file("n", "f", 0644, 0, content.length, Entry.derivedIdentity(chunks), chunks);

        assertThat(ContentCheck.chunksCheckTheFile(e)).isTrue();
        assertThat(ContentCheck.fileDigest(repo, e)).isNull();
        assertOnlyItsContentMatches(e, content);
    }

    @Test
    void aVersion1MultiChunkFileIsCheckedByItsWholeSha256() throws IOException {
        byte[] content = bytes(3 * CHUNK + 17, 2);
        Entry e = Entry.file("n", "f", 0644, 0, content.length, Sha256.digest(content, 0, content.length), chunks(content));

        assertThat(ContentCheck.chunksCheckTheFile(e)).isFalse();
        assertThat(ContentCheck.fileDigest(repo, e)).isNotNull();
        assertOnlyItsContentMatches(e, content);
    }

    @Test
    void oneChunkPackedAndEmptyFiles() throws IOException {
        byte[] one = bytes(CHUNK, 3);
        Entry oneChunk = Entry.file("n", "one", 0644, 0, one.length, Sha256.digest(one, 0, one.length), chunks(one));
        assertThat(ContentCheck.chunksCheckTheFile(oneChunk)).isTrue();
        assertOnlyItsContentMatches(oneChunk, one);

        byte[] small = bytes(40, 4);
        Entry packed = Entry.packed("n", "p", 0644, 0, small.length, Sha256.digest(small, 0, small.length),
                new ChunkRef(Sha256.digest(bytes(100, 5), 0, 100), 100), 30);
        assertThat(ContentCheck.chunksCheckTheFile(packed)).isFalse();
        assertOnlyItsContentMatches(packed, small);

        for (Sha256 identity : List.of(Entry.derivedIdentity(List.of()), Sha256.digest(new byte[0], 0, 0))) {
            Entry empty = Entry.file("n", "e", 0644, 0, 0, identity, List.of());
            assertOnlyItsContentMatches(empty, new byte[0]);
        }
    }
}
