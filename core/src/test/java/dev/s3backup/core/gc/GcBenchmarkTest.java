package dev.s3backup.core.gc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.repo.RepositoryLayout;
import dev.s3backup.core.store.DeleteResult;
import dev.s3backup.core.store.InMemoryObjectStore;
import dev.s3backup.core.store.ListPage;
import dev.s3backup.core.store.ObjectInfo;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.Payload;
import dev.s3backup.manifest.ChunkRef;
import dev.s3backup.manifest.Entry;
import dev.s3backup.manifest.ManifestCodec;
import dev.s3backup.manifest.ManifestHeader;
import dev.s3backup.manifest.ManifestWriter;
import dev.s3backup.manifest.Sha256;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * gc over a million chunk objects: time, and heap retained by the mark (the referenced set), for
 * different numbers of objects and referenced chunks. The chunk listing is generated on the fly
 * (so the store itself holds nothing in memory); everything else is the real code path.
 *
 * <pre>mvn -B -o test -pl core -Dtest=GcBenchmarkTest -Ds3backup.bench=true</pre>
 */
@EnabledIfSystemProperty(named = "s3backup.bench", matches = "true")
class GcBenchmarkTest {
    @TempDir
    Path tmp;

    @Test
    void millionChunkObjects() throws Exception {
        measure(100_000, 10_000);
        measure(1_000_000, 10_000);
        measure(1_000_000, 100_000);
        measure(1_000_000, 500_000);
    }

    private void measure(int objects, int referenced) throws Exception {
        SyntheticChunks store = new SyntheticChunks(objects);
        Repository.init(store, 8 << 20).close();
        int every = objects / referenced;
        int perManifest = 100_000;
        List<Sha256> batch = new ArrayList<>();
        int manifests = 0;
        for (int i = 0; i < objects; i += every) {
            batch.add(store.hash(i));
            if (batch.size() == perManifest) {
                store.putManifest(manifests++, batch);
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            store.putManifest(manifests, batch);
        }
        long before = usedAfterGc();
        Repository repo = Repository.open(store);
        GarbageCollector gc = new GarbageCollector(repo, new GcOptions(Duration.ZERO, false, 10_000,
                GcProtocol.Timing.defaults(), tmp), Clock.systemUTC());
        long start = System.nanoTime();
        GcResult r = gc.run();
        double seconds = (System.nanoTime() - start) / 1e9;
        long retained = usedAfterGc() - before;
        assertThat(r.deleted()).isEqualTo(objects - (long) r.chunksReferenced());
        System.out.printf("gc bench: %,d chunk objects, %,d referenced: %.1f s, heap retained by gc %.1f MB "
                        + "(%.0f bytes per referenced chunk), deleted %,d; requests %s%n",
                objects, r.chunksReferenced(), seconds, retained / 1e6, (double) retained / r.chunksReferenced(),
                r.deleted(), r.requests());
        reachabilityFence(gc);
    }

    private static void reachabilityFence(Object o) {
        java.lang.ref.Reference.reachabilityFence(o);
    }

    private static long usedAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** chunks/ is N generated keys in sorted order; other keys live in memory; intents are dropped. */
    static final class SyntheticChunks implements ObjectStore {
        private final InMemoryObjectStore rest = new InMemoryObjectStore();
        private final int n;
        private final long stride;
        private final Instant old = Instant.parse("2020-01-01T00:00:00Z");
        final AtomicLong deleted = new AtomicLong();

        SyntheticChunks(int n) {
            this.n = n;
            this.stride = Long.divideUnsigned(-1L, n);
        }

        Sha256 hash(int i) {
            ByteBuffer b = ByteBuffer.allocate(32);
            b.putLong(i * stride);
            SplittableRandom r = new SplittableRandom(i);
            b.putLong(r.nextLong()).putLong(r.nextLong()).putLong(r.nextLong() | 1);
            return Sha256.of(b.array());
        }

        void putManifest(int k, List<Sha256> chunks) throws Exception {
            String id = GcFixtures.id(Instant.parse("2026-01-01T00:00:00Z").plusSeconds(k), k);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (ManifestWriter w = ManifestCodec.newWriter(out, new ManifestHeader(id, "", Instant.EPOCH, "t", "h", null,
                    List.of(), Map.of()))) {
                int i = 0;
                for (Sha256 c : chunks) {
                    w.write(Entry.file("", String.format("%08d.sst", i++), 0644, 0, 8 << 20, c,
                            List.of(new ChunkRef(c, 8 << 20))));
                }
                w.finish();
            }
            rest.putIfAbsent(RepositoryLayout.manifestKey(id), Payload.of(out.toByteArray()));
        }

        @Override
        public ListPage list(String prefix, String continuation) {
            if (!prefix.equals(RepositoryLayout.CHUNKS)) {
                return rest.list(prefix, continuation);
            }
            int from = continuation == null ? 0 : Integer.parseInt(continuation);
            int to = Math.min(n, from + 1000);
            List<ObjectInfo> page = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) {
                page.add(new ObjectInfo(RepositoryLayout.chunkKey(hash(i)), 8 << 20, old));
            }
            return new ListPage(page, to < n ? Integer.toString(to) : null);
        }

        @Override
        public DeleteResult delete(Collection<String> keys) {
            long chunks = keys.stream().filter(k -> k.startsWith(RepositoryLayout.CHUNKS)).count();
            deleted.addAndGet(chunks);
            DeleteResult r = rest.delete(keys.stream().filter(k -> !k.startsWith(RepositoryLayout.CHUNKS)).toList());
            return new DeleteResult(r.deleted() + (int) chunks, r.failed());
        }

        @Override
        public PutOutcome putIfAbsent(String key, Payload payload) {
            return rest.putIfAbsent(key, key.startsWith(GcProtocol.INTENTS) ? Payload.of(new byte[0]) : payload);
        }

        @Override
        public InputStream get(String key) {
            return rest.get(key);
        }

        @Override
        public InputStream getRange(String key, long offset, long length) {
            return rest.getRange(key, offset, length);
        }

        @Override
        public Optional<ObjectInfo> head(String key) {
            return rest.head(key);
        }

        @Override
        public String describe() {
            return "synthetic://";
        }
    }
}
