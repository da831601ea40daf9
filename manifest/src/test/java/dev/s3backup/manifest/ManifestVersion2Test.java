package dev.s3backup.manifest;

import static dev.s3backup.manifest.TestManifests.file;
import static dev.s3backup.manifest.TestManifests.header;
import static dev.s3backup.manifest.TestManifests.read;
import static dev.s3backup.manifest.TestManifests.sha;
import static dev.s3backup.manifest.TestManifests.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.DeflaterOutputStream;
import org.junit.jupiter.api.Test;

/** What version 2 changes (a multi-chunk file's identity is derived from its chunks) and what it keeps. */
class ManifestVersion2Test {
    private static final int CHUNK = 4 << 20;

    @Test
    void aMultiChunkFileStoresNoWholeFileHashInVersion2() throws IOException {
        Entry big = file("1", "db/000012.sst", 3L * CHUNK + 5, CHUNK, 1);
        byte[] identity = big.sha256().bytes();

        byte[] v1 = ManifestFuzzTest.inflateBody(write(1, header(), List.of(big)));
        byte[] v2 = ManifestFuzzTest.inflateBody(write(2, header(), List.of(big)));

        assertThat(indexOf(v1, identity)).as("v1 stores the file's hash").isPositive();
        assertThat(indexOf(v2, identity)).as("v2 stores no file hash").isEqualTo(-1);
        assertThat(v1.length - v2.length).isEqualTo(Sha256.BYTES);
        for (ChunkRef c : big.chunks()) {
            assertThat(indexOf(v2, c.hash().bytes())).as("chunk addresses are stored").isPositive();
        }
        assertThat(read(write(2, header(), List.of(big))).entries()).containsExactly(big);
    }

    @Test
    void theDerivedIdentityIsTheDocumentedDigest() throws Exception {
        List<ChunkRef> chunks = List.of(new ChunkRef(sha(1), CHUNK), new ChunkRef(sha(2), 17));
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update("s3backup-file-v2".getBytes(StandardCharsets.US_ASCII));
        for (ChunkRef c : chunks) {
            md.update(ByteBuffer.allocate(8).putLong(c.length()).array());
            md.update(c.hash().bytes());
        }
        assertThat(Entry.derivedIdentity(chunks)).isEqualTo(Sha256.of(md.digest()));
        assertThat(Entry.derivedIdentity(List.of()))
                .isEqualTo(Sha256.digest("s3backup-file-v2".getBytes(StandardCharsets.US_ASCII), 0, 16));
    }

    @Test
    void theDerivedIdentityChangesWithAnyChunkAddressLengthOrOrder() throws IOException {
        // 2,500 chunks: more than one buffer of the derivation, so its seams are covered too.
        Entry big = file("1", "big", 2_500L * 64 - 3, 64, 9);
        Sha256 identity = read(write(2, header(), List.of(big))).entries().get(0).sha256();
        assertThat(identity).isEqualTo(Entry.derivedIdentity(big.chunks()));
        List<ChunkRef> chunks = big.chunks();
        for (int i : new int[] {0, 1, 1023, 1024, 1025, chunks.size() - 1}) {
            List<ChunkRef> otherAddress = new ArrayList<>(chunks);
            otherAddress.set(i, new ChunkRef(sha(-1 - i), chunks.get(i).length()));
            assertThat(Entry.derivedIdentity(otherAddress)).as("address of chunk %d", i).isNotEqualTo(identity);

            List<ChunkRef> otherLength = new ArrayList<>(chunks);
            otherLength.set(i, new ChunkRef(chunks.get(i).hash(), chunks.get(i).length() + 1));
            assertThat(Entry.derivedIdentity(otherLength)).as("length of chunk %d", i).isNotEqualTo(identity);
        }
        List<ChunkRef> swapped = new ArrayList<>(chunks);
        swapped.set(0, chunks.get(1));
        swapped.set(1, chunks.get(0));
        assertThat(Entry.derivedIdentity(swapped)).isNotEqualTo(identity);
        assertThat(Entry.derivedIdentity(chunks.subList(0, chunks.size() - 1))).isNotEqualTo(identity);
    }

