package dev.s3backup.it.crash;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.core.cache.HashCache;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.source.FileIdentity;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.it.crash.CrashKit.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * A large push killed (SIGKILL) after about half its chunks are stored, run again: it uploads only
 * the missing chunks and reads only the files its checkpointed hash cache did not record.
 */
class ResumablePushTest {
    private static final int FILES = 40;
    private static final int FILE_SIZE = 4 << 20;

    @TempDir
    Path dir;

    @Test
    void onFile() throws Exception {
        killHalfwayAndResume(CrashTarget.file(dir.resolve("repos")));
    }

    /** Part of the long campaign (about 20 s here): the same on a real S3 server. */
    @Test
    @EnabledIfSystemProperty(named = CrashCampaign.POINTS_PROPERTY, matches = ".+")
    void onS3Proxy() throws Exception {
        killHalfwayAndResume(CrashTarget.s3Proxy());
    }

    private void killHalfwayAndResume(CrashTarget target) throws Exception {
        Path data = dir.resolve("data");
        for (int i = 0; i < FILES; i++) {
            Path f = data.resolve(String.format("%06d.sst", i));
            CrashKit.writeRandom(f, FILE_SIZE, 500 + i);
            // A snapshot's files are not seconds old: the hash cache does not trust those (racy clean).
            Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(3600)));
        }
        // A snapshot's files are old: the hash cache records only files whose mtime is safely older than their read.
        try (var files = java.nio.file.Files.list(data)) {
            for (Path f : files.toList()) {
                java.nio.file.Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.from(
                        java.time.Instant.now().minus(java.time.Duration.ofHours(1))));
            }
        }
        String repo = target.newRepo("resume");
        Path cacheDir = dir.resolve("cache");
        assertThat(CrashKit.here(target, "init", "-r", repo).exitCode()).isZero(); // 8 MiB chunks: one per file
        String[] push = {"-r", repo, "--json", "--cache-dir", cacheDir.toString(), "--checkpoint-interval", "500ms",
            "n1=" + data};

        // Started in a JVM of its own and killed once about half the chunks are stored.
        List<String> limited = new ArrayList<>(List.of(push));
        limited.addAll(0, List.of("--limit-upload", "24MiB"));
        Process process = startKillable(target, limited);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        int stored = 0;
        try (ObjectStore store = target.openStore(repo)) {
            // Half way, and past a checkpoint of the hash cache (on a loaded machine the first one may come late).
            while (process.isAlive() && System.nanoTime() < deadline
                    && ((stored = CrashKit.chunkObjects(store).size()) < FILES / 2 || !checkpointed(cacheDir))
                    && stored < FILES - 8) {
                Thread.sleep(20);
            }
        }
        assertThat(process.isAlive()).as("the push is still running at half way").isTrue();
        process.destroyForcibly();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();

        Map<String, Long> present;
        String repositoryId;
        int chunkSize;
        try (Repository r = Repository.open(target.openStore(repo))) {
            // Once the server is done with the dropped connections: the same listing twice, 300 ms apart.
            Map<String, Long> listed = CrashKit.chunkObjects(r.store());
            for (int i = 0; i < 30; i++) {
                Thread.sleep(300);
                Map<String, Long> again = CrashKit.chunkObjects(r.store());
                if (again.equals(listed)) {
                    break;
                }
                listed = again;
            }
            present = new java.util.HashMap<>(listed);
            present.values().removeIf(size -> size != FILE_SIZE);
            if (present.size() != listed.size()) {
                System.out.println("resumable push on " + target.name() + ": objects of another size after the kill: "
                        + listed.size() + " listed, " + present.size() + " complete");
            }
            repositoryId = r.config().repositoryId();
            chunkSize = r.config().chunkSize();
            assertThat(r.listBackupIds()).as("nothing committed").isEmpty();
        }
        assertThat(present.size()).as("stored when killed").isBetween(FILES / 2, FILES - 5);
        HashCache checkpoint = HashCache.open(HashCache.fileFor(cacheDir, repositoryId), repositoryId, chunkSize,
                HashCache.DEFAULT_MAX_ENTRIES, false, w -> { });
        long cachedFiles = 0;
        try (var files = Files.list(data)) {
            for (Path f : files.toList()) {
                cachedFiles += checkpoint.lookup(FileIdentity.of(f)).isPresent() ? 1 : 0;
            }
        }
        assertThat(cachedFiles).as("files the checkpoint recorded").isPositive();

        Run rerun = CrashKit.here(target, "push", push);

        assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
        long missing = FILES - present.size();
        System.out.printf("resumable push on %s: killed with %d of %d chunks stored and %d files checkpointed; "
                        + "re-run uploaded %d bytes (%d missing chunks), read %d bytes, %d files from the cache, "
                        + "%d chunks resumed, requests %s%n", target.name(), present.size(), FILES, cachedFiles,
                rerun.number("bytesUploaded"), missing, rerun.number("bytesScanned"), rerun.number("filesFromCache"),
                rerun.number("chunksResumed"), requests(rerun.out()));
        assertThat(rerun.number("bytesUploaded")).as("only the missing chunks").isEqualTo(missing * FILE_SIZE);
        assertThat(rerun.number("bytesScanned")).as("only the files not in the checkpoint")
                .isEqualTo((FILES - cachedFiles) * FILE_SIZE);
        assertThat(rerun.number("filesFromCache")).isEqualTo(cachedFiles);
        // A file of one chunk each: the checkpointed files' chunks are confirmed as cached files'
        // (a HEAD each); the journal is asked only about the chunks of the files read again.
        assertThat(rerun.number("chunksResumed")).as("chunks confirmed from the journal")
                .isGreaterThanOrEqualTo(present.size() - cachedFiles - 8)
                .isLessThanOrEqualTo(present.size() - cachedFiles);
        // lease, pending and manifest, plus at most the uploads in flight when killed (stored, not yet journaled)
        assertThat(rerun.number("put")).isBetween(missing + 3, missing + 3 + 8);

        Path restored = dir.resolve("restored");
        assertThat(CrashKit.here(target, "restore", "-r", repo, "-m", "latest", "--target", restored.toString())
                .exitCode()).isZero();
        assertThat(CrashKit.differences(data, restored.resolve("n1"))).isEmpty();
    }

    private static String requests(String json) {
        Matcher m = Pattern.compile("\"requests\":(\\{[^}]*\\})").matcher(json);
        return m.find() ? m.group(1) : "?";
    }

    private Process startKillable(CrashTarget target, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xmx160m", "-Djava.io.tmpdir=" + Files.createDirectories(dir.resolve("tmp")),
                "-jar", System.getProperty("s3backup.cli.jar"), "push"));
        cmd.addAll(target.connection());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("push.log").toFile());
        pb.environment().putAll(target.environment());
        return pb.start();
    }

    private static boolean checkpointed(Path cacheDir) throws java.io.IOException {
        if (!Files.isDirectory(cacheDir)) {
            return false;
        }
        try (var files = Files.list(cacheDir)) {
            return files.anyMatch(f -> f.getFileName().toString().endsWith(".hashcache"));
        }
    }
}
