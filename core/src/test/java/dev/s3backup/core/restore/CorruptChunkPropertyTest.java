package dev.s3backup.core.restore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.core.push.Fixtures;
import dev.s3backup.core.push.Push;
import dev.s3backup.core.push.PushProgress;
import dev.s3backup.manifest.testing.Fuzz;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.repo.RepositoryConfig;
import dev.s3backup.core.repo.RepositoryLayout;
import dev.s3backup.core.store.InMemoryObjectStore;
import dev.s3backup.core.verify.Verifier;
import dev.s3backup.core.verify.VerifyOptions;
import dev.s3backup.core.verify.VerifyOptions.ReadData;
import dev.s3backup.core.verify.VerifyProgress;
import dev.s3backup.core.verify.VerifyResult;
import dev.s3backup.manifest.ChunkRef;
import dev.s3backup.manifest.Sha256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Whatever is wrong with a chunk or pack object (a flipped bit, a truncation, an extra byte, or
 * another valid chunk in its place), restore and {@code verify --read-data} report it, name every
 * file that uses it, and no file with wrong content ever ends under its final name.
 *
 * <p>A plain JUnit test driven by seeded generators ({@link Fuzz}): the seed is printed, and a
 * failure names the seed and try that replay it. 30 tries by default (each pushes, restores and
 * verifies a small backup: about 5 s on 2 busy cores); a long run: {@code mvn -B -o verify -pl core
 * -am -Dtest=CorruptChunkPropertyTest -Dsurefire.failIfNoSpecifiedTests=false -Ds3backup.fuzz.tries=2000}.
 */
class CorruptChunkPropertyTest {
    private static final int CHUNK = RepositoryConfig.MIN_CHUNK_SIZE;
    private static final int PACK_BELOW = 8 << 10;
    private static final int TRIES = 30;
    /** File sizes at the edges of packing and chunking, taken on purpose 1 file in 5. */
    private static final int[] EDGE_SIZES = {0, 1, PACK_BELOW - 1, PACK_BELOW, PACK_BELOW + 1, CHUNK - 1, CHUNK,
            CHUNK + 1, 2 * CHUNK, 3 * CHUNK};

    enum Damage { FLIP_A_BIT, TRUNCATE, APPEND_A_BYTE, SWAP_WITH_ANOTHER_CHUNK }

    @Test
    void aDamagedChunkIsAlwaysDetectedAndNeverRestored(TestInfo test) {
        Fuzz.check(test, TRIES, (random, tally) ->
                checkOneDamagedObject(random, Fuzz.oneOf(random, Damage.values()), tally));
    }

