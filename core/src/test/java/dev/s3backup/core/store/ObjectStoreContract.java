package dev.s3backup.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.s3backup.core.store.ObjectStore.PutOutcome;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link ObjectStore} contract as tests: every store (in memory, file://, each S3 server)
 * runs this one suite by extending it. Each test works under its own random key prefix, so a
 * store (an S3 bucket) may be shared by all tests and runs.
 *
 * <p>Subclasses supply the store and say which optional behaviours it has.
 */
public abstract class ObjectStoreContract {

    /** The store under test; it may be the same instance for every test. */
    protected abstract ObjectStore store();

    /**
     * Whether the store rejects a body that does not match the payload's SHA-256. True for the
     * file and in-memory stores, AWS and S3Proxy; override for servers that store it anyway.
     */
    protected boolean verifiesChecksums() {
        return true;
    }

    /**
     * Whether an empty object can be written. Ceph RGW 16.2 refuses the SDK's zero-length
     * aws-chunked body (400 XAmzContentSHA256Mismatch); s3backup never writes an empty object
     * (a chunk, pack, manifest, marker or lease always has bytes), so there the contract expects
     * the refusal instead.
     */
    protected boolean writesEmptyObjects() {
        return true;
    }

    /**
     * Whether concurrent creates of one key are serialized, so exactly one writer sees CREATED.
     * True for every real store; S3Mock 5.2.0 checks {@code If-None-Match} without a lock, so
     * racing writers may all "create" (each still stores a whole object).
     */
    protected boolean createIsAtomic() {
        return true;
    }

    /**
     * Whether deleting 1,500 keys takes a few requests. Not in an S3 bucket with Object Lock,
     * where each key costs a HEAD for its version (20 s on moto); the batching is the same code
     * as on a plain bucket, tested there.
     */
    protected boolean largeDeletesAreCheap() {
        return true;
    }

    /**
     * How many objects the paging test creates. It must exceed the store's page size, so
     * subclasses configure a small page size rather than create thousands of objects.
     */
    protected int objectsForPaging() {
        return 25;
    }

    /** This test's own prefix, ending in '/'. */
    protected String base;

    @TempDir
    protected Path tempDir;

    @BeforeEach
    void choosePrefix() {
        base = "contract/" + UUID.randomUUID() + "/";
    }

    protected String key(String name) {
        return base + name;
    }

    // ---- create-only ---------------------------------------------------------------------

    @Test
    void putIfAbsentCreatesOnceAndLeavesContentUnchanged() throws IOException {
        String key = key("chunks/ab/first");
        assertThat(store().putIfAbsent(key, payload("first body"))).isEqualTo(PutOutcome.CREATED);

        assertThat(store().putIfAbsent(key, payload("second, longer body"))).isEqualTo(PutOutcome.ALREADY_EXISTED);

        assertThat(read(store().get(key))).isEqualTo("first body");
        assertThat(store().head(key)).get().extracting(ObjectInfo::size).isEqualTo(10L);
    }

    @Test
    void concurrentPutIfAbsentOfOneKeyCreatesExactlyOnce() throws Exception {
        String key = key("race");
        int writers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<PutOutcome>> outcomes = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                String body = "writer " + i + " " + "x".repeat(1000 * i);
                outcomes.add(pool.submit(() -> {
                    start.await();
                    return store().putIfAbsent(key, payloadWithSha(body));
                }));
            }
            start.countDown();
            int created = 0;
            int winner = -1;
            for (int i = 0; i < writers; i++) {
                if (outcomes.get(i).get(60, TimeUnit.SECONDS) == PutOutcome.CREATED) {
                    created++;
                    winner = i;
                }
            }
            String stored = read(store().get(key));
            if (createIsAtomic()) {
                assertThat(created).as("writers that saw CREATED").isEqualTo(1);
                assertThat(stored).isEqualTo("writer " + winner + " " + "x".repeat(1000 * winner));
            } else {
                // Not create-only under races; still no torn object: the body is one writer's whole body.
                assertThat(created).as("writers that saw CREATED").isPositive();
                int writer = Integer.parseInt(stored.split(" ")[1]);
                assertThat(stored).isEqualTo("writer " + writer + " " + "x".repeat(1000 * writer));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- reading -------------------------------------------------------------------------

    @Test
    void getReturnsTheWholeObject() throws IOException {
        byte[] body = randomBytes(100_000, 1);
        String key = key("whole");
        store().putIfAbsent(key, Payload.of(body, 0, body.length, sha256(body)));

        try (InputStream in = store().get(key)) {
            assertThat(in.readAllBytes()).isEqualTo(body);
        }
    }

    @Test
    void putStoresOnlyTheGivenSliceOfAnArray() throws IOException {
        byte[] array = "....slice....".getBytes(StandardCharsets.UTF_8);
        byte[] slice = Arrays.copyOfRange(array, 4, 9);
        String key = key("slice");
        store().putIfAbsent(key, Payload.of(array, 4, 5, sha256(slice)));

        assertThat(read(store().get(key))).isEqualTo("slice");
    }

    @Test
    void getRangeReturnsTheRequestedBytes() throws IOException {
        byte[] body = randomBytes(100, 2);
        String key = key("range");
        store().putIfAbsent(key, Payload.of(body));

        assertThat(readBytes(store().getRange(key, 0, 10))).isEqualTo(Arrays.copyOfRange(body, 0, 10));
        assertThat(readBytes(store().getRange(key, 10, 20))).isEqualTo(Arrays.copyOfRange(body, 10, 30));
        assertThat(readBytes(store().getRange(key, 90, 10))).as("range ending at the end")
                .isEqualTo(Arrays.copyOfRange(body, 90, 100));
        assertThat(readBytes(store().getRange(key, 90, 1000))).as("range past the end stops at the end")
                .isEqualTo(Arrays.copyOfRange(body, 90, 100));
        assertThat(readBytes(store().getRange(key, 0, 100))).isEqualTo(body);
        assertThat(readBytes(store().getRange(key, 99, 1))).isEqualTo(new byte[] {body[99]});
        assertThat(readBytes(store().getRange(key, 50, 0))).as("empty range").isEmpty();
        assertThat(readBytes(store().getRange(key, 100, 5))).as("range starting at the end").isEmpty();
    }

    @Test
    void getOfMissingKeyIsNotFound() {
        assertThatThrownBy(() -> store().get(key("missing")))
                .isInstanceOfSatisfying(StoreException.class,
                        e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.NOT_FOUND))
                .hasMessageStartingWith("Cannot ");
        assertThatThrownBy(() -> store().getRange(key("missing"), 0, 10))
                .isInstanceOfSatisfying(StoreException.class,
                        e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.NOT_FOUND));
    }

    @Test
    void headOfMissingKeyIsEmpty() {
        assertThat(store().head(key("missing"))).isEmpty();
    }

    @Test
    void headReportsSizeAndLastModified() {
        String key = key("sized");
        Instant before = Instant.now().minusSeconds(24 * 3600);
        store().putIfAbsent(key, Payload.of(new byte[1234]));

        ObjectInfo info = store().head(key).orElseThrow();

        assertThat(info.key()).isEqualTo(key);
        assertThat(info.size()).isEqualTo(1234);
        assertThat(info.lastModified()).isAfter(before);
    }

    @Test
    void emptyObjectsAreObjects() throws IOException {
        String key = key("empty");
        if (!writesEmptyObjects()) {
            assertThatThrownBy(() -> store().putIfAbsent(key, Payload.of(new byte[0], 0, 0, sha256(new byte[0]))))
                    .isInstanceOf(StoreException.class);
            assertThat(store().head(key)).isEmpty();
            return;
        }
        assertThat(store().putIfAbsent(key, Payload.of(new byte[0], 0, 0, sha256(new byte[0]))))
                .isEqualTo(PutOutcome.CREATED);

        assertThat(store().head(key)).get().extracting(ObjectInfo::size).isEqualTo(0L);
        assertThat(readBytes(store().get(key))).isEmpty();
        assertThat(store().putIfAbsent(key, payload("not empty"))).isEqualTo(PutOutcome.ALREADY_EXISTED);
    }

    @Test
    void putFromFile() throws IOException {
        byte[] body = randomBytes(300_000, 3);
        Path file = tempDir.resolve("manifest.bin");
        Files.write(file, body);
        String key = key("manifests/one");

        assertThat(store().putIfAbsent(key, Payload.ofFile(file, sha256(body)))).isEqualTo(PutOutcome.CREATED);

        assertThat(readBytes(store().get(key))).isEqualTo(body);
        assertThat(store().head(key)).get().extracting(ObjectInfo::size).isEqualTo((long) body.length);
    }

    /**
     * A manifest over the store's single-PUT limit commits like any other: whole, create-only, with
     * its SHA-256 checked. S3 stores in this suite lower the limit to 1 MiB, so this takes the
     * multipart path (a part of 8 MiB and one of 1 MiB) with a small object.
     */
    @Test
    void aFileOverTheSinglePutLimitIsCreatedWholeAndCreateOnly() throws IOException {
        int size = (9 << 20) + 1;
        byte[] body = randomBytes(size, 9);
        Path file = tempDir.resolve("large-manifest.bin");
        Files.write(file, body);
        String key = key("manifests/large");

        assertThat(store().putIfAbsent(key, Payload.ofFile(file, sha256(body)))).isEqualTo(PutOutcome.CREATED);
        assertThat(readBytes(store().get(key))).isEqualTo(body);
        assertThat(store().head(key)).get().extracting(ObjectInfo::size).isEqualTo((long) body.length);

        byte[] other = randomBytes(size, 10);
        Path otherFile = tempDir.resolve("other-manifest.bin");
        Files.write(otherFile, other);
        assertThat(store().putIfAbsent(key, Payload.ofFile(otherFile, sha256(other))))
                .isEqualTo(PutOutcome.ALREADY_EXISTED);
        assertThat(readBytes(store().get(key))).as("never overwritten").isEqualTo(body);

        if (verifiesChecksums()) {
            String damaged = key("manifests/damaged");
            assertThatThrownBy(() -> store().putIfAbsent(damaged, Payload.ofFile(otherFile, sha256(body))))
                    .isInstanceOfSatisfying(StoreException.class,
                            e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.INTEGRITY));
            assertThat(store().head(damaged)).isEmpty();
        }
    }

    // ---- integrity -----------------------------------------------------------------------

    /**
     * Where a server does not verify the checksum (S3Mock, moto, Ceph RGW), the difference is an
     * expectation: the wrong bytes are stored, which is why restore and verify --read-data re-hash.
     */
    @Test
    void aServerThatDoesNotVerifyChecksumsStoresTheBodyAsSent() throws IOException {
        assumeThat(verifiesChecksums()).as("store does not verify SHA-256 on put").isFalse();
        byte[] body = "the body".getBytes(StandardCharsets.UTF_8);
        String key = key("unverified");
        assertThat(store().putIfAbsent(key, Payload.of(body, 0, body.length, sha256("another".getBytes(
                StandardCharsets.UTF_8))))).isEqualTo(PutOutcome.CREATED);
        assertThat(readBytes(store().get(key))).isEqualTo(body);
    }

    @Test
    void checksumMismatchIsRejectedAsIntegrityAndStoresNothing() {
        assumeThat(verifiesChecksums()).as("store verifies SHA-256 on put").isTrue();
        byte[] body = "the body".getBytes(StandardCharsets.UTF_8);
        byte[] wrong = sha256("another body".getBytes(StandardCharsets.UTF_8));
        String key = key("corrupt");

        assertThatThrownBy(() -> store().putIfAbsent(key, Payload.of(body, 0, body.length, wrong)))
                .isInstanceOfSatisfying(StoreException.class,
                        e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.INTEGRITY));
        assertThat(store().head(key)).isEmpty();

        byte[] file = "file body".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> {
            Path path = Files.write(tempDir.resolve("bad"), file);
            store().putIfAbsent(key, Payload.ofFile(path, wrong));
        }).isInstanceOfSatisfying(StoreException.class,
                e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.INTEGRITY));
        assertThat(store().head(key)).isEmpty();
    }

    // ---- listing -------------------------------------------------------------------------

    @Test
    void listPagesThroughAllKeysInOrder() {
        int count = objectsForPaging();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            // Spread over directories and mixed lengths so file stores are walked across levels.
            keys.add(key("p/" + (i % 3 == 0 ? "d" + (i % 4) + "/" : "") + "k" + i));
        }
        List<String> shuffled = new ArrayList<>(keys);
        Collections.shuffle(shuffled, new Random(4));
        shuffled.forEach(k -> store().putIfAbsent(k, payload(k)));
        store().putIfAbsent(key("q/outside"), payload("not listed"));
        Collections.sort(keys);

        ListPage first = store().list(key("p/"), null);
        assertThat(first.next()).as("a listing of more keys than a page continues").isNotNull();
        assertThat(first.objects()).isNotEmpty().hasSizeLessThan(count);

        List<String> listed = new ArrayList<>();
        int pages = 0;
        String continuation = null;
        do {
            ListPage page = store().list(key("p/"), continuation);
            page.objects().forEach(info -> listed.add(info.key()));
            continuation = page.next();
            pages++;
        } while (continuation != null && pages < 10 * count);

        assertThat(listed).containsExactlyElementsOf(keys);
        assertThat(pages).isGreaterThan(1);

        List<String> iterated = new ArrayList<>();
        Iterator<ObjectInfo> all = store().listAll(key("p/"));
        all.forEachRemaining(info -> iterated.add(info.key()));
        assertThat(iterated).containsExactlyElementsOf(keys);
    }

    @Test
    void listReportsSizes() {
        store().putIfAbsent(key("sizes/a"), Payload.of(new byte[7]));
        int smallest = writesEmptyObjects() ? 0 : 1;
        store().putIfAbsent(key("sizes/b"), Payload.of(new byte[smallest]));

        ListPage page = store().list(key("sizes/"), null);

        assertThat(page.objects()).extracting(ObjectInfo::key, ObjectInfo::size)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(key("sizes/a"), 7L),
                        org.assertj.core.groups.Tuple.tuple(key("sizes/b"), (long) smallest));
        assertThat(page.objects()).allSatisfy(info -> assertThat(info.lastModified()).isNotNull());
        assertThat(page.next()).isNull();
    }

    @Test
    void listWithPrefixExcludesSiblings() {
        // No "ab" beside "ab/1": a name cannot be a file and a directory at once in a file store.
        for (String name : List.of("a", "ab/1", "ab-2", "abc/x/y", "b/ab")) {
            store().putIfAbsent(key("s/" + name), payload(name));
        }
        assertThat(keys(store().list(key("s/ab/"), null)))
                .containsExactly(key("s/ab/1"));
        assertThat(keys(store().list(key("s/ab-"), null)))
                .containsExactly(key("s/ab-2"));
        assertThat(keys(store().list(key("s/abc"), null)))
                .containsExactly(key("s/abc/x/y"));
        assertThat(keys(store().list(key("s/a"), null)))
                .containsExactly(key("s/a"), key("s/ab-2"), key("s/ab/1"), key("s/abc/x/y"));
        assertThat(keys(store().list(key("s/"), null)))
                .containsExactly(key("s/a"), key("s/ab-2"), key("s/ab/1"), key("s/abc/x/y"), key("s/b/ab"));
    }

    @Test
    void listOfUnknownPrefixIsEmpty() {
        ListPage page = store().list(key("nothing/here/"), null);
        assertThat(page.objects()).isEmpty();
        assertThat(page.next()).isNull();
    }

    // ---- deleting ------------------------------------------------------------------------

    @Test
    void deleteRemovesKeysAndCountsMissingOnesAsDeleted() {
        store().putIfAbsent(key("d/1"), payload("1"));
        store().putIfAbsent(key("d/2"), payload("2"));
        store().putIfAbsent(key("d/keep"), payload("keep"));

        DeleteResult result = store().delete(List.of(key("d/1"), key("d/2"), key("d/never-existed")));

        assertThat(result.complete()).isTrue();
        assertThat(result.deleted()).isEqualTo(3);
        assertThat(store().head(key("d/1"))).isEmpty();
        assertThat(store().head(key("d/2"))).isEmpty();
        assertThat(store().head(key("d/keep"))).isPresent();
        assertThat(keys(store().list(key("d/"), null))).containsExactly(key("d/keep"));

        assertThat(store().delete(List.of()).deleted()).isZero();
        assertThat(store().putIfAbsent(key("d/1"), payload("again"))).as("a deleted key can be created again")
                .isEqualTo(PutOutcome.CREATED);
    }

    @Test
    void deleteOfMoreThanOneBatchInOneCall() {
        assumeThat(largeDeletesAreCheap()).as("a delete costs a request per key on this store: batching is tested elsewhere").isTrue();
        // Mostly missing keys: they exercise the batching without paying for 1,500 puts.
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 1500; i++) {
            keys.add(key(String.format("many/%04d", i)));
        }
        Set<Integer> present = Set.of(0, 999, 1000, 1499);
        present.forEach(i -> store().putIfAbsent(keys.get(i), payload("x")));

        DeleteResult result = store().delete(keys);

        assertThat(result.complete()).isTrue();
        assertThat(result.deleted()).isEqualTo(1500);
        assertThat(keys(store().list(key("many/"), null))).isEmpty();
    }

    // ---- keys ----------------------------------------------------------------------------

    @Test
    void invalidKeysAreRejected() {
        for (String bad : List.of("", "/abs", "a//b", "a/../b", "../up", "a/./b", "trailing/", ".tmp/x", "back\\slash")) {
            assertThatThrownBy(() -> store().putIfAbsent(bad, payload("x")))
                    .as("put of '%s'", bad).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store().get(bad))
                    .as("get of '%s'", bad).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store().head(bad))
                    .as("head of '%s'", bad).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store().delete(List.of(bad)))
                    .as("delete of '%s'", bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> store().list("/abs", null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store().list("a/../", null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void describeNamesTheLocation() {
        assertThat(store().describe()).isNotBlank();
    }

    // ---- helpers -------------------------------------------------------------------------

    protected static Payload payload(String body) {
        return Payload.of(body.getBytes(StandardCharsets.UTF_8));
    }

    protected static Payload payloadWithSha(String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return Payload.of(bytes, 0, bytes.length, sha256(bytes));
    }

    protected static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    protected static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    protected static String read(InputStream in) {
        return new String(readBytes(in), StandardCharsets.UTF_8);
    }

    protected static byte[] readBytes(InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    protected static List<String> keys(ListPage page) {
        List<String> keys = new ArrayList<>();
        page.objects().forEach(info -> keys.add(info.key()));
        assertThat(new HashSet<>(keys)).hasSameSizeAs(keys);
        return keys;
    }
}
