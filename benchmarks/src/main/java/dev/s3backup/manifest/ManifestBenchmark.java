package dev.s3backup.manifest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Encoding and decoding a manifest of 100,000 entries shaped like an LSM store's snapshot (3
 * nodes, SSTs in a few directories, one in ten spanning three 8 MiB chunks). One operation = one
 * entry, so the score is entries per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ManifestBenchmark {
    private static final int ENTRIES = 100_000;
    private static final int NODES = 3;
    private static final int CHUNK = 8 << 20;

    private List<Entry> entries;
    private ManifestHeader header;
    private byte[] encoded;

    @Setup
    public void setUp() throws IOException {
        SplittableRandom random = new SplittableRandom(42);
        List<Node> nodes = new ArrayList<>();
        for (int n = 1; n <= NODES; n++) {
            nodes.add(new Node(Integer.toString(n), "/var/lib/store/" + n + "/snapshot"));
        }
        header = new ManifestHeader(BackupId.generate(Instant.EPOCH, random), "nightly", Instant.EPOCH, "bench",
                "host", null, nodes, Map.of());
        entries = new ArrayList<>(ENTRIES);
        for (int i = 0; i < ENTRIES; i++) {
            String node = Integer.toString(i % NODES + 1);
            int j = i / NODES;
            String dir = "data/part" + (j / 1000);
            if (j % 1000 == 0) {
                entries.add(Entry.directory(node, dir, 0755, 1_764_058_389_000_000_000L + j));
                continue;
            }
            long size = j % 10 == 0 ? 2L * CHUNK + 1 + random.nextInt(CHUNK) : 1 + random.nextInt(CHUNK);
            List<ChunkRef> chunks = new ArrayList<>();
            for (long left = size; left > 0; left -= CHUNK) {
                chunks.add(new ChunkRef(sha(random), (int) Math.min(left, CHUNK)));
            }
            entries.add(Entry.file(node, String.format("%s/%06d.sst", dir, j), 0644,
                    1_764_058_389_000_000_000L + i, size, sha(random), chunks));
        }
        encoded = encode();
        System.out.printf("manifest: %,d entries, %,d bytes (%.1f per entry)%n", ENTRIES, encoded.length,
                (double) encoded.length / ENTRIES);
    }

    private static Sha256 sha(SplittableRandom random) {
        byte[] b = new byte[Sha256.BYTES];
        random.nextBytes(b);
        return Sha256.of(b);
    }

    private byte[] encode() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8 << 20);
        try (ManifestWriter w = ManifestCodec.newWriter(out, header)) {
            for (Entry e : entries) {
                w.write(e);
            }
            w.finish();
        }
        return out.toByteArray();
    }

    @Benchmark
    @OperationsPerInvocation(ENTRIES)
    public byte[] encodeEntries() throws IOException {
        return encode();
    }

    @Benchmark
    @OperationsPerInvocation(ENTRIES)
    public void decodeEntries(Blackhole bh) throws IOException {
        try (ManifestReader r = ManifestCodec.newReader(new ByteArrayInputStream(encoded))) {
            for (Entry e = r.next(); e != null; e = r.next()) {
                bh.consume(e);
            }
        }
    }
}
