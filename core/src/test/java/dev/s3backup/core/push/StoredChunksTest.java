package dev.s3backup.core.push;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.core.repo.RepositoryLayout;
import dev.s3backup.core.store.InMemoryObjectStore;
import dev.s3backup.core.store.InMemoryObjectStore.Op;
import dev.s3backup.core.store.Payload;
import dev.s3backup.manifest.ChunkRef;
import dev.s3backup.manifest.Sha256;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Confirming the chunks of a resume journal: a LIST per crowded prefix, a HEAD for a lone chunk. */
class StoredChunksTest {
    private int counter;

    /** Chunks (of 100 bytes) whose keys all fall under chunks/ab/. */
    private List<ChunkRef> chunksUnderPrefixAb(int n) {
        List<ChunkRef> found = new ArrayList<>();
        while (found.size() < n) {
            Sha256 hash = Sha256.digest(ByteBuffer.allocate(100).putInt(counter++).array(), 0, 100);
            if (hash.hex().startsWith("ab")) {
                found.add(new ChunkRef(hash, 100));
            }
        }
        return found;
    }

    private static void store(InMemoryObjectStore store, List<ChunkRef> chunks) {
        for (ChunkRef c : chunks) {
            store.putIfAbsent(RepositoryLayout.chunkKey(c.hash()), Payload.of(new byte[c.length()], 0, c.length(), null));
        }
    }

    @Test
    void aCrowdedPrefixIsConfirmedByOneListing() {
        InMemoryObjectStore store = new InMemoryObjectStore();
        List<ChunkRef> wanted = chunksUnderPrefixAb(20);
        store(store, wanted.subList(0, 15));
        store(store, chunksUnderPrefixAb(100));
        store.resetRequests();

        List<ChunkRef> present = StoredChunks.confirm(store, wanted);

        assertThat(present).containsExactlyInAnyOrderElementsOf(wanted.subList(0, 15));
        assertThat(store.requests(Op.LIST)).isEqualTo(1);
        assertThat(store.requests(Op.HEAD)).isZero();
    }

    @Test
    void aLoneChunkIsConfirmedByAHeadAndAWrongSizeIsNotTrusted() {
        InMemoryObjectStore store = new InMemoryObjectStore();
        ChunkRef stored = chunksUnderPrefixAb(1).get(0);
        store(store, List.of(stored));
        ChunkRef other = chunksUnderPrefixAb(1).get(0);
        store.putIfAbsent(RepositoryLayout.chunkKey(other.hash()), Payload.of(new byte[7], 0, 7, null));
        store.resetRequests();

        assertThat(StoredChunks.confirm(store, List.of(stored))).containsExactly(stored);
        assertThat(StoredChunks.confirm(store, List.of(other))).as("stored with another size").isEmpty();
        assertThat(store.requests(Op.HEAD)).isEqualTo(2);
        assertThat(store.requests(Op.LIST)).isZero();
    }

    @Test
    void aLongListingGivesWayToHeadsAndNeverCostsMoreThanTwoRequestsPerChunk() {
        InMemoryObjectStore store = new InMemoryObjectStore(Clock.systemUTC(), 10);
        List<ChunkRef> all = chunksUnderPrefixAb(300);
        store(store, all);
        // the three keys listed last, on the 30th page of ten
        List<ChunkRef> wanted = all.stream()
                .sorted(java.util.Comparator.comparing(c -> c.hash().hex())).skip(297).toList();
        store.resetRequests();

        assertThat(StoredChunks.confirm(store, wanted)).containsExactlyInAnyOrderElementsOf(wanted);
        assertThat(store.requests(Op.LIST)).as("pages stop short of the HEADs they replace").isEqualTo(2);
        assertThat(store.requests(Op.HEAD)).isEqualTo(3);
    }
}
