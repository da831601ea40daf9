package dev.s3backup.manifest;

import static dev.s3backup.manifest.TestManifests.header;
import static dev.s3backup.manifest.TestManifests.sha;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Small files stored as slices of a shared pack chunk. */
class PackedEntryTest {
    static final String VERSIONS = "dev.s3backup.manifest.TestManifests#versions";

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void packedFilesRoundTrip(int version) throws IOException {
        ChunkRef pack = new ChunkRef(sha(100), 8 << 20);
        List<Entry> entries = List.of(
                Entry.packed("1", "CURRENT", 0644, 1, 16, sha(1), pack, 0),
                Entry.packed("1", "OPTIONS-000007", 0644, 2, 6000, sha(2), pack, 16),
                Entry.packed("", "coordinator.bin", 0600, 3, 4096, sha(3), pack, (8 << 20) - 4096),
                Entry.file("2", "000001.sst", 0644, 4, 10, sha(4), List.of(new ChunkRef(sha(4), 10))));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Totals written;
        try (ManifestWriter w = ManifestCodec.newWriter(out, header(), version)) {
            for (Entry e : entries) {
                w.write(e);
            }
            written = w.finish();
        }
        List<Entry> read = new ArrayList<>();
        try (ManifestReader r = ManifestCodec.newReader(new ByteArrayInputStream(out.toByteArray()))) {
            for (Entry e = r.next(); e != null; e = r.next()) {
                read.add(e);
            }
            assertThat(r.totals()).isEqualTo(written);
        }
        assertThat(read).isEqualTo(entries);
        assertThat(read.get(1).packed()).isTrue();
        assertThat(read.get(3).packed()).isFalse();
        assertThat(written.bytes()).isEqualTo(16 + 6000 + 4096 + 10);
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void aSliceOutsideItsPackIsRefused(int version) {
        ChunkRef pack = new ChunkRef(sha(100), 1000);
        assertThatThrownBy(() -> Entry.packed("1", "a", 0644, 1, 100, sha(1), pack, 901))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Entry("1", "d", EntryType.DIRECTORY, 0755, 0, 0, null, List.of(), null, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
