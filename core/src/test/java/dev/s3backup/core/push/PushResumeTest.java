package dev.s3backup.core.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3backup.core.cache.HashCache;
import dev.s3backup.core.cache.ResumeJournal;
import dev.s3backup.core.gc.PushGuard;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.repo.RepositoryConfig;
import dev.s3backup.core.repo.RepositoryLayout;
import dev.s3backup.core.source.FileIdentity;
import dev.s3backup.core.source.Source;
import dev.s3backup.core.store.InMemoryObjectStore;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.Payload;
import dev.s3backup.core.store.StoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A push that stopped midway, run again: the chunks it stored are not uploaded again (the resume
 * journal, confirmed against the store) and the files it finished are not read again (the hash
 * cache, checkpointed during the push).
 */
class PushResumeTest {
    private static final int CHUNK = RepositoryConfig.MIN_CHUNK_SIZE;
    private static final int FILES = 10;
    private static final int FILE_SIZE = 3 * CHUNK + 1000; // four chunks each

    @TempDir
    Path dir;
    InMemoryObjectStore memory;
    Path data;
    Path local;

    @BeforeEach
    void setUp() {
        memory = new InMemoryObjectStore();
        Repository.init(memory, CHUNK).close();
        data = dir.resolve("data");
        for (int i = 0; i < FILES; i++) {
            Fixtures.write(data.resolve(String.format("%06d.sst", i)), Fixtures.randomBytes(FILE_SIZE, i));
        }
        Fixtures.age(data);
        local = dir.resolve("local");
    }

    private PushResult push(ObjectStore store, Duration checkpoint) {
        try (Repository repo = Repository.open(store)) {
            String id = repo.config().repositoryId();
            HashCache cache = HashCache.open(HashCache.fileFor(local, id), id, CHUNK, 1000, false, w -> { });
            ResumeJournal journal = ResumeJournal.open(ResumeJournal.fileFor(local, id), id, w -> { });
            return new Push(repo, Fixtures.options(2, 2, 8L * CHUNK), Fixtures.tickingClock(), new PushProgress())
                    .useHashCache(cache).useResumeJournal(journal).checkpointEvery(checkpoint).packSmallFilesBelow(0)
                    .run(List.of(Source.parse("n1=" + data)));
        }
    }

    private Set<String> chunkKeys() {
        return new HashSet<>(Fixtures.keys(memory, RepositoryLayout.CHUNKS));
    }

    /** Fails every chunk PUT after the first {@code allowed}, as a connection lost midway would. */
    private ObjectStore failingAfter(int allowed) {
        AtomicInteger puts = new AtomicInteger();
        return new DelegatingStore(memory) {
            @Override
            public PutOutcome putIfAbsent(String key, Payload payload) {
                if (key.startsWith(RepositoryLayout.CHUNKS) && puts.incrementAndGet() > allowed) {
                    throw new StoreException(StoreException.Kind.IO, "connection lost (injected)");
                }
                return delegate.putIfAbsent(key, payload);
            }
        };
    }

    @Test
    void chunksStoredByAFailedPushAreConfirmedNotUploadedAgain() {
        assertThatThrownBy(() -> push(failingAfter(17), Duration.ofHours(1))).isInstanceOf(StoreException.class);
        Set<String> stored = chunkKeys();
        assertThat(stored).hasSize(17);
        // The push stops at the first failed PUT; a chunk the other upload thread had just stored
        // may miss the journal (it is then sent again and answered "already exists").
        int journalled = ResumeJournal.open(journalFile(), repositoryId(), w -> { }).previous().size();
        assertThat(journalled).isBetween(17 - 2, 17);
        int total = FILES * 4;
        memory.resetRequests();

        PushResult rerun = push(memory, Duration.ofHours(1));

        assertThat(rerun.chunksResumed()).isEqualTo(journalled);
        assertThat(rerun.chunksNew()).isEqualTo(total - 17);
        long missingBytes = (long) FILES * FILE_SIZE - stored.stream().mapToLong(k -> memory.content(k).length).sum();
        assertThat(rerun.bytesUploaded()).isEqualTo(missingBytes);
        // chunk PUTs only for the missing and unjournalled ones; the rest is the lease, pending and manifest
        assertThat(rerun.requests().put()).isEqualTo(total - journalled + 3);
        // each journalled chunk is confirmed by one HEAD when the push is about to upload it
        assertThat(rerun.requests().head() - PushGuard.HEADS_PER_PUSH).isEqualTo(journalled);
        assertThat(ResumeJournal.open(journalFile(), repositoryId(), w -> { }).previous())
                .as("a commit clears the journal").isEmpty();
        Path restored = dir.resolve("restored");
        assertThat(Fixtures.restore(memory, rerun.backupId(), restored).complete()).isTrue();
        Fixtures.assertSameTree(data, restored.resolve("n1"));
    }

