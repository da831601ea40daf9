package dev.s3backup.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import dev.s3backup.manifest.testing.Fuzz;
import dev.s3backup.manifest.testing.Fuzz.Tally;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property-based fuzzing of the manifest decoder: whatever the bytes, reading a manifest either
 * returns its entries or throws {@link ManifestFormatException}; never another exception, never a
 * hang, and never an allocation sized by a number it has not checked.
 *
 * <p>Most mutations of a stored manifest only break its SHA-256 trailer, which the reader checks
 * last, after parsing everything before it. The important cases therefore re-compress the mutated
 * body and fix up the trailer, so that the mutation reaches every parsing rule.
 *
 * <p>Plain JUnit tests driven by seeded generators ({@link Fuzz}): the seed is printed, and a
 * failure names the seed and try that replay it. Each property runs 1,000 tries by default
 * (seconds). A long campaign: {@code mvn -B -o verify -pl manifest -am -Dtest=ManifestFuzzTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Ds3backup.fuzz.tries=250000} (four properties, so
 * 1,000,000 tries per format version; see docs/reliability/hostile.md). Every property runs once
 * per manifest version this build reads.
 */
class ManifestFuzzTest {
    /** A reader may hold a 1 MiB property value and its buffers; everything else is per byte read. */
    private static final long FIXED_ALLOCATION_BUDGET = 8L << 20;
    /** Objects built per decompressed byte (strings, entries, chunk lists), with ample headroom. */
    private static final long ALLOCATION_PER_BODY_BYTE = 200;
    private static final long TIMEOUT_SECONDS = 30;
    private static final int TRIES = 1_000;

