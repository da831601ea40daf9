package dev.s3backup.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A million entries through a file, never held in memory: the module's tests run with a small
 * heap (see the pom), which holding the entries would exceed several times over.
 */
class ManifestMillionEntriesTest {
    private static final int ENTRIES = 1_000_000;
    private static final int NODES = 8;
    private static final int CHUNK = 4 << 20;

    /** Entry {@code i} of a snapshot shaped like an LSM store's: SSTs in a few directories per node. */
    static Entry entry(int i) {
        String node = Integer.toString(i % NODES + 1);
        int j = i / NODES;
        String dir = "data/part" + (j / 500);
        if (j % 500 == 0) {
            return Entry.directory(node, dir, 0755, 1_764_058_389_000_000_000L + j);
        }
        long spread = TestManifests.sha(i).hashCode() & 0x3FFFFF;
        // Most SSTs fit in one chunk; one in ten spans three.
        long size = j % 10 == 0 ? 2L * CHUNK + 1 + spread : 1 + spread;
        return TestManifests.file(node, String.format("%s/%06d.sst", dir, j), size, CHUNK, i);
    }

    static ManifestHeader header() {
        List<Node> nodes = new ArrayList<>();
        for (int n = 1; n <= NODES; n++) {
            nodes.add(new Node(Integer.toString(n), "/var/lib/hyperdex/" + n + "/snapshot"));
        }
        return new ManifestHeader(TestManifests.ID, "nightly", Instant.EPOCH, "test", "h", null, nodes, Map.of());
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource("dev.s3backup.manifest.TestManifests#versions")
    void streamsAMillionEntries(int version, @TempDir Path dir) throws IOException {
        Path file = dir.resolve("manifest");
        long[] written = new long[1];
        Totals expected = Totals.ZERO;
        long t0 = System.nanoTime();
        try (OutputStream counting = new FilterOutputStream(new BufferedOutputStream(Files.newOutputStream(file))) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    written[0] += len;
                    out.write(b, off, len);
                }

                @Override
                public void write(int b) throws IOException {
                    written[0]++;
                    out.write(b);
                }
            };
             ManifestWriter w = ManifestCodec.newWriter(counting, header(), version)) {
            for (int i = 0; i < ENTRIES; i++) {
                Entry e = entry(i);
                expected = expected.plus(e);
                w.write(e);
            }
            assertThat(w.finish()).isEqualTo(expected);
        }
        long t1 = System.nanoTime();

        int read = 0;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file));
             ManifestReader r = ManifestCodec.newReader(in)) {
            assertThat(r.header()).isEqualTo(header());
            for (Entry e = r.next(); e != null; e = r.next()) {
                if (!e.equals(entry(read))) {
                    assertThat(e).as("entry %d", read).isEqualTo(entry(read));
                }
                read++;
            }
            assertThat(r.totals()).isEqualTo(expected);
        }
        long t2 = System.nanoTime();

        double perEntry = (double) written[0] / ENTRIES;
        System.out.printf("manifest v%d: %,d entries (%,d files, %,d chunk refs) in %,d bytes = %.1f bytes/entry, "
                        + "%.1f bytes/chunk ref; write %d ms, read %d ms%n",
                version, ENTRIES, expected.files(), expected.chunkRefs(), written[0], perEntry,
                (double) written[0] / expected.chunkRefs(), (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
        assertThat(read).isEqualTo(ENTRIES);
        assertThat(Files.size(file)).isEqualTo(written[0]);
        // The floor is the 32-byte hash per chunk reference, which no compression removes.
        assertThat(perEntry).isLessThan(64);
    }
}