    @Test
    void anUnrelatedPushNeitherConfirmsNorClaimsTheJournalAndLeavesItToTheRerun() {
        assertThatThrownBy(() -> push(failingAfter(17), Duration.ofHours(1))).isInstanceOf(StoreException.class);
        int journalled = ResumeJournal.open(journalFile(), repositoryId(), w -> { }).previous().size();
        assertThat(journalled).isBetween(17 - 2, 17);
        Path data = this.data;
        this.data = dir.resolve("other");
        Fixtures.write(this.data.resolve("000001.sst"), Fixtures.randomBytes(2 * CHUNK + 1, 99));
        memory.resetRequests();

        PushResult other = push(memory, Duration.ofHours(1));

        assertThat(other.chunksResumed()).as("it used none of the interrupted push's chunks").isZero();
        assertThat(other.chunksNew()).isEqualTo(3);
        assertThat(other.requests().head()).as("no confirmation of chunks it does not need")
                .isEqualTo(PushGuard.HEADS_PER_PUSH);
        assertThat(other.requests().list()).as("lease and pending times, parent, intents").isEqualTo(4);
        assertThat(ResumeJournal.open(journalFile(), repositoryId(), w -> { }).previous())
                .as("kept for the interrupted push").hasSize(journalled);

        this.data = data;
        PushResult rerun = push(memory, Duration.ofHours(1));
        assertThat(rerun.chunksResumed()).isEqualTo(journalled);
        assertThat(rerun.chunksNew()).isEqualTo(FILES * 4 - 17);
        assertThat(journalFile()).doesNotExist();
    }

    @Test
    void aRecordedChunkThatGcRemovedMeanwhileIsUploadedAgain() {
        assertThatThrownBy(() -> push(failingAfter(12), Duration.ofHours(1))).isInstanceOf(StoreException.class);
        List<String> stored = new ArrayList<>(chunkKeys());
        String collected = stored.get(0);
        assertThat(memory.remove(collected)).isTrue();

        // (as above, a chunk stored just before the failure may have missed the journal)
        long journalledAndStored = ResumeJournal.open(journalFile(), repositoryId(), w -> { }).previous().stream()
                .filter(c -> memory.content(RepositoryLayout.chunkKey(c.hash())) != null).count();
        assertThat(journalledAndStored).isBetween(12L - 3, 11L);

        PushResult rerun = push(memory, Duration.ofHours(1));

        assertThat(rerun.chunksResumed()).isEqualTo(journalledAndStored);
        assertThat(chunkKeys()).contains(collected).hasSize(FILES * 4);
        Path restored = dir.resolve("restored");
        assertThat(Fixtures.restore(memory, rerun.backupId(), restored).complete()).isTrue();
        Fixtures.assertSameTree(data, restored.resolve("n1"));
    }

    @Test
    void aPushThatFailsAtTheCommitLeavesACheckpointSoTheRerunReadsNothing() throws IOException {
        ObjectStore refusingCommit = new DelegatingStore(memory) {
            @Override
            public PutOutcome putIfAbsent(String key, Payload payload) {
                if (key.startsWith(RepositoryLayout.MANIFESTS)) {
                    awaitCheckpointOfEveryFile();
                    throw new StoreException(StoreException.Kind.IO, "connection lost (injected)");
                }
                return delegate.putIfAbsent(key, payload);
            }
        };
        assertThatThrownBy(() -> push(refusingCommit, Duration.ofMillis(20))).isInstanceOf(StoreException.class);
        assertThat(checkpointedFiles()).as("files in the checkpoint the failed push left").isEqualTo(FILES);
        memory.resetRequests();

        PushResult rerun = push(memory, Duration.ofHours(1));

        assertThat(rerun.bytesScanned()).as("every file came from the checkpointed cache").isZero();
        assertThat(rerun.filesFromCache()).isEqualTo(FILES);
        assertThat(rerun.bytesUploaded()).isZero();
        assertThat(rerun.chunksResumed()).as("nothing was about to be uploaded: the journal was not asked").isZero();
        assertThat(rerun.requests().head() - PushGuard.HEADS_PER_PUSH)
                .as("a HEAD per chunk of a cached file (the cache is a hint, not proof)").isEqualTo(FILES * 4L);
        assertThat(journalFile()).as("every record is named by the backup: nothing left").doesNotExist();
        assertThat(rerun.requests().put()).as("lease, pending, manifest").isEqualTo(3);
    }

    @Test
    void aDryRunNeitherReadsNorWritesTheJournal() {
        assertThatThrownBy(() -> push(failingAfter(5), Duration.ofHours(1))).isInstanceOf(StoreException.class);
        try (Repository repo = Repository.open(memory)) {
            PushResult dry = new Push(repo, Fixtures.options().withDryRun(true), Fixtures.tickingClock(),
                    new PushProgress()).useResumeJournal(ResumeJournal.open(journalFile(), repositoryId(), w -> { }))
                    .packSmallFilesBelow(0).run(List.of(Source.parse("n1=" + data)));
            assertThat(dry.chunksResumed()).isZero();
        }
        assertThat(ResumeJournal.open(journalFile(), repositoryId(), w -> { }).previous()).hasSize(5);
    }

    private String repositoryId() {
        try (Repository repo = Repository.open(memory)) {
            return repo.config().repositoryId();
        }
    }

    private Path journalFile() {
        return ResumeJournal.fileFor(local, repositoryId());
    }

    /** Files of the data directory that the hash cache file on disk knows. */
    private long checkpointedFiles() {
        HashCache checkpoint = HashCache.open(HashCache.fileFor(local, repositoryId()), repositoryId(), CHUNK, 1000,
                false, w -> { throw new AssertionError(w); });
        try (var files = Files.list(data)) {
            long known = 0;
            for (Path f : files.toList()) {
                known += checkpoint.lookup(FileIdentity.of(f)).isPresent() ? 1 : 0;
            }
            return known;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void awaitCheckpointOfEveryFile() {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (checkpointedFiles() < FILES && System.nanoTime() < deadline) {
            sleep(10);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
