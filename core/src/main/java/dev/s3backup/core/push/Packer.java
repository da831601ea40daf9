package dev.s3backup.core.push;

import dev.s3backup.manifest.ChunkRef;
import dev.s3backup.manifest.Sha256;
import java.util.concurrent.CompletableFuture;

/**
 * Packs small files into shared chunks ("packs") of up to one chunk size, so that a directory
 * of thousands of tiny files costs a few PUTs instead of one each (and no 128 KB minimum charge
 * per object in infrequent-access classes). A pack is an ordinary content-addressed chunk; each
 * file is a slice of it, verified on restore by the file's own content address.
 */
final class Packer {
    /** Where a file's bytes landed: the pack (complete once sealed and stored) and the offset in it. */
    record Slice(CompletableFuture<ChunkRef> pack, int offset) {
    }

    private final int capacity;
    private final BufferPool pool;
    private final Addresser addresser;
    private final Sink sink;
    private byte[] buffer;
    private int used;
    private CompletableFuture<ChunkRef> current;

    /**
     * Takes a sealed pack: stores the first {@code ref.length()} bytes and returns the buffer to
     * the pool; the future completes when the pack is stored (or known present).
     */
    interface Sink {
        CompletableFuture<?> store(ChunkRef ref, byte[] buffer);
    }

    /** The repository's content address of {@code b[off, off + len)} ({@code Repository::address}). */
    interface Addresser {
        Sha256 address(byte[] b, int off, int len);
    }

    Packer(int capacity, BufferPool pool, Addresser addresser, Sink sink) {
        this.capacity = capacity;
        this.pool = pool;
        this.addresser = addresser;
        this.sink = sink;
    }

    synchronized Slice append(byte[] data, int length) throws InterruptedException {
        if (length > capacity) {
            throw new IllegalArgumentException("a packed file must fit in one pack");
        }
        if (buffer != null && used + length > capacity) {
            sealLocked();
        }
        if (buffer == null) {
            buffer = pool.acquire();
            used = 0;
            current = new CompletableFuture<>();
        }
        System.arraycopy(data, 0, buffer, used, length);
        Slice slice = new Slice(current, used);
        used += length;
        return slice;
    }

    /** Seals the open pack, if any: called when no file can join it before its slices are needed. */
    synchronized void seal() {
        if (buffer != null) {
            sealLocked();
        }
    }

    private void sealLocked() {
        byte[] sealed = buffer;
        int length = used;
        CompletableFuture<ChunkRef> pack = current;
        buffer = null;
        current = null;
        ChunkRef ref = new ChunkRef(addresser.address(sealed, 0, length), length);
        // Its files' entries (and their hash cache records) wait for the pack to be stored.
        sink.store(ref, sealed).whenComplete((v, e) -> {
            if (e != null) {
                pack.completeExceptionally(e);
            } else {
                pack.complete(ref);
            }
        });
    }
}
