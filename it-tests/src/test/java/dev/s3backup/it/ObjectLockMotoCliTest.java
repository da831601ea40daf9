package dev.s3backup.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.cli.ExitCodes;
import dev.s3backup.core.repo.RepositoryLayout;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.Payload;
import dev.s3backup.core.store.Retention;
import dev.s3backup.manifest.Sha256;
import dev.s3backup.s3.S3ObjectStores;
import dev.s3backup.s3.testing.S3TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * init, push, forget, gc and restore of a repository with Object Lock, through the command line,
 * against moto (skipped with a NOTICE where moto_server is not installed).
 */
class ObjectLockMotoCliTest {
    @TempDir
    Path tmp;

    @Test
    void lockedRepositoryThroughTheCommandLine() throws Exception {
        S3TestServers.Server server = S3TestServers.moto();
        S3Backend.useCredentials(server.accessKey(), server.secretKey());
        String[] conn = {"--endpoint", server.endpoint().toString(), "--path-style", "--region", server.region()};
        server.createBucket("it-no-lock");
        server.createObjectLockBucket("it-default-retention", "GOVERNANCE:1");
        server.createObjectLockBucket("it-locked", null);

        Cli noLock = run(conn, "init", "-r", "s3://it-no-lock/db", "--object-lock-days", "1");
        assertThat(noLock.exitCode()).as(noLock.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(noLock.err()).contains("does not have Object Lock enabled");
        Cli withDefault = run(conn, "init", "-r", "s3://it-default-retention/db", "--object-lock-days", "1");
        assertThat(withDefault.exitCode()).as(withDefault.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(withDefault.err()).contains("default retention (GOVERNANCE 1 days)");
        Cli onFile = run(new String[0], "init", "-r", tmp.resolve("repo").toUri().toString(), "--object-lock-days", "1");
        assertThat(onFile.exitCode()).as(onFile.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(onFile.err()).contains("only an S3 bucket can lock objects");

        String repo = "s3://it-locked/db-" + UUID.randomUUID();
        Cli init = run(conn, "init", "-r", repo, "--object-lock-days", "2", "--object-lock-mode", "compliance",
                "--chunk-size", "64KiB");
        assertThat(init.exitCode()).as(init.toString()).isZero();
        assertThat(init.out()).contains("locked COMPLIANCE for 2 day(s)", "chunks for 2 day(s) more");

        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.write(src.resolve("data.bin"), dev.s3backup.core.push.Fixtures.randomBytes(300_000, 7));
        Files.writeString(src.resolve("notes.txt"), "locked backups");
        Cli first = run(conn, "push", "-r", repo, "--no-cache", "n1=" + src);
        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(first.out()).contains("object lock:    until", "0 reused chunk(s) extended");
        Cli second = run(conn, "push", "-r", repo, "--no-cache", "--json", "n1=" + src);
        assertThat(second.exitCode()).as(second.toString()).isZero();
        assertThat(second.out()).contains("\"chunksLockExtended\":0", "\"lockedUntil\":\"");

        Cli forget = run(conn, "forget", "-r", repo, "--keep-last", "1");
        assertThat(forget.exitCode()).as(forget.toString()).isZero();
        assertThat(forget.err()).contains("it is under Object Lock until");
        assertThat(forget.out()).contains("locked until", "forgotten: 0 manifest(s)");
        Cli list = run(conn, "list", "-r", repo);
        assertThat(list.out().lines().filter(l -> l.contains("T")).count()).as(list.toString()).isGreaterThanOrEqualTo(2);

        // An unreferenced chunk under retention: gc must leave it, and say so.
        byte[] orphan = "orphan chunk".getBytes(StandardCharsets.UTF_8);
        Sha256 hash = Sha256.digest(orphan, 0, orphan.length);
        try (ObjectStore store = S3ObjectStores.open(server.options("it-locked").prefix(repo.substring("s3://it-locked/".length()) + "/").build())) {
            store.putIfAbsent(RepositoryLayout.chunkKey(hash), Payload.of(orphan, 0, orphan.length, hash.bytes())
                    .withRetention(new Retention(Retention.Mode.GOVERNANCE, Instant.now().plus(Duration.ofDays(1)))));
        }
        Thread.sleep(1100); // gc takes only chunks older than its run marker, by S3's 1 s clock
        Cli gc = run(conn, "gc", "-r", repo, "--grace", "0");
        assertThat(gc.exitCode()).as(gc.toString()).isZero();
        assertThat(gc.out()).contains("locked:      1 chunk(s) left in place under Object Lock", "deleted:     0 chunk(s)");

        Cli restore = run(conn, "restore", "-r", repo, "--manifest", "latest", "--target", tmp.resolve("out").toString());
        assertThat(restore.exitCode()).as(restore.toString()).isZero();
        assertThat(Files.readAllBytes(tmp.resolve("out/n1/data.bin"))).isEqualTo(Files.readAllBytes(src.resolve("data.bin")));
    }

    private static Cli run(String[] conn, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(conn));
        return Cli.run(List.of(), all.toArray(String[]::new));
    }
}
