package dev.s3backup.manifest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/** Shared fixtures of the manifest tests. */
final class TestManifests {
    static final Instant CREATED = Instant.parse("2026-11-25T08:13:09.123456789Z");
    static final String ID = BackupId.generate(CREATED, new SplittableRandom(1));
    static final String PARENT = BackupId.generate(CREATED.minusSeconds(3600), new SplittableRandom(2));

    private TestManifests() {
    }

    /** Every format version this build writes; each codec test runs once per version. */
    static Stream<Integer> versions() {
        return ManifestCodec.VERSIONS.stream();
    }

    static ManifestHeader header() {
        return new ManifestHeader(ID, "nightly", CREATED, "0.1.0-test", "backup-host-1", PARENT,
                List.of(new Node("1", "/var/lib/hyperdex/1/snap"), new Node("2", "/var/lib/hyperdex/2/snap")),
                Map.of("pause.ms", "412", "coordinator", "10.0.0.1:1982"));
    }

    static ManifestHeader emptyHeader() {
        return new ManifestHeader(ID, "", CREATED, "0.1.0-test", "", null, List.of(), Map.of());
    }

    /** A deterministic, well-spread digest derived from {@code seed}. */
    static Sha256 sha(long seed) {
        byte[] b = new byte[Sha256.BYTES];
        long x = seed;
        for (int i = 0; i < b.length; i += 8) {
            x += 0x9E3779B97F4A7C15L;
            long z = x;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z ^= z >>> 31;
            for (int k = 0; k < 8; k++) {
                b[i + k] = (byte) (z >>> (8 * k));
            }
        }
        return Sha256.of(b);
    }

    /** A file of {@code size} bytes cut into chunks of {@code chunkSize} (the last one shorter). */
    static Entry file(String node, String path, long size, int chunkSize, long seed) {
        List<ChunkRef> chunks = new ArrayList<>();
        long left = size;
        int i = 0;
        while (left > 0) {
            int len = (int) Math.min(left, chunkSize);
            chunks.add(new ChunkRef(sha(seed * 1_000_003 + i++), len));
            left -= len;
        }
        // What every version stores: a whole-file hash in v1 may be any value, v2 stores none.
        Sha256 whole = chunks.size() == 1 ? chunks.get(0).hash() : Entry.derivedIdentity(chunks);
        return Entry.file(node, path, 0644, 1_764_058_389_000_000_000L + seed * 1_000_001L, size, whole, chunks);
    }

    static byte[] write(int version, ManifestHeader header, List<Entry> entries) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ManifestWriter w = ManifestCodec.newWriter(out, header, version)) {
            for (Entry e : entries) {
                w.write(e);
            }
            w.finish();
        }
        return out.toByteArray();
    }

    record Read(int version, ManifestHeader header, List<Entry> entries, Totals totals) {
    }

    static Read read(byte[] manifest) throws IOException {
        return read(new ByteArrayInputStream(manifest));
    }

    static Read read(InputStream in) throws IOException {
        try (ManifestReader r = ManifestCodec.newReader(in)) {
            List<Entry> entries = new ArrayList<>();
            for (Entry e = r.next(); e != null; e = r.next()) {
                entries.add(e);
            }
            return new Read(r.formatVersion(), r.header(), entries, r.totals());
        }
    }

    static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }
}
