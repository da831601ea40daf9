package dev.s3backup.it.crash;

import dev.s3backup.core.store.FileObjectStore;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.s3.S3ObjectStores;
import dev.s3backup.s3.testing.S3TestServers;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where the crash campaign keeps its repositories: a directory (file://) or a bucket on S3Proxy,
 * which runs in a process of its own, so killing the CLI never touches the server.
 */
final class CrashTarget {
    private static final String BUCKET = "crash";
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final String name;
    private final Path dir;
    private final S3TestServers.Server server;
    /** The key file of encrypted repositories (init makes it); null: plain repositories. */
    private final Path keyFile;

    private CrashTarget(String name, Path dir, S3TestServers.Server server, Path keyFile) {
        this.name = name;
        this.dir = dir;
        this.server = server;
        this.keyFile = keyFile;
    }

    private CrashTarget(String name, Path dir, S3TestServers.Server server) {
        this(name, dir, server, null);
    }

    /** This target with encrypted, compressed repositories, opened with a key file in {@code keyDir}. */
    CrashTarget encrypted(Path keyDir) {
        return new CrashTarget(name + "-encrypted", dir, server, keyDir.resolve("crash.key"));
    }

    /** What opens the target's repositories in this JVM. */
    dev.s3backup.core.repo.KeySource keys() {
        if (keyFile == null) {
            return dev.s3backup.core.repo.KeySource.NONE;
        }
        try {
            return dev.s3backup.core.repo.KeySource.keyFile(
                    dev.s3backup.core.crypt.KeySlot.decodeKeyFile(java.nio.file.Files.readAllBytes(keyFile)));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static CrashTarget file(Path dir) {
        return new CrashTarget("file", dir, null);
    }

    static CrashTarget s3Proxy() {
        S3TestServers.Server server = S3TestServers.s3Proxy();
        server.createBucket(BUCKET);
        return new CrashTarget("s3proxy", null, server);
    }

    String name() {
        return name;
    }

    String newRepo(String label) {
        String unique = label + "-" + System.currentTimeMillis() + "-" + COUNTER.incrementAndGet();
        return server == null ? dir.resolve(unique).toUri().toString() : "s3://" + BUCKET + "/" + unique;
    }

    /** Options every command needs to reach the repository. */
    List<String> connection() {
        List<String> options = new java.util.ArrayList<>();
        if (server != null) {
            options.addAll(List.of("--endpoint", server.endpoint().toString(), "--path-style", "--region",
                    server.region(), "--checksum-mode", "when-required"));
        }
        if (keyFile != null) {
            options.addAll(List.of("--key-file", keyFile.toString()));
        }
        return options;
    }

    /** Credentials for a CLI in another process (the SDK's default chain reads the environment). */
    Map<String, String> environment() {
        return server == null ? Map.of()
                : Map.of("AWS_ACCESS_KEY_ID", server.accessKey(), "AWS_SECRET_ACCESS_KEY", server.secretKey());
    }

    /** Credentials for the CLI run in this JVM (system properties come first in the SDK's chain). */
    void useInThisJvm() {
        if (server != null) {
            System.setProperty("aws.accessKeyId", server.accessKey());
            System.setProperty("aws.secretAccessKey", server.secretKey());
        }
    }

    /** The repository's store, opened directly, to look at what a killed command left. */
    ObjectStore openStore(String repo) {
        if (server == null) {
            return new FileObjectStore(Path.of(URI.create(repo)));
        }
        String prefix = repo.substring(("s3://" + BUCKET + "/").length());
        return S3ObjectStores.open(server.options(BUCKET).prefix(prefix).build());
    }
}
