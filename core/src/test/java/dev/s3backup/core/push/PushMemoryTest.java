package dev.s3backup.core.push;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.core.cache.HashCache;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.repo.RepositoryConfig;
import dev.s3backup.core.restore.Restore;
import dev.s3backup.core.restore.RestoreOptions;
import dev.s3backup.core.restore.RestoreProgress;
import dev.s3backup.core.source.Source;
import dev.s3backup.core.store.FileObjectStore;
import dev.s3backup.core.store.ObjectStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Memory per file, cheaply: push, unchanged push and restore of 16,000 tiny files in a child JVM
 * whose heap (10 MiB) holds ~400 bytes per file beside its fixed needs. The per-file structures
 * take ~200 (docs/DECISIONS.md §1); the maps of objects they replaced took ~700 and ran out.
 */
class PushMemoryTest {
    private static final int FILES = 16_000;
    @TempDir
    Path dir;

    @Test
    void pushUnchangedPushAndRestoreOfManyTinyFilesFitASmallHeap() throws Exception {
        Path data = dir.resolve("data");
        for (int d = 0; d < FILES / 1000; d++) {
            Path sub = Files.createDirectories(data.resolve(String.format("directory-%03d", d)));
            for (int f = 0; f < 1000; f++) {
                Files.write(sub.resolve(String.format("file-%04d.sst", f)),
                        ("content " + d + "/" + f).getBytes(StandardCharsets.UTF_8));
            }
        }
        Fixtures.age(data);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx10m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                Child.class.getName(), dir.toString()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("child.log").toFile()).start();
        assertThat(child.waitFor(120, TimeUnit.SECONDS)).as("the child finished").isTrue();
        String log = Files.readString(dir.resolve("child.log"));
        assertThat(child.exitValue()).as(log).isZero();
        assertThat(log).contains("pushed " + FILES + " files", "unchanged: " + FILES + " from the cache",
                "restored " + FILES + " files");
    }

    /**
     * Chunks of 64 MiB (the largest a repository may have) with 16 MiB of direct memory: reads and
     * file:// writes used to go through a temporary direct buffer as large as the chunk, per
     * thread, and a push of 64 MiB chunks ran out of direct memory under the launcher's 256 MiB heap.
     */
    @Test
    void largeChunksNeedNoDirectBufferAsLargeAsAChunk() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.write(data.resolve("000001.sst"), Fixtures.randomBytes((130 << 20) + 7, 64));
        Fixtures.age(data);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:MaxDirectMemorySize=16m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                LargeChunks.class.getName(), dir.toString()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("child.log").toFile()).start();
        assertThat(child.waitFor(120, TimeUnit.SECONDS)).as("the child finished").isTrue();
        String log = Files.readString(dir.resolve("child.log"));
        assertThat(child.exitValue()).as(log).isZero();
        assertThat(log).contains("pushed 1 files", "restored 1 files");
        assertThat(dir.resolve("restored/n1/000001.sst")).hasSameBinaryContentAs(data.resolve("000001.sst"));
    }

    /** The child of the large-chunk case: a repository of 64 MiB chunks, a push, a restore. */
    public static final class LargeChunks {
        public static void main(String[] args) throws IOException {
            Path dir = Path.of(args[0]);
            ObjectStore store = new FileObjectStore(dir.resolve("repo"));
            Repository.init(store, RepositoryConfig.MAX_CHUNK_SIZE).close();
            try (Repository repo = Repository.open(store)) {
                PushResult r = new Push(repo, Fixtures.options(), Fixtures.tickingClock(), new PushProgress())
                        .run(List.of(Source.parse("n1=" + dir.resolve("data"))));
                System.out.println("pushed " + r.files() + " files");
            }
            try (Repository repo = Repository.open(store)) {
                var result = new Restore(repo, RestoreOptions.defaults(), new RestoreProgress())
                        .run("latest", dir.resolve("restored"));
                System.out.println("restored " + result.files() + " files");
            }
        }
    }

    /** The child: a repository, two pushes with a hash cache, a restore; one line per step. */
    public static final class Child {
        public static void main(String[] args) throws IOException {
            Path dir = Path.of(args[0]);
            ObjectStore store = new FileObjectStore(dir.resolve("repo"));
            Repository.init(store, RepositoryConfig.MIN_CHUNK_SIZE).close();
            Source source = Source.parse("n1=" + dir.resolve("data"));
            for (String step : List.of("pushed", "unchanged")) {
                try (Repository repo = Repository.open(store)) {
                    HashCache cache = HashCache.open(dir.resolve("cache"), repo.config().repositoryId(),
                            repo.config().chunkSize(), HashCache.DEFAULT_MAX_ENTRIES, false, w -> { });
                    PushResult r = new Push(repo, Fixtures.options(), Fixtures.tickingClock(), new PushProgress())
                            .useHashCache(cache).run(List.of(source));
                    System.out.println(step.equals("pushed") ? "pushed " + r.files() + " files"
                            : "unchanged: " + r.filesFromCache() + " from the cache");
                }
            }
            try (Repository repo = Repository.open(store)) {
                var result = new Restore(repo, RestoreOptions.defaults(), new RestoreProgress())
                        .run("latest", dir.resolve("restored"));
                System.out.println("restored " + result.files() + " files");
            }
        }
    }
}
