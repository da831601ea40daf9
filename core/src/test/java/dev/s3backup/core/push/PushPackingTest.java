package dev.s3backup.core.push;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.gc.PushGuard;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.restore.RestoreResult;
import dev.s3backup.core.source.Source;
import dev.s3backup.core.store.InMemoryObjectStore;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.manifest.Entry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Small files are packed into shared chunks: few requests, same restore. */
class PushPackingTest {
    private static final int CHUNK = 1 << 20;
    @TempDir
    Path dir;
    ObjectStore store;
    Path data;

    @BeforeEach
    void setUp() throws IOException {
        store = new InMemoryObjectStore();
        Repository.init(store, CHUNK).close();
        data = Files.createDirectories(dir.resolve("n1"));
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 400; i++) {
            Fixtures.write(data.resolve(String.format("small-%03d", i)), Fixtures.randomBytes(random.nextInt(1024, 16385), i));
        }
        Fixtures.write(data.resolve("big.sst"), Fixtures.randomBytes(3 * CHUNK + 5, 1000));
        Files.createFile(data.resolve("empty"));
    }

    private PushResult push() {
        try (Repository repo = Repository.open(store)) {
            return new Push(repo, Fixtures.options(), Fixtures.tickingClock(), new PushProgress()).run(List.of(Source.parse("n1=" + data)));
        }
    }

    @Test
    void smallFilesCostAFewPutsAndRestoreIdentically() {
        PushResult first = push();
        // ~3.3 MB of small files in 1 MiB packs: 4 packs, plus 4 chunks of big.sst, plus the manifest.
        assertThat(first.requests().put() - PushGuard.PUTS_PER_PUSH).isBetween(8L, 10L);
        assertThat(first.files()).isEqualTo(402);
        List<Entry> entries = Fixtures.entries(store, first.backupId());
        assertThat(entries.stream().filter(Entry::packed).count()).isEqualTo(400);
        assertThat(entries.stream().filter(e -> e.path().equals("big.sst")).findFirst().orElseThrow().packed()).isFalse();

        Path target = dir.resolve("restored");
        RestoreResult restored = Fixtures.restore(store, first.backupId(), target);
        assertThat(restored.complete()).as(restored.failures().toString()).isTrue();
        Fixtures.assertSameTree(data, target.resolve("n1"));
        // One GET per pack, not per small file (plus config, manifest, and big.sst's chunks).
        assertThat(restored.requests().get()).isLessThan(20);
    }

    @Test
    void unchangedSmallFilesAreFoundInTheParentWithoutACache() throws IOException {
        push();
        PushResult second = push();
        assertThat(second.bytesUploaded()).isZero();
        assertThat(second.requests().put() - PushGuard.PUTS_PER_PUSH).isEqualTo(1);

        Fixtures.write(data.resolve("small-007"), Fixtures.randomBytes(5000, 77));
        PushResult third = push();
        assertThat(third.bytesUploaded()).as("one new pack holding the one changed file").isEqualTo(5000);
        assertThat(third.requests().put() - PushGuard.PUTS_PER_PUSH).isEqualTo(2);
        Path target = dir.resolve("restored");
        assertThat(Fixtures.restore(store, third.backupId(), target).complete()).isTrue();
        Fixtures.assertSameTree(data, target.resolve("n1"));
    }

    @Test
    void aCorruptPackFailsOnlyTheFilesInIt() {
        PushResult first = push();
        Entry victim = Fixtures.entry(store, first.backupId(), "n1", "small-000");
        String packKey = "chunks/" + victim.chunks().get(0).hash().hex().substring(0, 2) + "/"
                + victim.chunks().get(0).hash().hex();
        ((InMemoryObjectStore) store).corrupt(packKey);
        Path target = dir.resolve("restored");
        RestoreResult result = Fixtures.restore(store, first.backupId(), target);
        assertThat(result.complete()).isFalse();
        assertThat(result.failures()).allMatch(f -> f.reason() == BackupException.Reason.INTEGRITY);
        assertThat(result.failures()).anyMatch(f -> f.path().equals("n1/small-000"));
        assertThat(result.failures().size()).isBetween(2, 150);
        assertThat(target.resolve("n1/small-000")).doesNotExist();
        assertThat(target.resolve("n1/big.sst")).exists();
        assertThat(target.resolve("n1/small-399")).exists();
    }

    /**
     * A pack fills to its chunk size before it is sealed, however many files that takes: the
     * files read ahead of the manifest writer are bounded by bytes, not by a fixed 4,096 files
     * (which sealed each pack of files under 2 KiB on an idle timer, part full).
     */
    @Test
    void packsFillWhenMoreThan4096FilesFitInOne() throws IOException {
        int chunk = 4 << 20;
        ObjectStore many = new InMemoryObjectStore();
        Repository.init(many, chunk).close();
        Path tiny = Files.createDirectories(dir.resolve("tiny"));
        int files = 8_300; // of 1,000 bytes: 4,194 fit in a pack, so two packs
        for (int i = 0; i < files; i++) {
            Fixtures.write(tiny.resolve(String.format("f-%05d", i)), Fixtures.randomBytes(1000, i));
        }
        PushResult pushed;
        try (Repository repo = Repository.open(many)) {
            pushed = new Push(repo, Fixtures.options(), Fixtures.tickingClock(), new PushProgress())
                    .run(List.of(Source.parse("t=" + tiny)));
        }
        List<Entry> entries = Fixtures.entries(many, pushed.backupId());
        assertThat(entries.stream().filter(Entry::packed).count()).isEqualTo(files);
        assertThat(entries.stream().filter(Entry::packed).map(e -> e.chunks().get(0)).distinct())
                .as("packs").hasSize(2)
                .allMatch(pack -> pack.length() > chunk - 2 * 1000 || pack.length() < files * 1000 - chunk + 1000);
        Path target = dir.resolve("restored-tiny");
        assertThat(Fixtures.restore(many, pushed.backupId(), target).complete()).isTrue();
        Fixtures.assertSameTree(tiny, target.resolve("t"));
    }
}
