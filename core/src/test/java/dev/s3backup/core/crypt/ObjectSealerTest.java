package dev.s3backup.core.crypt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import dev.s3backup.core.BackupException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ObjectSealerTest {

    private static final int SEG = ObjectKey.SEGMENT;
    private static final int SEALED_SEG = ObjectKey.SEALED_SEGMENT;
    private static final int HEADER = Envelope.PLAIN_HEADER_LENGTH + Envelope.SALT_LENGTH;
    private static final String ID = "chunks/ab/abcdef";
    private static final int FLAGS_AT = Envelope.MAGIC.length + 1;

    private final RepositoryKeys keys = RepositoryKeys.generate();

    static Stream<Arguments> sizesAndSealers() {
        List<Arguments> cases = new ArrayList<>();
        for (int size : new int[] {0, 1, SEG - 1, SEG, SEG + 1, 8 << 20}) {
            for (String sealer : new String[] {"encrypted-off", "encrypted-auto", "encrypted-max", "plain-auto",
                    "plain-off"}) {
                for (boolean text : new boolean[] {true, false}) {
                    cases.add(Arguments.of(size, sealer, text));
                }
            }
        }
        return cases.stream();
    }

    private ObjectSealer sealer(String name) {
        Compression c = Compression.parse(name.substring(name.indexOf('-') + 1));
        return name.startsWith("encrypted") ? keys.sealer(c) : ObjectSealer.compressingOnly(c);
    }

    @ParameterizedTest(name = "{0} bytes, {1}, text={2}")
    @MethodSource("sizesAndSealers")
    void sealedDataOpensToTheSameBytes(int size, String sealerName, boolean text) throws IOException {
        ObjectSealer sealer = sealer(sealerName);
        byte[] data = text ? text(size) : random(size, size);
        byte[] sealed = sealer.seal(ID, data, 0, data.length, true);

        assertThat(open(sealer, ID, sealed)).isEqualTo(data);
        assertThat(sealed[FLAGS_AT] & Envelope.ENCRYPTED).isEqualTo(sealer.encrypts() ? 1 : 0);
        if (sealer.encrypts() && (sealed[FLAGS_AT] & Envelope.ZSTD) == 0) {
            assertThat(sealed).hasSize(HEADER + (int) ObjectKey.sealedLength(size));
        }
    }

    @Test
    void anOffsetRangeIsSealedAlone() throws IOException {
        byte[] data = text(3 * SEG);
        ObjectSealer sealer = keys.sealer(Compression.AUTO);
        byte[] sealed = sealer.seal(ID, data, 1000, SEG + 7, true);
        assertThat(open(sealer, ID, sealed)).isEqualTo(Arrays.copyOfRange(data, 1000, 1000 + SEG + 7));
    }

    @Test
    void compressibleChunksShrinkAndRandomOnesAreStoredAsTheyAre() throws IOException {
        ObjectSealer sealer = keys.sealer(Compression.AUTO);
        byte[] text = text(8 << 20);
        byte[] sealedText = sealer.seal(ID, text, 0, text.length, true);
        assertThat(sealedText[FLAGS_AT] & Envelope.ZSTD).isEqualTo(Envelope.ZSTD);
        assertThat(sealedText.length).isLessThan(text.length / 2);

        byte[] noise = random(8 << 20, 7);
        byte[] sealedNoise = sealer.seal(ID, noise, 0, noise.length, true);
        assertThat(sealedNoise[FLAGS_AT] & Envelope.ZSTD).isZero();
        assertThat(open(sealer, ID, sealedNoise)).isEqualTo(noise);

        // compress=false (manifests) and OFF never compress.
        assertThat(sealer.seal(ID, text, 0, text.length, false)[FLAGS_AT] & Envelope.ZSTD).isZero();
        byte[] off = keys.sealer(Compression.OFF).seal(ID, text, 0, text.length, true);
        assertThat(off[FLAGS_AT] & Envelope.ZSTD).isZero();
    }

    @Test
    void aChunkWhoseSampleDoesNotShrinkIsNotCompressedEvenIfItsRestWould() {
        byte[] data = new byte[2 * SEG];
        System.arraycopy(random(ZstdCodec.SAMPLE, 3), 0, data, 0, ZstdCodec.SAMPLE);
        byte[] sealed = ObjectSealer.compressingOnly(Compression.MAX).seal(ID, data, 0, data.length, true);
        assertThat(sealed[FLAGS_AT] & Envelope.ZSTD).isZero();
    }

    @Test
    void twoSealsOfTheSameDataDiffer() {
        byte[] data = text(1000);
        ObjectSealer sealer = keys.sealer(Compression.OFF);
        byte[] a = sealer.seal(ID, data, 0, data.length, true);
        byte[] b = sealer.seal(ID, data, 0, data.length, true);
        assertThat(a).isNotEqualTo(b);
        assertThat(Arrays.copyOfRange(a, HEADER, a.length)).isNotEqualTo(Arrays.copyOfRange(b, HEADER, b.length));
    }

    @Test
    void theStoredBytesHoldNoPlaintext() {
        byte[] data = "the quick brown fox jumps over the lazy dog. ".repeat(100).getBytes(StandardCharsets.US_ASCII);
        byte[] sealed = keys.sealer(Compression.OFF).seal(ID, data, 0, data.length, true);
        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("quick brown");
    }

    /** Three segments, the last one short: 2 * 64 KiB + 100 bytes. */
    private byte[] threeSegments() {
        return random(2 * SEG + 100, 11);
    }

    @Test
    void aFlippedBitFailsAndNothingOfItsSegmentIsReturned() {
        ObjectSealer sealer = keys.sealer(Compression.OFF);
        byte[] data = threeSegments();
        byte[] sealed = sealer.seal(ID, data, 0, data.length, false);
        List<Integer> positions = new ArrayList<>();
        for (int i = 0; i < HEADER; i++) {
            positions.add(i);
        }
        for (int s = 0; s < 3; s++) {
            int start = HEADER + s * SEALED_SEG;
            int end = Math.min(sealed.length, start + SEALED_SEG);
            positions.addAll(List.of(start, start + 1, (start + end) / 2));
            for (int t = end - ObjectKey.TAG; t < end; t++) {
                positions.add(t);
            }
        }
        Random random = new Random(5);
        for (int i = 0; i < 64; i++) {
            positions.add(random.nextInt(sealed.length));
        }
        for (int position : positions) {
            byte[] damaged = sealed.clone();
            damaged[position] ^= (byte) (1 << random.nextInt(8));
            long firstBadSegment = position < HEADER ? 0 : (position - HEADER) / SEALED_SEG;
            assertFailsAfterAtMost(sealer, ID, damaged, data, firstBadSegment * SEG);
        }
    }

    @Test
    void everySingleBitFlipOfASmallObjectFails() {
        ObjectSealer sealer = keys.sealer(Compression.AUTO);
        byte[] data = text(100);
        byte[] sealed = sealer.seal(ID, data, 0, data.length, true);
        for (int i = 0; i < sealed.length * 8; i++) {
            byte[] damaged = sealed.clone();
            damaged[i / 8] ^= (byte) (1 << (i % 8));
            assertFailsAfterAtMost(sealer, ID, damaged, data, 0);
        }
    }

    @Test
    void aTruncationAtEverySegmentBoundaryOrInsideOneFails() {
        ObjectSealer sealer = keys.sealer(Compression.OFF);
        for (byte[] data : List.of(threeSegments(), random(3 * SEG, 12))) {
            byte[] sealed = sealer.seal(ID, data, 0, data.length, false);
            List<Integer> cuts = new ArrayList<>(List.of(0, 1, Envelope.PLAIN_HEADER_LENGTH, HEADER - 1));
            for (int end = HEADER; end < sealed.length; end += SEALED_SEG) {
                cuts.addAll(List.of(end, end + 1, end + ObjectKey.TAG - 1, end + SEG / 2,
                        Math.min(end + SEALED_SEG - 1, sealed.length - 1)));
            }
            for (int cut : cuts) {
                long whole = cut <= HEADER ? 0 : (cut - HEADER) / SEALED_SEG;
                assertFailsAfterAtMost(sealer, ID, Arrays.copyOf(sealed, cut), data, whole * SEG);
            }
        }
    }

    @Test
    void anExtraByteFails() {
        ObjectSealer sealer = keys.sealer(Compression.OFF);
        for (byte[] data : List.of(new byte[0], threeSegments(), random(2 * SEG, 13))) {
            byte[] sealed = sealer.seal(ID, data, 0, data.length, false);
            for (byte extra : new byte[] {0, 1}) {
                byte[] longer = Arrays.copyOf(sealed, sealed.length + 1);
                longer[sealed.length] = extra;
                long segments = ObjectKey.segments(data.length);
                assertFailsAfterAtMost(sealer, ID, longer, data, (segments - 1) * SEG);
            }
        }
    }

    @Test
    void aDroppedReorderedOrDuplicatedSegmentFails() {
        ObjectSealer sealer = keys.sealer(Compression.OFF);
        byte[] data = threeSegments();
        byte[] sealed = sealer.seal(ID, data, 0, data.length, false);
        byte[] header = Arrays.copyOf(sealed, HEADER);
        byte[][] s = new byte[3][];
        for (int i = 0; i < 3; i++) {
            s[i] = Arrays.copyOfRange(sealed, HEADER + i * SEALED_SEG, Math.min(sealed.length, HEADER + (i + 1) * SEALED_SEG));
        }
        assertFailsAfterAtMost(sealer, ID, concat(header, s[0], s[2]), data, SEG); // dropped
        assertFailsAfterAtMost(sealer, ID, concat(header, s[1], s[2]), data, 0); // dropped first
        assertFailsAfterAtMost(sealer, ID, concat(header, s[0], s[1]), data, SEG); // dropped last
        assertFailsAfterAtMost(sealer, ID, concat(header, s[1], s[0], s[2]), data, 0); // reordered
        assertFailsAfterAtMost(sealer, ID, concat(header, s[0], s[0], s[1], s[2]), data, SEG); // duplicated
        assertFailsAfterAtMost(sealer, ID, concat(header, s[0], s[1], s[2], s[2]), data, 2L * SEG);
        // The original still opens: the cases above failed for what was done to it.
        assertThat(openQuietly(sealer, ID, concat(header, s[0], s[1], s[2]))).isEqualTo(data);
    }

    @Test
    void aBodyMovedToAnotherIdentityOrSealedUnderAnotherKeyFails() {
        byte[] data = threeSegments();
        ObjectSealer sealer = keys.sealer(Compression.AUTO);
        byte[] sealed = sealer.seal(ID, data, 0, data.length, true);
        assertFailsAfterAtMost(sealer, "chunks/ab/abcdee", sealed, data, 0);
        assertFailsAfterAtMost(RepositoryKeys.generate().sealer(Compression.AUTO), ID, sealed, data, 0);
        // The same master key is the same key.
        assertThat(openQuietly(RepositoryKeys.fromMaster(keys.master()).sealer(Compression.OFF), ID, sealed))
                .isEqualTo(data);
    }

    @Test
    void aHeaderSwappedForAnotherObjectsFails() {
        ObjectSealer sealer = keys.sealer(Compression.OFF);
        byte[] data = threeSegments();
        byte[] a = sealer.seal(ID, data, 0, data.length, false);
        byte[] b = sealer.seal(ID, data, 0, data.length, false);
        System.arraycopy(b, 0, a, 0, HEADER);
        assertFailsAfterAtMost(sealer, ID, a, data, 0);
    }

    @Test
    void anEncryptingSealerRefusesAPlainEnvelopeAndAPlainOneAnEncryptedEnvelope() {
        byte[] data = text(100);
        byte[] plain = ObjectSealer.compressingOnly(Compression.OFF).seal(ID, data, 0, data.length, true);
        assertFailsAfterAtMost(keys.sealer(Compression.OFF), ID, plain, data, 0);

        byte[] encrypted = keys.sealer(Compression.OFF).seal(ID, data, 0, data.length, true);
        assertThatThrownBy(() -> open(ObjectSealer.compressingOnly(Compression.AUTO), ID, encrypted))
                .isInstanceOfSatisfying(BackupException.class, e -> assertThat(e.reason())
                        .isEqualTo(BackupException.Reason.INTEGRITY))
                .hasMessage("Cannot read " + ID + ": it is encrypted, and this repository is not");
        assertThatThrownBy(() -> open(ObjectSealer.compressingOnly(Compression.AUTO), ID, data))
                .isInstanceOf(BackupException.class)
                .hasMessage("Cannot read " + ID + ": it is not a sealed object (its header is damaged)");
    }

    @Test
    void anUnknownEnvelopeVersionIsDamage() {
        byte[] sealed = keys.sealer(Compression.OFF).seal(ID, text(10), 0, 10, true);
        sealed[Envelope.MAGIC.length] = 2;
        assertFailsAfterAtMost(keys.sealer(Compression.OFF), ID, sealed, text(10), 0);
        byte[] plain = ObjectSealer.compressingOnly(Compression.OFF).seal(ID, text(10), 0, 10, true);
        plain[Envelope.MAGIC.length] = 2;
        assertThatThrownBy(() -> open(ObjectSealer.compressingOnly(Compression.OFF), ID, plain))
                .isInstanceOf(BackupException.class)
                .hasMessage("Cannot read " + ID + ": it is not a sealed object (its header is damaged)");
    }

    @Test
    void closeChecksWhatWasNotRead() throws IOException {
        ObjectSealer sealer = keys.sealer(Compression.OFF);
        byte[] data = threeSegments();
        byte[] sealed = sealer.seal(ID, data, 0, data.length, false);
        sealed[sealed.length - 1] ^= 1;
        InputStream in = sealer.open(ID, new ByteArrayInputStream(sealed));
        assertThat(in.readNBytes(SEG)).isEqualTo(Arrays.copyOf(data, SEG));
        assertThatThrownBy(in::close).isInstanceOfSatisfying(BackupException.class,
                e -> assertThat(e.reason()).isEqualTo(BackupException.Reason.INTEGRITY));

        // A stream closed unread is not read at all (an aborted restore does not download the rest).
        CountingStream unread = new CountingStream(sealed);
        sealer.open(ID, unread).close();
        assertThat(unread.read).isZero();
        assertThat(unread.closed).isTrue();
    }

    private static final class CountingStream extends ByteArrayInputStream {
        int read;
        boolean closed;

        CountingStream(byte[] bytes) {
            super(bytes);
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) {
            int n = super.read(b, off, len);
            read += Math.max(0, n);
            return n;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Test
    void aZstdBombIsRefusedEncryptedOrNot() throws IOException {
        ByteArrayOutputStream bomb = new ByteArrayOutputStream();
        try (ZstdOutputStreamNoFinalizer z = new ZstdOutputStreamNoFinalizer(bomb, 19)) {
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 65; i++) {
                z.write(zeros);
            }
            z.write(0);
        }
        byte[] frame = bomb.toByteArray();
        assertThat(frame.length).isLessThan(1 << 20);
        for (ObjectSealer sealer : List.of(keys.sealer(Compression.AUTO), ObjectSealer.compressingOnly(Compression.AUTO))) {
            byte[] sealed = sealer.sealBody(ID, frame, 0, frame.length, true);
            assertThatThrownBy(() -> open(sealer, ID, sealed))
                    .isInstanceOfSatisfying(BackupException.class, e -> assertThat(e.reason())
                            .isEqualTo(BackupException.Reason.INTEGRITY))
                    .hasMessage("Cannot read " + ID + ": it inflates beyond the 64 MiB a chunk may have");
        }
    }

    @Test
    void aDamagedCompressedBodyIsAnIntegrityFailure() {
        ObjectSealer sealer = ObjectSealer.compressingOnly(Compression.AUTO);
        byte[] data = text(SEG * 3);
        byte[] sealed = sealer.seal(ID, data, 0, data.length, true);
        assertThat(sealed[FLAGS_AT] & Envelope.ZSTD).isEqualTo(Envelope.ZSTD);
        byte[] cut = Arrays.copyOf(sealed, sealed.length - 5);
        assertThatThrownBy(() -> open(sealer, ID, cut))
                .isInstanceOfSatisfying(BackupException.class, e -> assertThat(e.reason())
                        .isEqualTo(BackupException.Reason.INTEGRITY))
                .hasMessageStartingWith("Cannot read " + ID + ": its compressed body is damaged");
    }

    @Test
    void sealFileWritesWhatOpenReads(@TempDir Path dir) throws IOException {
        for (ObjectSealer sealer : List.of(keys.sealer(Compression.AUTO), ObjectSealer.compressingOnly(Compression.OFF))) {
            for (int size : new int[] {0, 1, SEG, 3 * SEG, 3 * SEG + 5}) {
                byte[] data = random(size, size + 1);
                Path plain = Files.write(dir.resolve("plain"), data);
                Path sealed = dir.resolve("sealed");
                sealer.sealFile("packs/p1", plain, sealed);
                byte[] stored = Files.readAllBytes(sealed);
                assertThat(open(sealer, "packs/p1", stored)).isEqualTo(data);
                if (sealer.encrypts()) {
                    assertThat(stored).hasSize(HEADER + (int) ObjectKey.sealedLength(size));
                    assertThatThrownBy(() -> open(sealer, "packs/p2", stored)).isInstanceOf(BackupException.class);
                }
            }
        }
    }

    @Test
    void aPendingManifestHasTheIdentityOfTheManifestItBecomes() {
        assertThat(ObjectSealer.identityOf("pending/0123456789abcdef/20261206T051500.000Z-1a2b3c4d"))
                .isEqualTo("manifests/20261206T051500.000Z-1a2b3c4d");
        assertThat(ObjectSealer.identityOf("pending/20261206T051500.000Z-1a2b3c4d"))
                .isEqualTo("manifests/20261206T051500.000Z-1a2b3c4d");
        assertThat(ObjectSealer.identityOf("manifests/x")).isEqualTo("manifests/x");
        assertThat(ObjectSealer.identityOf("chunks/ab/abcd")).isEqualTo("chunks/ab/abcd");
    }

    @Test
    void compressionParsesTheCliWords() {
        assertThat(Compression.parse("auto")).isEqualTo(Compression.AUTO);
        assertThat(Compression.parse("MAX")).isEqualTo(Compression.MAX);
        assertThat(Compression.parse(" off ")).isEqualTo(Compression.OFF);
        assertThatThrownBy(() -> Compression.parse("zstd")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Invalid compression 'zstd': expected auto, off or max");
    }

    /**
     * Reads {@code sealed} through {@code sealer} and expects INTEGRITY with no more than
     * {@code atMost} bytes returned before it, all of them a prefix of {@code data}.
     */
    private static void assertFailsAfterAtMost(ObjectSealer sealer, String identity, byte[] sealed, byte[] data,
                                               long atMost) {
        ByteArrayOutputStream returned = new ByteArrayOutputStream();
        BackupException failure = null;
        InputStream in = sealer.open(identity, new ByteArrayInputStream(sealed));
        try {
            byte[] buffer = new byte[7000];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                returned.write(buffer, 0, n);
            }
            in.close();
        } catch (BackupException e) {
            failure = e;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertThat(failure).as("opening a damaged object fails").isNotNull();
        assertThat(failure.reason()).isEqualTo(BackupException.Reason.INTEGRITY);
        if (sealer.encrypts()) {
            assertThat(failure).hasMessage("Cannot read " + identity + ": it fails authentication (changed, truncated,"
                    + " swapped or sealed under another key)");
        }
        assertThat((long) returned.size()).isLessThanOrEqualTo(atMost);
        assertThat(returned.toByteArray()).isEqualTo(Arrays.copyOf(data, returned.size()));
    }

    private static byte[] open(ObjectSealer sealer, String identity, byte[] sealed) throws IOException {
        try (InputStream in = sealer.open(identity, new ByteArrayInputStream(sealed))) {
            return in.readAllBytes();
        }
    }

    private static byte[] openQuietly(ObjectSealer sealer, String identity, byte[] sealed) {
        try {
            return open(sealer, identity, sealed);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] text(int size) {
        StringBuilder s = new StringBuilder();
        Random random = new Random(size);
        String[] words = {"compaction", "level", "sstable", "manifest", "key", "value", "rocksdb", "flush", "wal", "0",
                "1", "2", "INFO", "WARN", "2026/12/06-05:15:11.123456"};
        while (s.length() < size) {
            s.append(words[random.nextInt(words.length)]).append(random.nextInt(10) == 0 ? '\n' : ' ');
        }
        return Arrays.copyOf(s.toString().getBytes(StandardCharsets.US_ASCII), size);
    }

    static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
