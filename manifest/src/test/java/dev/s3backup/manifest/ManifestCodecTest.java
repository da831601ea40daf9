package dev.s3backup.manifest;

import static dev.s3backup.manifest.TestManifests.file;
import static dev.s3backup.manifest.TestManifests.header;
import static dev.s3backup.manifest.TestManifests.read;
import static dev.s3backup.manifest.TestManifests.sha;
import static dev.s3backup.manifest.TestManifests.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The contract of the codec, run against every format version this build writes. */
class ManifestCodecTest {
    private static final String VERSIONS = "dev.s3backup.manifest.TestManifests#versions";

    static List<Entry> everyKind(int version) {
        // One chunk whose hash is not the chunk's: version 1 stores any such hash, version 2 only
        // the identity derived from the chunk list.
        List<ChunkRef> oddChunks = List.of(new ChunkRef(sha(5), 10));
        Sha256 oddHash = version == ManifestFormat.VERSION_1 ? sha(4) : Entry.derivedIdentity(oddChunks);
        return List.of(
                Entry.directory("1", "db", 0755, 1_764_058_000_000_000_000L),
                file("1", "db/000012.sst", 7 * 1024 * 1024 + 5, 4 * 1024 * 1024, 1),
                file("1", "db/000013.sst", 1024, 4 * 1024 * 1024, 2),
                file("1", "db/LOCK", 0, 4 * 1024 * 1024, 3),
                // one chunk whose hash is not the file's: the model allows it, so must the codec
                Entry.file("1", "db/odd", 0600, 5, 10, oddHash, oddChunks),
                Entry.symlink("1", "db/CURRENT.link", 1_764_058_000_000_000_001L, "CURRENT"),
                new Entry("1", "db/abs.link", EntryType.SYMLINK, 0755, -1, 0, null, List.of(), "/etc/../x", -1),
                Entry.directory("2", "db", 07777, Long.MIN_VALUE),
                Entry.directory("2", "db/sub", 0, Long.MAX_VALUE),
                file("2", "db/sub/a", Integer.MAX_VALUE, Integer.MAX_VALUE, 6),
                file("", "coordinator.bin", 4096, 1 << 20, 7),
                Entry.directory("", "loose", 0700, 0));
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void roundTripsEveryKindOfEntry(int version) throws IOException {
        List<Entry> entries = everyKind(version);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Totals written;
        try (ManifestWriter w = ManifestCodec.newWriter(out, header(), version)) {
            for (Entry e : entries) {
                w.write(e);
            }
            written = w.finish();
        }

        TestManifests.Read back = read(out.toByteArray());

        assertThat(back.version()).isEqualTo(version);
        assertThat(back.header()).isEqualTo(header());
        assertThat(back.entries()).containsExactlyElementsOf(entries);
        Totals expected = Totals.ZERO;
        for (Entry e : entries) {
            expected = expected.plus(e);
        }
        assertThat(back.totals()).isEqualTo(expected).isEqualTo(written);
        assertThat(expected.files()).isEqualTo(6);
        assertThat(expected.directories()).isEqualTo(4);
        assertThat(expected.symlinks()).isEqualTo(2);
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void roundTripsHeaderVariants(int version) throws IOException {
        List<ManifestHeader> headers = List.of(
                TestManifests.emptyHeader(),
                new ManifestHeader(TestManifests.ID, "nächtlich ✓ 😀", Instant.parse("1969-12-31T23:59:59.999999999Z"),
                        "1.2.3", "h", null, List.of(new Node("a.b_c-9", "")), Map.of("", "", "k", "v\nw")),
                new ManifestHeader(TestManifests.ID, "x", Instant.EPOCH, "", "", TestManifests.PARENT,
                        List.of(new Node("9", "s9"), new Node("1", "s1"), new Node("5", "s5")), Map.of()));
        for (ManifestHeader h : headers) {
            TestManifests.Read back = read(write(version, h, List.of()));
            assertThat(back.header()).isEqualTo(h);
            assertThat(back.header().nodes()).containsExactlyElementsOf(h.nodes());
        }
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void roundTripsAnEmptyManifest(int version) throws IOException {
        byte[] bytes = write(version, TestManifests.emptyHeader(), List.of());

        try (ManifestReader r = ManifestCodec.newReader(new ByteArrayInputStream(bytes))) {
            assertThat(r.header()).isEqualTo(TestManifests.emptyHeader());
            assertThatThrownBy(r::totals).isInstanceOf(IllegalStateException.class);
            assertThat(r.next()).isNull();
            assertThat(r.next()).isNull();
            assertThat(r.totals()).isEqualTo(Totals.ZERO);
        }
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void roundTripsUnicodePaths(int version) throws IOException {
        List<Entry> entries = new ArrayList<>();
        for (String p : List.of("données/été.sst", "文件/数据库/表.ldb", "emoji/😀/🚀.bin", "e\u0301/combining",
                "back\\slash", "new\nline", "sp ace/ tab\t", "ünï/ünï/ünïcode", "ünï/ü", "a")) {
            entries.add(Entry.directory("1", p, 0755, 1));
        }
        assertThat(read(write(version, header(), entries)).entries()).containsExactlyElementsOf(entries);
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void roundTripsEntriesInAnyOrder(int version) throws IOException {
        List<Entry> entries = new ArrayList<>(everyKind(version));
        for (int i = 0; i < 200; i++) {
            entries.add(file(i % 2 == 0 ? "1" : "2", "d" + (i % 7) + "/f" + i, i, 16, 100 + i));
        }
        Collections.shuffle(entries, new Random(7));
        assertThat(read(write(version, header(), entries)).entries()).containsExactlyElementsOf(entries);
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void roundTripsALargeFileWithManyChunks(int version) throws IOException {
        int chunks = 250_000;
        Entry big = file("1", "db/huge.sst", (long) chunks * (4 << 20) - 17, 4 << 20, 42);
        assertThat(big.chunks()).hasSize(chunks);

        byte[] bytes = write(version, header(), List.of(big, file("1", "db/small", 3, 1, 43)));
        TestManifests.Read back = read(bytes);

        assertThat(back.entries()).containsExactly(big, file("1", "db/small", 3, 1, 43));
        assertThat(back.totals().chunkRefs()).isEqualTo(chunks + 3);
        assertThat(back.totals().bytes()).isEqualTo(big.size() + 3);
        assertThat((double) bytes.length / chunks).as("bytes per chunk reference").isLessThan(40);
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void everyTruncationIsRejected(int version) throws IOException {
        byte[] bytes = write(version, header(), everyKind(version));
        for (int len = 0; len < bytes.length; len++) {
            byte[] cut = Arrays.copyOf(bytes, len);
            assertThatThrownBy(() -> read(cut))
                    .as("manifest cut to %d of %d bytes", len, bytes.length)
                    .isInstanceOf(ManifestFormatException.class)
                    .hasMessageStartingWith("Cannot read manifest: ");
        }
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void everySingleByteFlipIsRejected(int version) throws IOException {
        byte[] bytes = write(version, header(), everyKind(version));
        SplittableRandom random = new SplittableRandom(version);
        int magicLength = 8;
        for (int pos = 0; pos < bytes.length; pos++) {
            for (int flip : new int[] {0x01, 0x80, 0xFF, 1 + random.nextInt(255)}) {
                byte[] garbled = bytes.clone();
                garbled[pos] ^= (byte) flip;
                var thrown = assertThatThrownBy(() -> read(garbled))
                        .as("byte %d of %d xor 0x%02x", pos, bytes.length, flip)
                        .isInstanceOf(ManifestFormatException.class)
                        .hasMessageStartingWith("Cannot read manifest: ");
                if (pos < magicLength) {
                    thrown.hasMessageContaining("not an s3backup manifest");
                }
            }
        }
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void trailingBytesAreRejected(int version) throws IOException {
        byte[] bytes = write(version, header(), everyKind(version));
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
        assertThatThrownBy(() -> read(longer)).isInstanceOf(ManifestFormatException.class)
                .hasMessageContaining("after the end");
        byte[] doubled = Arrays.copyOf(bytes, bytes.length * 2);
        System.arraycopy(bytes, 0, doubled, bytes.length, bytes.length);
        assertThatThrownBy(() -> read(doubled)).isInstanceOf(ManifestFormatException.class);
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void aWriterClosedWithoutFinishLeavesAnUnreadableManifest(int version) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ManifestWriter w = ManifestCodec.newWriter(out, header(), version)) {
            for (Entry e : everyKind(version)) {
                w.write(e);
            }
        }
        assertThatThrownBy(() -> read(out.toByteArray())).isInstanceOf(ManifestFormatException.class);
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void writerRefusesUnsafePaths(int version) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ManifestWriter w = ManifestCodec.newWriter(out, header(), version)) {
            for (String bad : List.of("", "/etc/passwd", "../x", "a/../../x", "..", ".", "./a", "a/.", "a//b", "a/",
                    "a\0b", "bad\uD800surrogate", "x".repeat(ManifestPaths.MAX_PATH_BYTES + 1))) {
                assertThatThrownBy(() -> w.write(Entry.directory("1", bad, 0755, 0)))
                        .as("path %s", bad.length() > 40 ? "x * " + bad.length() : bad)
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageStartingWith("Cannot use path");
            }
            // A refused entry leaves the writer usable: nothing of it was written.
            w.write(Entry.directory("1", "..a/b..", 0755, 0));
            w.finish();
        }
        assertThat(read(out.toByteArray()).entries()).containsExactly(Entry.directory("1", "..a/b..", 0755, 0));
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void writerRefusesEntriesItCouldNotRoundTrip(int version) throws IOException {
        try (ManifestWriter w = ManifestCodec.newWriter(new ByteArrayOutputStream(), header(), version)) {
            assertThatThrownBy(() -> w.write(Entry.directory("3", "a", 0755, 0)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("node '3'");
            assertThatThrownBy(() -> w.write(new Entry("1", "a", EntryType.DIRECTORY, 0755, 0, 1, null, List.of(), null, -1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only a file");
            assertThatThrownBy(() -> w.write(new Entry("1", "a", EntryType.SYMLINK, 0777, 0, 0, sha(1), List.of(), "t", -1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only a file");
            assertThatThrownBy(() -> w.write(new Entry("1", "a", EntryType.FILE, 0644, 0, 0, sha(1), List.of(), "t", -1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only a symlink");
            assertThatThrownBy(() -> w.write(Entry.symlink("1", "a", 0, "")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
            assertThatThrownBy(() -> w.write(Entry.symlink("1", "a", 0, "x\0y")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
            assertThatThrownBy(() -> w.write(Entry.symlink("1", "a", 0, "\uDC00")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Unicode");
            w.finish();
            assertThatThrownBy(() -> w.write(Entry.directory("1", "a", 0755, 0))).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(w::finish).isInstanceOf(IllegalStateException.class);
        }
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void writerRefusesHeadersItCouldNotRoundTrip(int version) {
        ManifestHeader h = header();
        List<ManifestHeader> bad = List.of(
                new ManifestHeader("b1", h.name(), h.created(), h.toolVersion(), h.host(), null, h.nodes(), h.properties()),
                new ManifestHeader(h.id(), h.name(), h.created(), h.toolVersion(), h.host(), "../x", h.nodes(), h.properties()),
                new ManifestHeader(h.id(), "\uD800", h.created(), h.toolVersion(), h.host(), null, h.nodes(), h.properties()),
                new ManifestHeader(h.id(), h.name(), h.created(), h.toolVersion(), h.host(), null,
                        List.of(new Node("1", "a"), new Node("1", "b")), h.properties()),
                new ManifestHeader(h.id(), h.name(), h.created(), h.toolVersion(), h.host(), null, h.nodes(),
                        Map.of("k", "v".repeat(ManifestFormat.MAX_PROPERTY_VALUE_BYTES + 1))));
        for (ManifestHeader b : bad) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertThatThrownBy(() -> ManifestCodec.newWriter(out, b, version))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("Cannot write manifest");
            assertThat(out.size()).as("bytes written for a refused header").isZero();
        }
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void aFailingStreamIsAnIoErrorNotAFormatError(int version) throws IOException {
        byte[] bytes = write(version, header(), everyKind(version));
        for (int failAt : new int[] {3, 20, bytes.length - 40, bytes.length - 1}) {
            InputStream failing = new FilterInputStream(new ByteArrayInputStream(bytes)) {
                private int offset;

                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (offset >= failAt) {
                        throw new IOException("connection reset");
                    }
                    int n = super.read(b, off, Math.min(len, failAt - offset));
                    offset += Math.max(n, 0);
                    return n;
                }
            };
            assertThatThrownBy(() -> read(failing))
                    .as("failing at byte %d", failAt)
                    .isInstanceOfAny(IOException.class, UncheckedIOException.class)
                    .satisfies(t -> assertThat(t instanceof UncheckedIOException ? t.getCause() : t)
                            .hasMessage("connection reset"));
        }
    }
}
