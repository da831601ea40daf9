package dev.s3backup.manifest;

import static dev.s3backup.manifest.TestManifests.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.zip.DeflaterOutputStream;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hand-crafted streams of every version with a valid checksum but hostile or invalid content: the
 * reader must reject each with a clear message, and without allocating by an untrusted size.
 */
class ManifestFormatTest {
    private static final long ALLOCATION_BUDGET = 4L * 1024 * 1024;
    private static final String VERSIONS = "dev.s3backup.manifest.TestManifests#versions";

    /** Builds a body field by field, then wraps it as a stored manifest with a valid checksum. */
    private static final class Body {
        private final int version;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final VarOutput out = new VarOutput(bytes, 16);

        Body(int version) {
            this.version = version;
        }

        Body b(int v) {
            return run(() -> out.writeByte(v));
        }

        Body v(long v) {
            return run(() -> out.writeVarLong(v));
        }

        Body z(long v) {
            return run(() -> out.writeZigZag(v));
        }

        Body raw(byte[] b) {
            return run(() -> out.writeBytes(b));
        }

        Body s(String s) {
            return run(() -> out.writeLengthPrefixed(s.getBytes(StandardCharsets.UTF_8)));
        }

        Body sha(long seed) {
            return raw(TestManifests.sha(seed).bytes());
        }

        /** The whole-file hash of a tag 01 file: stored by version 1 only. */
        Body whole(long seed) {
            return version == ManifestFormat.VERSION_1 ? sha(seed) : this;
        }

        /** A header with nodes "1" and "2" and no properties. */
        Body header() {
            return s(TestManifests.ID).s("").z(1_764_058_389L).v(0).s("t").s("h").b(0)
                    .v(2).s("1").s("").s("2").s("").v(0);
        }

        /** An entry prefix: tag, node, full path (no shared prefix), mode, mtime delta. */
        Body entry(int tag, int node, String path, int mode) {
            return b(tag).v(node).v(0).s(path).v(mode).z(0);
        }

        Body end(long files, long dirs, long links, long bytes, long chunkRefs) {
            return b(ManifestFormat.TAG_END).v(files).v(dirs).v(links).v(bytes).v(chunkRefs);
        }

        byte[] manifest() {
            return run(out::flushBuffer).stored();
        }

