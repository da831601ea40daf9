package dev.s3backup.cli;

import dev.s3backup.core.cache.HashCache;
import dev.s3backup.core.push.Push;
import dev.s3backup.core.push.PushOptions;
import dev.s3backup.core.push.PushProgress;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.restore.Restore;
import dev.s3backup.core.restore.RestoreOptions;
import dev.s3backup.core.restore.RestoreProgress;
import dev.s3backup.core.source.Source;
import dev.s3backup.core.store.FileObjectStore;
import dev.s3backup.s3.S3ObjectStores;
import dev.s3backup.s3.S3Options;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine.Command;

/**
 * Runs the code paths of a typical command once, so the launcher can record the classes they
 * load into a class-data-sharing archive (see bin/s3backup): a push and a restore on a
 * throwaway file:// repository, and an S3 client that tries a loopback port nothing listens on.
 * Hidden: it backs up nothing and touches no real repository.
 */
@Command(name = "cds-training", hidden = true)
final class CdsTrainingCommand extends BaseCommand {
    /**
     * Opens a repository through the S3 client against a loopback stand-in that answers like S3
     * (a config object, an empty listing, 200 to writes), so requests and responses are both
     * exercised; what it answers does not matter beyond that.
     */
    private static void trainS3(byte[] config) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = new byte[0];
            String path = exchange.getRequestURI().getPath();
            String query = exchange.getRequestURI().getQuery();
            if ("GET".equals(exchange.getRequestMethod())) {
                body = query != null && query.contains("list-type") ? EMPTY_LISTING.getBytes(StandardCharsets.UTF_8)
                        : path.endsWith("/config") ? config : new byte[1];
            }
            exchange.getRequestBody().readAllBytes();
            if ("HEAD".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(200, -1);
            } else {
                exchange.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        server.start();
        try (Repository repo = Repository.open(S3ObjectStores.open(S3Options.builder().bucket("cds").prefix("repo")
                .endpoint("http://127.0.0.1:" + server.getAddress().getPort()).region("us-east-1").pathStyle(true)
                .credentials("cds", "cds").maxAttempts(1).build()))) {
            repo.listBackupIds();
            repo.store().putIfAbsent("chunks/00/training", dev.s3backup.core.store.Payload.of(new byte[16], 0, 16,
                    dev.s3backup.manifest.Sha256.digest(new byte[16], 0, 16).bytes()));
            repo.store().head("chunks/00/training");
        } catch (RuntimeException ignored) {
            // a stand-in's answers may not satisfy every check: the classes are loaded either way
        } finally {
            server.stop(0);
        }
    }

    private static byte[] repositoryConfig(FileObjectStore store) throws IOException {
        try (java.io.InputStream in = store.get("config")) {
            return in.readAllBytes();
        }
    }

    private static final String EMPTY_LISTING = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
            + "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>cds</Name><Prefix></Prefix>"
            + "<KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>";

    @Override
    public Integer call() throws IOException {
        Path dir = Files.createTempDirectory("s3backup-cds-");
        try {
            Path data = Files.createDirectories(dir.resolve("data/node"));
            Files.write(data.resolve("000001.sst"), new byte[300_000]);
            Files.writeString(data.resolve("CURRENT"), "MANIFEST-000001\n");
            FileObjectStore store = new FileObjectStore(dir.resolve("repo"));
            Repository.init(store, 1 << 20).close();
            try (Repository repo = Repository.open(store)) {
                PushOptions options = PushOptions.defaults("cds", S3BackupCommand.version());
                HashCache cache = HashCache.open(dir.resolve("cache"), repo.config().repositoryId(),
                        repo.config().chunkSize(), 10, false, w -> { });
                new Push(repo, options, Clock.systemUTC(), new PushProgress()).useHashCache(cache)
                        .run(List.of(Source.parse("node=" + data)));
                new Restore(repo, RestoreOptions.defaults(), new RestoreProgress()).run("latest", dir.resolve("out"));
            }
            trainS3(repositoryConfig(store));
            Json.write(List.of(1, "a"));
            return ExitCodes.OK;
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