    private static final ExecutorService DECODER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "manifest-fuzz-decoder");
        t.setDaemon(true);
        return t;
    });

    @AfterAll
    static void stopDecoder() {
        DECODER.shutdownNow();
    }

    // ---- properties ------------------------------------------------------------------------

    private static final String VERSIONS = "dev.s3backup.manifest.TestManifests#versions";

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void randomBytesAreAFormatError(int version, TestInfo test) {
        Fuzz.check(test, TRIES, (random, tally) -> assertCleanlyDecoded(randomInput(random, version), tally));
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void aStoredManifestMutatedAnywhereIsRejected(int version, TestInfo test) {
        Fuzz.check(test, TRIES, (random, tally) -> {
            byte[] manifest = validManifest(random, version);
            byte[] mutated = mutate(manifest, random);
            Outcome outcome = assertCleanlyDecoded(mutated, tally);
            if (!Arrays.equals(mutated, manifest)) {
                // The trailer covers every stored byte: a mutated manifest never reads as valid.
                assertThat(outcome.error).as("a changed manifest must be rejected").isNotNull();
            }
        });
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void aMutatedBodyWithAFixedUpChecksumIsDecodedOrRejectedCleanly(int version, TestInfo test) {
        Fuzz.check(test, TRIES, (random, tally) -> {
            byte[] body = inflateBody(validManifest(random, version));
            assertCleanlyDecoded(restore(mutate(body, random), version), tally);
        });
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void lyingNumbersInEveryFieldAreRejectedCleanly(int version, TestInfo test) {
        Fuzz.check(test, TRIES, (random, tally) -> {
            List<Entry> entries = validEntries(random);
            byte[] body = new LyingBody(random, 0.05, version).emit(entries);
            assertCleanlyDecoded(restore(body, version), tally);
        });
    }

    // ---- what is checked for every input ----------------------------------------------------

    private record Outcome(List<Entry> entries, ManifestFormatException error, long allocated) {
    }

    private static Outcome assertCleanlyDecoded(byte[] input, Tally tally) {
        Future<Outcome> result = DECODER.submit(() -> decode(input));
        Outcome outcome;
        try {
            outcome = result.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            result.cancel(true);
            throw new AssertionError("decoding did not end within " + TIMEOUT_SECONDS + " s: " + describe(input));
        } catch (ExecutionException e) {
            throw new AssertionError("decoding threw " + e.getCause() + ", not a ManifestFormatException: "
                    + describe(input), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        long budget = FIXED_ALLOCATION_BUDGET + ALLOCATION_PER_BODY_BYTE * inflatedLength(input);
        assertThat(outcome.allocated).as("bytes allocated decoding " + describe(input)).isLessThan(budget);
        if (outcome.error != null) {
            assertThat(outcome.error.getMessage()).startsWith("Cannot read manifest: ")
                    .as("a message shows no control character of the input").doesNotContainPattern("\\p{Cntrl}")
                    .hasSizeLessThan(1200);
        }
        // Shown in the report: how deep the inputs got (decoded, or which rule stopped them).
        tally.count("outcome", outcome.error == null ? "decoded" : rule(outcome.error.getMessage()));
        return outcome;
    }

    /** Reads everything; a ManifestFormatException is an outcome, any other throwable escapes. */
    private static Outcome decode(byte[] input) throws IOException {
        long before = TestManifests.allocatedBytes();
        List<Entry> entries = new ArrayList<>();
        ManifestFormatException error = null;
        try (ManifestReader r = ManifestCodec.newReader(new ByteArrayInputStream(input))) {
            for (Entry e = r.next(); e != null; e = r.next()) {
                entries.add(e);
            }
            r.totals();
        } catch (ManifestFormatException e) {
            error = e;
            entries = null;
        }
        return new Outcome(entries, error, TestManifests.allocatedBytes() - before);
    }

    /** The rule a message names, without its numbers and quoted values, to group outcomes. */
    private static String rule(String message) {
        String m = message.substring("Cannot read manifest: ".length())
                .replaceAll("(backup id|must lie within|does not match).*", "$1").replaceAll("'[^']*'", "'…'")
                .replaceAll("chunks of .* add up", "chunks of … add up").replaceAll("totals .*", "totals …")
                .replaceAll("0x[0-9a-f]+", "N").replaceAll("[0-9]+", "N");
        return m.length() > 60 ? m.substring(0, 60) : m;
    }

    private static String describe(byte[] input) {
        String hex = java.util.HexFormat.of().formatHex(input, 0, Math.min(input.length, 512));
        return input.length + " bytes: " + hex + (input.length > 512 ? "..." : "");
    }

    // ---- generators -------------------------------------------------------------------------

    private static final byte[] EDGE_BYTES = {0, 1, -1, 0x7F, (byte) 0x80};

    /**
     * Up to 2 KiB of random bytes as they are, after a valid prefix (so that they reach the
     * decoder of {@code version}), or as a zlib body with a correct checksum.
     */
    private static byte[] randomInput(SplittableRandom random, int version) {
        byte[] bytes = randomBytes(random, 2048);
        return switch (random.nextInt(3)) {
            case 0 -> bytes;
            case 1 -> concat(ManifestCodec.prefix(version), bytes);
            default -> restore(bytes, version);
        };
    }

    /**
     * Random bytes, with the edges taken on purpose: empty, one byte and the full size each 1 in
     * 8, short arrays often, and 1 in 4 arrays made (wholly or in part) of 0x00, 0x01, 0xFF, 0x7F
     * and 0x80.
     */
    static byte[] randomBytes(SplittableRandom random, int maxSize) {
        int size = switch (random.nextInt(8)) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> maxSize;
            case 3, 4 -> 1 + random.nextInt(16);
            default -> random.nextInt(maxSize + 1);
        };
        byte[] b = new byte[size];
        random.nextBytes(b);
        if (random.nextInt(4) == 0) {
            boolean all = random.nextBoolean();
            for (int i = 0; i < size; i++) {
                if (all || random.nextInt(4) == 0) {
                    b[i] = EDGE_BYTES[random.nextInt(EDGE_BYTES.length)];
                }
            }
        }
        return b;
    }

    private static byte[] validManifest(SplittableRandom random, int version) throws IOException {
        List<Entry> entries = validEntries(random);
        return TestManifests.write(version, header(entries), entries);
    }

    private static final List<String> NODES = List.of("1", "2", "node-3");

    private static ManifestHeader header(List<Entry> entries) {
        return new ManifestHeader(TestManifests.ID, "fuzz", TestManifests.CREATED, "0.1.0-test", "host", null,
                NODES.stream().map(t -> new Node(t, "/src/" + t)).toList(), Map.of("k", "v"));
    }

    /** 0-12 entries (none and the most each 1 in 13) of every type. */
    private static List<Entry> validEntries(SplittableRandom random) {
        int count = random.nextInt(13);
        List<Entry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            entries.add(entry(random));
        }
        return entries;
    }

    private static Entry entry(SplittableRandom r) {
        String node = Fuzz.oneOf(r, "", "1", "2", "node-3");
        List<String> segments = new ArrayList<>();
        for (int i = 1 + r.nextInt(3); i > 0; i--) {
            segments.add(Fuzz.oneOf(r, "a", "db", "000001.sst", "CURRENT", "é", "x y", "日本"));
        }
        String path = String.join("/", segments);
        int mode = Fuzz.oneOf(r, 0644, 0755, 0, 07777, 0400);
        long mtime = Fuzz.edgyLong(r);
        long seed = r.nextLong();
        return switch (r.nextInt(5)) {
            case 0 -> Entry.directory(node, path, mode, mtime);
            case 1 -> Entry.symlink(node, path, mtime, Fuzz.oneOf(r, "../x", "a", "/etc/passwd", "ü/.."));
            case 2 -> {
                int size = 1 + r.nextInt(1 << 20);
                Sha256 hash = TestManifests.sha(seed);
                yield Entry.file(node, path, mode, mtime, size, hash, List.of(new ChunkRef(hash, size)));
            }
            case 3 -> {
                int packLength = 1 + r.nextInt(1 << 18);
                long offset = r.nextInt(packLength);
                long size = r.nextInt((int) (packLength - offset) + 1);
                yield Entry.packed(node, path, mode, mtime, size, TestManifests.sha(seed),
                        new ChunkRef(TestManifests.sha(~seed), packLength), offset);
            }
            default -> {
                long size = r.nextInt(4) == 0 ? 0 : 1 + r.nextInt(1 << 24);
                // At most 4,096 chunk references: a chunk size of a few bytes would make a 16 MiB
                // file millions of them, more than this module's 128 MiB test heap holds (a
                // million-try run ran out of heap here, in the generator, not in the decoder).
                int chunkSize = (int) Math.max(1 + r.nextInt(1 << 22), (size + 4095) / 4096);
                yield TestManifests.file(node, path, size, chunkSize, seed);
            }
        };
    }

    // ---- mutations --------------------------------------------------------------------------

    private static final long[] EXTREMES = {0, 1, 0x7F, 0x80, 0xFFFF, 0x10000, 0x10001, 1 << 20, (1 << 24) + 1,
            Integer.MAX_VALUE, 1L << 31, 0xFFFF_FFFFL, 1L << 32, Long.MAX_VALUE, -1L, Long.MIN_VALUE};

    /** 1-4 random edits; each falls at the start or the end 1 in 8 times, elsewhere at random. */
    static byte[] mutate(byte[] input, SplittableRandom r) {
        byte[] b = input;
        int edits = 1 + r.nextInt(4);
        for (int i = 0; i < edits; i++) {
            int at = switch (r.nextInt(8)) {
                case 0 -> 0;
                case 1 -> b.length;
                default -> r.nextInt(b.length + 1);
            };
            switch (r.nextInt(7)) {
                case 0 -> {
                    if (at < b.length) {
                        b = b.clone();
                        b[at] ^= (byte) (1 << r.nextInt(8));
                    }
                }
                case 1 -> {
                    if (at < b.length) {
                        b = b.clone();
                        b[at] = (byte) r.nextInt(256);
                    }
                }
                case 2 -> b = Arrays.copyOf(b, at);
                case 3 -> b = splice(b, at, 0, noise(r, 1 + r.nextInt(16)));
                case 4 -> b = splice(b, at, Math.min(b.length - at, r.nextInt(17)), new byte[0]);
                case 5 -> b = splice(b, at, Math.min(b.length - at, r.nextInt(4)),
                        varint(EXTREMES[r.nextInt(EXTREMES.length)]));
                default -> {
                    // Duplicates a span elsewhere: repeated entries, fields or paths.
                    if (b.length > 0) {
                        int from = r.nextInt(b.length);
                        int len = Math.min(b.length - from, 1 + r.nextInt(64));
                        b = splice(b, at, 0, Arrays.copyOfRange(b, from, from + len));
                    }
                }
            }
        }
        return b;
    }

    private static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
        byte[] out = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(b, at + remove, out, at + insert.length, b.length - at - remove);
        return out;
    }

    private static byte[] noise(SplittableRandom r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    static byte[] varint(long v) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The decompressed body of a manifest (magic and a one-byte version, zlib body, SHA-256). */
    static byte[] inflateBody(byte[] manifest) {
        int prefix = ManifestCodec.prefix(1).length;
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(manifest, prefix, manifest.length - prefix - Sha256.BYTES);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            while (!inflater.finished()) {
                int n = inflater.inflate(buf);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new IllegalStateException("the writer's own manifest does not inflate");
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new IllegalStateException(e);
        } finally {
            inflater.end();
        }
    }

    /** A stored manifest around {@code body}: prefix, zlib of the body, and a correct SHA-256. */
    static byte[] restore(byte[] body, int version) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ManifestCodec.prefix(version));
        Deflater deflater = new Deflater();
        try {
            deflater.setInput(body);
            deflater.finish();
            byte[] buf = new byte[8192];
            while (!deflater.finished()) {
                out.write(buf, 0, deflater.deflate(buf));
            }
        } finally {
            deflater.end();
        }
        byte[] all = out.toByteArray();
        return concat(all, Sha256.digest(all, 0, all.length).bytes());
    }

    /**
     * How many body bytes the input could hand the reader: what inflates from it before the
     * stream ends or breaks. A reader cannot be made to build more than this into objects.
     */
    private static long inflatedLength(byte[] input) {
        int prefix = ManifestCodec.prefix(1).length;
        if (input.length <= prefix) {
            return 0;
        }
        Inflater inflater = new Inflater();
        long total = 0;
        try {
            inflater.setInput(input, prefix, input.length - prefix);
            byte[] buf = new byte[8192];
            while (!inflater.finished()) {
                int n = inflater.inflate(buf);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                total += n;
            }
        } catch (DataFormatException e) {
            // counted up to the break
        } finally {
            inflater.end();
        }
        return total;
    }

    /**
     * Writes a body of {@code version} field by field as the writer would (docs/FORMAT.md), except that
     * each number (count, length, size, offset, index, mode) is replaced by an extreme value with
     * a small probability: a lying size field in every position the format has one.
     */
    private static final class LyingBody {
        private final SplittableRandom random;
        private final double lieRate;
        private final int version;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        LyingBody(SplittableRandom random, double lieRate, int version) {
            this.random = random;
            this.lieRate = lieRate;
            this.version = version;
        }

        byte[] emit(List<Entry> entries) {
            ManifestHeader h = header(entries);
            string(h.id());
            string(h.name());
            zigzag(h.created().getEpochSecond());
            number(h.created().getNano());
            string(h.toolVersion());
            string(h.host());
            out.write(0);
            number(h.nodes().size());
            for (Node n : h.nodes()) {
                string(n.token());
                string(n.source());
            }
            number(h.properties().size());
            h.properties().forEach((k, v) -> {
                string(k);
                string(v);
            });
            long files = 0;
            long dirs = 0;
            long links = 0;
            long bytes = 0;
            long refs = 0;
            for (Entry e : entries) {
                int tag = switch (e.type()) {
                    case FILE -> e.packed() ? ManifestFormat.TAG_FILE_PACKED
                            : e.chunks().size() == 1 && e.chunks().get(0).hash().equals(e.sha256())
                            ? ManifestFormat.TAG_FILE_ONE_CHUNK : ManifestFormat.TAG_FILE;
                    case DIRECTORY -> ManifestFormat.TAG_DIRECTORY;
                    case SYMLINK -> ManifestFormat.TAG_SYMLINK;
                };
                out.write(tag);
                number(e.node().isEmpty() ? 0 : NODES.indexOf(e.node()) + 1);
                number(0);
                string(e.path());
                number(e.mode());
                zigzag(e.mtimeNanos());
                switch (tag) {
                    case ManifestFormat.TAG_FILE -> {
                        number(e.size());
                        if (version == ManifestFormat.VERSION_1) {
                            out.writeBytes(e.sha256().bytes());
                        }
                        number(e.chunks().size());
                        for (ChunkRef c : e.chunks()) {
                            number(c.length());
                            out.writeBytes(c.hash().bytes());
                        }
                    }
                    case ManifestFormat.TAG_FILE_ONE_CHUNK -> {
                        number(e.size());
                        out.writeBytes(e.sha256().bytes());
                    }
                    case ManifestFormat.TAG_FILE_PACKED -> {
                        number(e.size());
                        out.writeBytes(e.sha256().bytes());
                        number(e.chunks().get(0).length());
                        out.writeBytes(e.chunks().get(0).hash().bytes());
                        number(e.packOffset());
                    }
                    case ManifestFormat.TAG_SYMLINK -> string(e.linkTarget());
                    default -> { }
                }
                switch (e.type()) {
                    case FILE -> {
                        files++;
                        bytes += e.size();
                        refs += e.chunks().size();
                    }
                    case DIRECTORY -> dirs++;
                    case SYMLINK -> links++;
                }
            }
            out.write(ManifestFormat.TAG_END);
            for (long total : new long[] {files, dirs, links, bytes, refs}) {
                number(total);
            }
            return out.toByteArray();
        }

        private void number(long value) {
            out.writeBytes(varint(lie() ? EXTREMES[random.nextInt(EXTREMES.length)] : value));
        }

        private void zigzag(long value) {
            long v = lie() ? EXTREMES[random.nextInt(EXTREMES.length)] : value;
            out.writeBytes(varint((v << 1) ^ (v >> 63)));
        }

        /** A length that may lie, then the real bytes: a lie makes the reader run past or short of them. */
        private void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            number(b.length);
            out.writeBytes(b);
        }

        private boolean lie() {
            return random.nextDouble() < lieRate;
        }
    }
}