    @Test
    void version2RefusesAHashItCannotStore() throws IOException {
        Entry odd = Entry.file("1", "odd", 0644, 0, 10, sha(4), List.of(new ChunkRef(sha(5), 4), new ChunkRef(sha(6), 6)));
        try (ManifestWriter w = ManifestCodec.newWriter(new ByteArrayOutputStream(), header(), 2)) {
            assertThatThrownBy(() -> w.write(odd)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("Cannot write entry 'odd': its hash is not the identity derived from its chunks, "
                            + "and manifest version 2 stores no other");
            Entry empty = Entry.file("1", "empty", 0644, 0, 0, Sha256.digest(new byte[0], 0, 0), List.of());
            assertThatThrownBy(() -> w.write(empty)).isInstanceOf(IllegalArgumentException.class);
            w.finish();
        }
        // Version 1 keeps any whole-file hash.
        assertThat(read(write(1, header(), List.of(odd))).entries()).containsExactly(odd);
    }

    @Test
    void oneChunkAndPackedFilesKeepTheirHashInBothVersions() throws IOException {
        Entry one = file("1", "small", 100, CHUNK, 3);
        Entry packed = Entry.packed("1", "tiny", 0644, 7, 10, sha(8), new ChunkRef(sha(9), 100), 20);
        for (int version : new int[] {1, 2}) {
            List<Entry> back = read(write(version, header(), List.of(one, packed))).entries();
            assertThat(back).containsExactly(one, packed);
            assertThat(back.get(0).identityDerived()).isFalse();
            assertThat(back.get(1).identityDerived()).isFalse();
        }
    }

    @Test
    void theVersionIsWhatTheCallerAsksFor() throws IOException {
        assertThat(read(write(2, header(), List.of())).version()).isEqualTo(2);
        assertThat(read(write(1, header(), List.of())).version()).isEqualTo(1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ManifestWriter w = ManifestCodec.newWriter(out, header())) {
            w.finish();
        }
        assertThat(read(out.toByteArray()).version()).as("the old signature writes what every s3backup reads").isEqualTo(1);
        assertThatThrownBy(() -> ManifestCodec.newWriter(new ByteArrayOutputStream(), header(), 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown format version 3");
    }

    /** The example of docs/FORMAT.md, byte for byte: version 1 is read, and written, as it always was. */
    @Test
    void theDocumentedVersion1ExampleStillReadsAndIsStillWritten() throws IOException {
        HexFormat hex = HexFormat.of();
        String id = "20261125T081309.123Z-1f2e3d4c";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(hex.parseHex("1D"));
        body.writeBytes(id.getBytes(StandardCharsets.US_ASCII));
        body.writeBytes(hex.parseHex("00" + "0000" + "0000" + "00" + "010131" + "00" + "00"
                + "030100026462ED0300" + "000001000000"));
        ByteArrayOutputStream stored = new ByteArrayOutputStream();
        stored.writeBytes(hex.parseHex("5333424B4D414E0A01"));
        try (DeflaterOutputStream d = new DeflaterOutputStream(stored)) {
            d.write(body.toByteArray());
        }
        stored.writeBytes(Sha256.digest(stored.toByteArray(), 0, stored.size()).bytes());

        TestManifests.Read r = read(stored.toByteArray());

        ManifestHeader expected = new ManifestHeader(id, "", Instant.EPOCH, "", "", null, List.of(new Node("1", "")), Map.of());
        assertThat(r.version()).isEqualTo(1);
        assertThat(r.header()).isEqualTo(expected);
        assertThat(r.entries()).containsExactly(Entry.directory("1", "db", 0755, 0));
        assertThat(r.totals()).isEqualTo(new Totals(0, 1, 0, 0, 0));
        assertThat(ManifestFuzzTest.inflateBody(write(1, expected, r.entries()))).isEqualTo(body.toByteArray());
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