    private static void checkOneDamagedObject(SplittableRandom random, Damage damage, Fuzz.Tally tally)
            throws IOException {
        Path dir = Files.createTempDirectory("s3backup-corrupt-chunk-");
        try {
            InMemoryObjectStore store = new InMemoryObjectStore();
            Repository.init(store, CHUNK);
            Path source = dir.resolve("src");
            Map<String, byte[]> files = writeSource(source, random);
            Repository repo = Repository.open(store);
            String id = new Push(repo, Fixtures.options(), Fixtures.tickingClock(), new PushProgress())
                    .packSmallFilesBelow(PACK_BELOW).run(List.of(Fixtures.node("n", source))).backupId();

            List<String> chunkKeys = Fixtures.keys(store, RepositoryLayout.CHUNKS);
            String victim = chunkKeys.get(random.nextInt(chunkKeys.size()));
            Damage done = damage(store, victim, chunkKeys, damage, random);
            tally.count("damage", done);
            Sha256 hash = Sha256.fromHex(victim.substring(victim.lastIndexOf('/') + 1));
            Set<String> users = Fixtures.entries(store, id).stream()
                    .filter(e -> e.chunks().stream().map(ChunkRef::hash).anyMatch(hash::equals))
                    .map(e -> "n/" + e.path()).collect(Collectors.toCollection(TreeSet::new));
            tally.count("files using the damaged object", users.size() == 1 ? "1" : "several");

            Path target = dir.resolve("target");
            RestoreResult restored = Fixtures.restore(store, id, target);

            assertThat(restored.failures()).as("restore names every file that uses the damaged object")
                    .allSatisfy(f -> assertThat(f.reason()).isEqualTo(Reason.INTEGRITY))
                    .extracting(RestoreResult.Failure::path).containsExactlyInAnyOrderElementsOf(users);
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                Path restoredFile = target.resolve("n").resolve(f.getKey());
                if (users.contains("n/" + f.getKey())) {
                    assertThat(restoredFile).as("a damaged file is not left under its name").doesNotExist();
                } else {
                    assertThat(restoredFile).hasBinaryContent(f.getValue());
                }
            }
            assertThat(Fixtures.tree(target)).noneMatch(p -> p.contains(".s3backup-partial"));

            VerifyResult verified = new Verifier(repo, VerifyOptions.defaults("host", "test")
                    .withReadData(ReadData.all()), Clock.fixed(Instant.parse("2026-12-01T00:00:00Z"), ZoneOffset.UTC),
                    new VerifyProgress()).run();

            assertThat(verified.worstReason()).isEqualTo(Reason.INTEGRITY);
            assertThat(verified.problems()).singleElement().satisfies(p -> assertThat(p.hash()).isEqualTo(hash));
            assertThat(verified.backups()).singleElement().satisfies(b ->
                    assertThat(b.damagedFiles()).containsExactlyInAnyOrderElementsOf(users));
        } finally {
            deleteTree(dir);
        }
    }

    /**
     * 1-8 files: packed small ones, one-chunk and multi-chunk ones, sizes at the packing and
     * chunking edges (empty, 1 byte, exact chunk multiples), some with the same content.
     */
    private static Map<String, byte[]> writeSource(Path source, SplittableRandom random) throws IOException {
        Map<String, byte[]> files = new HashMap<>();
        int count = 1 + random.nextInt(8);
        byte[] shared = null;
        for (int i = 0; i < count; i++) {
            byte[] content;
            if (shared != null && random.nextInt(4) == 0) {
                content = shared; // deduplicated: one damaged chunk fails several files
            } else {
                int size = switch (random.nextInt(5)) {
                    case 0 -> random.nextInt(PACK_BELOW);
                    case 1 -> PACK_BELOW + random.nextInt(CHUNK);
                    case 2 -> CHUNK + 1 + random.nextInt(2 * CHUNK);
                    case 3 -> EDGE_SIZES[random.nextInt(EDGE_SIZES.length)];
                    default -> 1 + random.nextInt(100);
                };
                content = Fixtures.randomBytes(size, random.nextLong());
                shared = content;
            }
            String name = (random.nextBoolean() ? "sub/" : "") + String.format("%06d.sst", i);
            Fixtures.write(source.resolve(name), content);
            files.put(name, content);
        }
        // A file with content, so that there is at least one chunk to damage.
        if (files.values().stream().allMatch(b -> b.length == 0)) {
            byte[] content = Fixtures.randomBytes(10, random.nextLong());
            Fixtures.write(source.resolve("nonempty.sst"), content);
            files.put("nonempty.sst", content);
        }
        return files;
    }

    private static Damage damage(InMemoryObjectStore store, String key, List<String> chunkKeys, Damage damage,
                                 SplittableRandom random) {
        byte[] data = store.content(key);
        switch (damage) {
            case FLIP_A_BIT -> data[random.nextInt(data.length)] ^= (byte) (1 << random.nextInt(8));
            case TRUNCATE -> data = Arrays.copyOf(data, random.nextInt(data.length));
            case APPEND_A_BYTE -> data = Arrays.copyOf(data, data.length + 1);
            case SWAP_WITH_ANOTHER_CHUNK -> {
                if (chunkKeys.size() < 2) {
                    return damage(store, key, chunkKeys, Damage.FLIP_A_BIT, random);
                }
                String other;
                do {
                    other = chunkKeys.get(random.nextInt(chunkKeys.size()));
                } while (other.equals(key));
                data = store.content(other);
            }
        }
        store.replace(key, data);
        return damage;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
