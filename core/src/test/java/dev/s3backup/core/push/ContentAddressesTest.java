package dev.s3backup.core.push;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.core.drill.Drill;
import dev.s3backup.core.drill.DrillOptions;
import dev.s3backup.core.drill.DrillResult;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.repo.RepositoryConfig;
import dev.s3backup.core.repo.RepositoryLayout;
import dev.s3backup.core.restore.Restore;
import dev.s3backup.core.restore.RestoreOptions;
import dev.s3backup.core.restore.RestoreProgress;
import dev.s3backup.core.restore.RestoreResult;
import dev.s3backup.core.store.InMemoryObjectStore;
import dev.s3backup.core.store.ObjectInfo;
import dev.s3backup.core.verify.Verifier;
import dev.s3backup.core.verify.VerifyOptions;
import dev.s3backup.core.verify.VerifyProgress;
import dev.s3backup.core.verify.VerifyResult;
import dev.s3backup.manifest.Entry;
import dev.s3backup.manifest.ManifestReader;
import dev.s3backup.manifest.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Content addresses go through the repository ({@link Repository#withAddressDigests}): a repository
 * addressed by HMAC-SHA256 under a key (as an encrypted one will be) pushes, restores, verifies its
 * data and drills; and manifest version 2 (format 3) and version 1 (formats 1, 2) both round-trip.
 */
class ContentAddressesTest {
    private static final int CHUNK = 64 << 10;
    private static final byte[] KEY = "a test key, 32 bytes long ......".getBytes();

    @TempDir
    Path dir;
    Path data;
    InMemoryObjectStore store;

    @BeforeEach
    void setUp() {
        store = new InMemoryObjectStore();
        data = dir.resolve("data");
        Fixtures.write(data.resolve("n1/000001.sst"), Fixtures.randomBytes(3 * CHUNK + 123, 1));   // 4 chunks
        Fixtures.write(data.resolve("n1/000002.sst"), Fixtures.randomBytes(CHUNK, 2));             // 1 whole chunk
        Fixtures.write(data.resolve("n1/CURRENT"), "MANIFEST-000001\n".getBytes());              // packed
        Fixtures.write(data.resolve("n1/OPTIONS"), Fixtures.randomBytes(900, 3));                 // packed
        Fixtures.write(data.resolve("n1/LOCK"), new byte[0]);                                     // no chunk
    }

    /** HMAC-SHA256 under {@link #KEY}, as a MessageDigest so the repository can hand it out. */
    static Supplier<MessageDigest> hmacDigests() {
        return () -> new MessageDigest("HmacSHA256-as-digest") {
            private final Mac mac = newMac();

            @Override
            protected void engineUpdate(byte input) {
                mac.update(input);
            }

            @Override
            protected void engineUpdate(byte[] input, int offset, int len) {
                mac.update(input, offset, len);
            }

            @Override
            protected byte[] engineDigest() {
                return mac.doFinal();
            }

            @Override
            protected void engineReset() {
                mac.reset();
            }
        };
    }

    private static Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(KEY, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private Repository keyed() {
        return Repository.open(store).withAddressDigests(hmacDigests());
    }

    private String push(Repository repo) {
        return new Push(repo, Fixtures.options(), Fixtures.tickingClock(), new PushProgress())
                .run(List.of(Fixtures.node("n1", data.resolve("n1")))).backupId();
    }

    private List<String> chunkKeys() {
        List<String> keys = new ArrayList<>();
        for (Iterator<ObjectInfo> it = store.listAll(RepositoryLayout.CHUNKS); it.hasNext(); ) {
            keys.add(it.next().key());
        }
        return keys;
    }

    private byte[] object(String key) throws IOException {
        try (InputStream in = store.get(key)) {
            return in.readAllBytes();
        }
    }

    @Test
    void aRepositoryAddressedByHmacPushesRestoresVerifiesAndDrills() throws Exception {
        Repository.init(store, CHUNK);
        String id = push(keyed());

        // Every chunk (and pack) is stored under the HMAC of its bytes, never under their SHA-256.
        List<String> keys = chunkKeys();
        assertThat(keys).hasSize(6);   // 4 + 1 chunks, 1 pack
        Mac mac = newMac();
        for (String key : keys) {
            byte[] content = object(key);
            assertThat(key).isEqualTo(RepositoryLayout.chunkKey(Sha256.of(mac.doFinal(content))))
                    .isNotEqualTo(RepositoryLayout.chunkKey(Sha256.digest(content, 0, content.length)));
        }

        Path target = dir.resolve("restored");
        RestoreResult restored = new Restore(keyed(), RestoreOptions.defaults(), new RestoreProgress()).run(id, target);
        assertThat(restored.failures()).isEmpty();
        Fixtures.assertSameTree(data.resolve("n1"), target.resolve("n1"));

        RestoreResult delta = new Restore(keyed(), new RestoreOptions(null, true, 2, true), new RestoreProgress())
                .run(id, target);
        assertThat(delta.failures()).isEmpty();
        assertThat(delta.filesKept()).as("every file recognised by its keyed hashes").isEqualTo(5);

        VerifyResult verified = new Verifier(keyed(), VerifyOptions.defaults("host", "test")
                .withReadData(VerifyOptions.ReadData.all()), Clock.systemUTC(), new VerifyProgress()).run();
        assertThat(verified.problems()).isEmpty();
        assertThat(verified.ok()).isTrue();
        assertThat(verified.chunksRead()).isEqualTo(6);

        List<String> output = new ArrayList<>();
        DrillResult drilled = new Drill(keyed(), DrillOptions.defaults().withTempRoot(Files.createDirectories(dir.resolve("t")))
                .withRehash(true), Clock.systemUTC(), new RestoreProgress(), output::add).run();
        assertThat(drilled.passed()).as(drilled.message()).isTrue();
    }

    /** The other side of the same coin: a reader that hashes with plain SHA-256 finds every chunk wrong. */
    @Test
    void plainSha256ReadersRejectKeyedChunks() throws Exception {
        Repository.init(store, CHUNK);
        String id = push(keyed());

        RestoreResult restored = new Restore(Repository.open(store), RestoreOptions.defaults(), new RestoreProgress())
                .run(id, dir.resolve("restored"));
        assertThat(restored.failures()).hasSize(4);   // every file with content; LOCK has none
        assertThat(restored.failures()).allSatisfy(f -> assertThat(f.message()).contains("does not match"));

        VerifyResult verified = new Verifier(Repository.open(store), VerifyOptions.defaults("host", "test")
                .withReadData(VerifyOptions.ReadData.all()), Clock.systemUTC(), new VerifyProgress()).run();
        assertThat(verified.problems()).hasSize(6);
    }

    /**
     * Format 3 writes manifest version 2, formats 1 and 2 keep writing version 1 (an older
     * s3backup sharing the repository reads it); both restore and re-check their files.
     */
    @ParameterizedTest(name = "format {0}")
    @ValueSource(ints = {1, 2, 3})
    void eachFormatWritesItsManifestVersionAndRestores(int format) throws Exception {
        Repository.init(store, RepositoryConfig.create(CHUNK).withFormatVersion(format));
        Repository repo = Repository.open(store);
        String id = push(repo);
        int expected = format >= 3 ? 2 : 1;
        assertThat(repo.config().manifestVersion()).isEqualTo(expected);

        Entry big;
        try (ManifestReader r = repo.openManifest(id)) {
            assertThat(r.formatVersion()).isEqualTo(expected);
            big = null;
            for (Entry e = r.next(); e != null; e = r.next()) {
                if (e.path().equals("000001.sst")) {
                    big = e;
                }
            }
        }
        byte[] bytes = Files.readAllBytes(data.resolve("n1/000001.sst"));
        assertThat(big.sha256()).isEqualTo(expected == 1 ? Sha256.digest(bytes, 0, bytes.length)
                : Entry.derivedIdentity(big.chunks()));
        assertThat(big.identityDerived()).isEqualTo(expected == 2);

        Path target = dir.resolve("restored");
        assertThat(Fixtures.restore(store, id, target).failures()).isEmpty();
        Fixtures.assertSameTree(data.resolve("n1"), target.resolve("n1"));
        assertThat(Fixtures.restore(store, id, target, new RestoreOptions(null, true, 2, true)).filesKept()).isEqualTo(5);
    }

    @Test
    void aPlainRepositorysAddressIsTheSha256AndTheUploadIsCheckedByIt() {
        Repository repo = Repository.init(store, CHUNK);
        byte[] b = Fixtures.randomBytes(1000, 9);
        Sha256 address = repo.address(b, 0, b.length);
        assertThat(address).isEqualTo(Sha256.digest(b, 0, b.length));
        assertThat(repo.uploadChecksum(address)).isEqualTo(address.bytes());
        Repository keyed = repo.withAddressDigests(hmacDigests());
        assertThat(keyed.address(b, 0, b.length)).isEqualTo(Sha256.of(newMac().doFinal(b)));
        assertThat(keyed.uploadChecksum(keyed.address(b, 0, b.length))).as("the store hashes what it sends").isNull();
    }
}