        private byte[] stored() {
            try {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                all.write(ManifestCodec.prefix(version));
                try (DeflaterOutputStream d = new DeflaterOutputStream(all)) {
                    d.write(bytes.toByteArray());
                }
                all.write(Sha256.digest(all.toByteArray(), 0, all.size()).bytes());
                return all.toByteArray();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private Body run(IoAction a) {
            try {
                a.run();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private static Body body(int version) {
        return new Body(version);
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertRejected(byte[] manifest) {
        long before = TestManifests.allocatedBytes();
        Throwable thrown = null;
        try {
            read(manifest);
        } catch (Throwable t) {
            thrown = t;
        }
        long allocated = TestManifests.allocatedBytes() - before;
        assertThat(allocated).as("bytes allocated while rejecting").isLessThan(ALLOCATION_BUDGET);
        return assertThat(thrown).isInstanceOf(ManifestFormatException.class).hasMessageStartingWith("Cannot read manifest: ");
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void theCraftingHelperMakesReadableManifests(int version) throws IOException {
        byte[] m = body(version).header()
                .entry(ManifestFormat.TAG_DIRECTORY, 1, "db", 0755)
                .entry(ManifestFormat.TAG_FILE_ONE_CHUNK, 2, "db/x", 0644).v(5).sha(1)
                .end(1, 1, 0, 5, 1).manifest();
        TestManifests.Read r = read(m);
        assertThat(r.entries()).hasSize(2);
        assertThat(r.entries().get(1).node()).isEqualTo("2");
        assertThat(r.totals()).isEqualTo(new Totals(1, 1, 0, 5, 1));
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void hugeStringLengthsFailFast(int version) {
        assertRejected(body(version).v(Integer.MAX_VALUE).manifest()).hasMessageContaining("length of id");
        assertRejected(body(version).v(Long.MAX_VALUE).manifest()).hasMessageContaining("length of id");
        assertRejected(body(version).v(-1L).manifest()).hasMessageContaining("length of id");
        assertRejected(body(version).header().b(ManifestFormat.TAG_DIRECTORY).v(1).v(0).v(1 << 30).manifest())
                .hasMessageContaining("path length");
        assertRejected(body(version).s(TestManifests.ID).s("").z(0).v(0).s("t").s("h").b(0).v(0).v(1).s("k")
                .v(ManifestFormat.MAX_PROPERTY_VALUE_BYTES + 1).manifest()).hasMessageContaining("length of property k");
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void hugeCountsFailFastOrAtTheEndOfTheData(int version) {
        assertRejected(body(version).s(TestManifests.ID).s("").z(0).v(0).s("t").s("h").b(0).v(ManifestFormat.MAX_NODES + 1).manifest())
                .hasMessageContaining("node count");
        // A count that is allowed but false runs into the end of the data, having read incrementally.
        assertRejected(body(version).s(TestManifests.ID).s("").z(0).v(0).s("t").s("h").b(0).v(ManifestFormat.MAX_NODES).manifest())
                .hasMessageContaining("ends before its trailer");
        assertRejected(body(version).s(TestManifests.ID).s("").z(0).v(0).s("t").s("h").b(0).v(0).v(ManifestFormat.MAX_PROPERTIES)
                .manifest()).hasMessageContaining("ends before its trailer");
        assertRejected(body(version).header().entry(ManifestFormat.TAG_FILE, 1, "f", 0644).v(Long.MAX_VALUE).whole(1)
                .v(ManifestFormat.MAX_CHUNKS_PER_FILE).manifest()).hasMessageContaining("ends before its trailer");
        assertRejected(body(version).header().entry(ManifestFormat.TAG_FILE, 1, "f", 0644).v(Long.MAX_VALUE).whole(1)
                .v(ManifestFormat.MAX_CHUNKS_PER_FILE + 1).manifest()).hasMessageContaining("chunk count");
        assertRejected(body(version).header().entry(ManifestFormat.TAG_FILE, 1, "f", 0644).v(10).whole(1).v(11).manifest())
                .hasMessageContaining("chunk count");
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void malformedNumbersAreRejected(int version) {
        assertRejected(body(version).raw(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
                (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0}).manifest())
                .hasMessageContaining("longer than 64 bits");
        assertRejected(body(version).raw(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
                (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 2}).manifest())
                .hasMessageContaining("longer than 64 bits");
    }

    /**
     * The largest header the limits allow, built from data that compresses to almost nothing (a
     * decompression bomb aimed at the header, which is held for the whole read): it reads within
     * this module's 128 MiB test heap.
     */
    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void theLargestHeaderTheLimitsAllowFitsASmallHeap(int version) throws IOException {
        Body b = body(version).s(TestManifests.ID).s("").z(0).v(0).s("t").s("h").b(0).v(ManifestFormat.MAX_NODES);
        long stringBytes = TestManifests.ID.length() + 2;
        for (int i = 0; i < ManifestFormat.MAX_NODES; i++) {
            String token = Integer.toString(i, 36);
            b.s(token).s("");
            stringBytes += token.length();
        }
        String value = "x".repeat(ManifestFormat.MAX_PROPERTY_VALUE_BYTES);
        int properties = (int) ((ManifestFormat.MAX_HEADER_BYTES - stringBytes) / (value.length() + 2));
        b.v(properties);
        for (int i = 0; i < properties; i++) {
            b.s(String.format("p%03d", i)).s(value);
        }
        byte[] m = b.end(0, 0, 0, 0, 0).manifest();
        assertThat(m.length).as("a bomb: the stored manifest is small").isLessThan(1 << 20);

        TestManifests.Read r = read(m);

        assertThat(r.header().nodes()).hasSize(ManifestFormat.MAX_NODES);
        assertThat(r.header().properties()).hasSize(properties);
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void invalidHeadersAreRejected(int version) {
        assertRejected(body(version).s("not-an-id").manifest()).hasMessageContaining("not a valid backup id");
        assertRejected(body(version).s(TestManifests.ID).s("").z(0).v(1_000_000_000).manifest()).hasMessageContaining("nanoseconds");
        assertRejected(body(version).s(TestManifests.ID).s("").z(Long.MAX_VALUE).v(0).manifest()).hasMessageContaining("out of range");
        assertRejected(body(version).s(TestManifests.ID).s("").z(0).v(0).s("t").s("h").b(2).manifest())
                .hasMessageContaining("parent marker");
        assertRejected(body(version).s(TestManifests.ID).s("").z(0).v(0).s("t").s("h").b(1).s("../../x").manifest())
                .hasMessageContaining("parent is not a valid backup id");
        assertRejected(body(version).s(TestManifests.ID).s("").z(0).v(0).s("t").s("h").b(0).v(1).s("a/b").s("").manifest())
                .hasMessageContaining("node token");
        assertRejected(body(version).s(TestManifests.ID).s("").z(0).v(0).s("t").s("h").b(0).v(1).s("..").s("").manifest())
                .hasMessageContaining("node token");
        assertRejected(body(version).s(TestManifests.ID).s("").z(0).v(0).s("t").s("h").b(0).v(2).s("1").s("").s("1").s("")
                .manifest()).hasMessageContaining("listed twice");
        assertRejected(body(version).s(TestManifests.ID).s("").z(0).v(0).s("t").s("h").b(0).v(0).v(2).s("b").s("").s("a").s("")
                .manifest()).hasMessageContaining("ascending");
        assertRejected(body(version).s(TestManifests.ID).s("").z(0).v(0).s("t").s("h").b(0).v(0).v(2).s("a").s("").s("a").s("")
                .manifest()).hasMessageContaining("ascending");
        assertRejected(body(version).s(TestManifests.ID).raw(new byte[] {2, (byte) 0xC3, 0x28}).manifest())
                .hasMessageContaining("name is not valid UTF-8");
    }

    @ParameterizedTest
    @ValueSource(strings = {"../x", "a/../../x", "..", ".", "a/./b", "a//b", "a/", "/abs", "a\0b", ""})
    void unsafePathsAreRejected(String path) {
        TestManifests.versions().forEach(version -> assertRejected(body(version).header().entry(ManifestFormat.TAG_DIRECTORY, 1, path, 0755).end(0, 1, 0, 0, 0).manifest())
                .hasMessageContaining("Cannot use path"));
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void backslashesAreOrdinaryCharacters(int version) throws IOException {
        byte[] m = body(version).header().entry(ManifestFormat.TAG_DIRECTORY, 1, "a\\..\\b", 0755).end(0, 1, 0, 0, 0).manifest();
        assertThat(read(m).entries().get(0).path()).isEqualTo("a\\..\\b");
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void aSharedPrefixCannotReachBeyondThePreviousPath(int version) {
        assertRejected(body(version).header().entry(ManifestFormat.TAG_DIRECTORY, 1, "ab", 0755)
                .b(ManifestFormat.TAG_DIRECTORY).v(1).v(3).s("c").v(0755).z(0).end(0, 2, 0, 0, 0).manifest())
                .hasMessageContaining("shared path prefix");
        // The prefix is shared bytes, so a path can be rebuilt into a forbidden one: still checked.
        assertRejected(body(version).header().entry(ManifestFormat.TAG_DIRECTORY, 1, "..a", 0755)
                .b(ManifestFormat.TAG_DIRECTORY).v(1).v(2).s("/x").v(0755).z(0).end(0, 2, 0, 0, 0).manifest())
                .hasMessageContaining("'..' segment");
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void invalidUtf8InAPathIsRejected(int version) {
        assertRejected(body(version).header().b(ManifestFormat.TAG_DIRECTORY).v(1).v(0).v(2).raw(new byte[] {(byte) 0xED, (byte) 0xA0})
                .v(0755).z(0).end(0, 1, 0, 0, 0).manifest()).hasMessageContaining("path is not valid UTF-8");
        // CESU-8 style encoded surrogate: Java's decoder must refuse it, not map it to U+D800.
        assertRejected(body(version).header().b(ManifestFormat.TAG_DIRECTORY).v(1).v(0).v(3)
                .raw(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80})
                .v(0755).z(0).end(0, 1, 0, 0, 0).manifest()).hasMessageContaining("path is not valid UTF-8");
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void invalidEntryFieldsAreRejected(int version) {
        assertRejected(body(version).header().entry(9, 1, "a", 0755).manifest()).hasMessageContaining("unknown tag 0x9");
        assertRejected(body(version).header().entry(ManifestFormat.TAG_DIRECTORY, 3, "a", 0755).manifest())
                .hasMessageContaining("node index");
        assertRejected(body(version).header().entry(ManifestFormat.TAG_DIRECTORY, 1, "a", 010000).manifest())
                .hasMessageContaining("mode");
        // chunks that add up to less, and to more, than the size
        assertRejected(body(version).header().entry(ManifestFormat.TAG_FILE, 1, "f", 0644).v(10).whole(1).v(2).v(4).sha(2).v(5).sha(3)
                .end(1, 0, 0, 10, 2).manifest()).hasMessageContaining("add up to 9 bytes, not 10");
        assertRejected(body(version).header().entry(ManifestFormat.TAG_FILE, 1, "f", 0644).v(10).whole(1).v(2).v(6).sha(2).v(5).sha(3)
                .end(1, 0, 0, 10, 2).manifest()).hasMessageContaining("more than the size 10");
        assertRejected(body(version).header().entry(ManifestFormat.TAG_FILE, 1, "f", 0644).v(10).whole(1).v(2).v(0).sha(2).v(10).sha(3)
                .end(1, 0, 0, 10, 2).manifest()).hasMessageContaining("chunk length must be > 0");
        assertRejected(body(version).header().entry(ManifestFormat.TAG_FILE, 1, "f", 0644).v((long) Integer.MAX_VALUE + 1).whole(1)
                .v(1).v((long) Integer.MAX_VALUE + 1).manifest()).hasMessageContaining("chunk length");
        assertRejected(body(version).header().entry(ManifestFormat.TAG_FILE_ONE_CHUNK, 1, "f", 0644).v(0).sha(1)
                .end(1, 0, 0, 0, 1).manifest()).hasMessageContaining("chunk length must be > 0");
        assertRejected(body(version).header().entry(ManifestFormat.TAG_FILE_ONE_CHUNK, 1, "f", 0644).v(1L << 31).sha(1)
                .manifest()).hasMessageContaining("size of a one-chunk file");
        assertRejected(body(version).header().entry(ManifestFormat.TAG_SYMLINK, 1, "l", 0777).s("").end(0, 0, 1, 0, 0).manifest())
                .hasMessageContaining("link target is empty");
        assertRejected(body(version).header().entry(ManifestFormat.TAG_SYMLINK, 1, "l", 0777).s("a\0").end(0, 0, 1, 0, 0).manifest())
                .hasMessageContaining("NUL");
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void trailerTotalsMustMatchTheEntries(int version) throws IOException {
        Consumer<long[]> check = t -> assertRejected(body(version).header()
                .entry(ManifestFormat.TAG_DIRECTORY, 1, "d", 0755)
                .entry(ManifestFormat.TAG_FILE_ONE_CHUNK, 1, "d/f", 0644).v(5).sha(1)
                .entry(ManifestFormat.TAG_SYMLINK, 1, "d/l", 0777).s("f")
                .end(t[0], t[1], t[2], t[3], t[4]).manifest()).hasMessageContaining("differ from the entries read");
        check.accept(new long[] {0, 1, 1, 5, 1});
        check.accept(new long[] {1, 0, 1, 5, 1});
        check.accept(new long[] {1, 1, 0, 5, 1});
        check.accept(new long[] {1, 1, 1, 6, 1});
        check.accept(new long[] {1, 1, 1, 5, 2});
        assertThat(read(body(version).header()
                .entry(ManifestFormat.TAG_DIRECTORY, 1, "d", 0755)
                .entry(ManifestFormat.TAG_FILE_ONE_CHUNK, 1, "d/f", 0644).v(5).sha(1)
                .entry(ManifestFormat.TAG_SYMLINK, 1, "d/l", 0777).s("f")
                .end(1, 1, 1, 5, 1).manifest()).totals()).isEqualTo(new Totals(1, 1, 1, 5, 1));
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void dataAfterTheTrailerIsRejected(int version) {
        assertRejected(body(version).header().end(0, 0, 0, 0, 0).b(0).manifest()).hasMessageContaining("after the trailer");
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void aBodyEndingBeforeItsTrailerIsRejected(int version) {
        assertRejected(body(version).header().entry(ManifestFormat.TAG_DIRECTORY, 1, "d", 0755).manifest())
                .hasMessageContaining("ends before its trailer");
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void aBadChecksumIsRejected(int version) {
        byte[] m = body(version).header().end(0, 0, 0, 0, 0).manifest();
        m[m.length - 1] ^= 1;
        assertRejected(m).hasMessageContaining("checksum mismatch");
    }

    @Test
    void unknownVersionsAreRejectedClearly() {
        byte[] v7 = ManifestCodec.prefix(7);
        assertRejected(v7).hasMessage("Cannot read manifest: format version 7 is newer than this s3backup understands (2); "
                + "upgrade s3backup");
        assertRejected(ManifestCodec.prefix(3)).hasMessage("Cannot read manifest: format version 3 is newer than this "
                + "s3backup understands (2); upgrade s3backup");
        byte[] v300 = ManifestCodec.prefix(300);
        assertRejected(v300).hasMessageContaining("format version 300 is newer");
        assertRejected(ManifestCodec.prefix(0)).hasMessageContaining("format version 0 is not valid");
        byte[] garbled = new byte[14];
        System.arraycopy(v7, 0, garbled, 0, 8);
        java.util.Arrays.fill(garbled, 8, 14, (byte) 0xFF);
        assertRejected(garbled).hasMessageContaining("format version field is garbled");
    }

    @Test
    void otherFilesAreNotManifests() {
        assertRejected(new byte[0]).hasMessageContaining("empty");
        assertRejected("S3BK".getBytes(StandardCharsets.US_ASCII)).hasMessageContaining("truncated");
        assertRejected("S3BKMAN\n".getBytes(StandardCharsets.US_ASCII)).hasMessageContaining("truncated");
        assertRejected("{\"id\": \"20261125T081309.123Z-1f2e3d4c\"}".getBytes(StandardCharsets.US_ASCII))
                .hasMessageContaining("not an s3backup manifest");
        assertRejected(new byte[] {0x1F, (byte) 0x8B, 8, 0, 0, 0, 0, 0, 0, 3}).hasMessageContaining("not an s3backup manifest");
    }
}
