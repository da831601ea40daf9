package dev.s3backup.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.cli.ExitCodes;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.repo.RepositoryLayout;
import dev.s3backup.core.store.FileObjectStore;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.Payload;
import dev.s3backup.manifest.BackupId;
import dev.s3backup.manifest.ChunkRef;
import dev.s3backup.manifest.Entry;
import dev.s3backup.manifest.ManifestCodec;
import dev.s3backup.manifest.ManifestHeader;
import dev.s3backup.manifest.ManifestWriter;
import dev.s3backup.manifest.Node;
import dev.s3backup.manifest.Sha256;
import dev.s3backup.s3.testing.S3TestServers;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Benchmarks of verify and drill, not part of the default run:
 * <pre>
 * mvn -B -o install -DskipTests
 * mvn -B -o test -pl it-tests -Dtest=VerifyBenchmarkTest -Ds3backup.bench=verify -Dsurefire.failIfNoSpecifiedTests=false
 * mvn -B -o test -pl it-tests -Dtest=VerifyBenchmarkTest -Ds3backup.bench=drill -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 * {@code -Ds3backup.bench.chunks=N} changes the number of chunks (default 100,000);
 * {@code -Ds3backup.bench.server=s3mock} uses S3Mock instead of S3Proxy; {@code -DargLine=-Xmx128m}
 * shows the heap it needs. Figures go to
 * stdout and to {@code it-tests/target/bench-verify.txt}.
 */
class VerifyBenchmarkTest {
    private static final int CHUNKS = Integer.getInteger("s3backup.bench.chunks", 100_000);
    private static final Pattern REQUESTS = Pattern.compile(
            "\"requests\":\\{\"put\":(\\d+),\"head\":(\\d+),\"list\":(\\d+),\"get\":(\\d+),\"delete\":(\\d+)}");
    private static final Pattern DURATION = Pattern.compile("\"durationSeconds\":([0-9.E-]+),\"requests\"");

    @TempDir
    Path dir;

    @Test
    @EnabledIfSystemProperty(named = "s3backup.bench", matches = ".*verify.*")
    void tierOneOnAFileRepository() throws Exception {
        Path root = dir.resolve("repo");
        try (ObjectStore store = new FileObjectStore(root)) {
            Repository.init(store, 64 << 10).close();
        }
        // Written in the repository layout directly: a push of 100,000 files would fsync each one.
        long t0 = System.nanoTime();
        for (int p = 0; p < 256; p++) {
            Files.createDirectories(root.resolve(String.format("chunks/%02x", p)));
        }
        for (int i = 0; i < CHUNKS; i++) {
            Files.write(root.resolve(RepositoryLayout.chunkKey(chunk(i).hash())), content(i));
        }
        commitManifest(new FileObjectStore(root));
        double setup = (System.nanoTime() - t0) / 1e9;
        String url = root.toUri().toString();
        measure("file://", url, List.of(), setup);

        List<String> conn = List.of("--repo", url);
        Cli full = Cli.run(conn, "verify", "--read-data", "--max-age", "30d", "--json");
        assertThat(full.exitCode()).as(full.toString()).isEqualTo(ExitCodes.OK);
        Matcher key = Pattern.compile("\"logKey\":\"(verify/[^\"]+)\"").matcher(full.out());
        assertThat(key.find()).isTrue();
        long logBytes = Files.size(root.resolve(key.group(1)));
        Cli again = Cli.run(conn, "verify", "--read-data", "--max-age", "30d", "--json");
        assertThat(again.out()).contains("\"read\":0,", "\"skippedRecent\":" + CHUNKS);
        record(String.format(Locale.ROOT, "verify --read-data, file://, %,d chunks: %s s, %s requests; its log %,d bytes "
                        + "(%.1f bytes per verified chunk); the same again with --max-age 30d: %s s, %s requests, 0 chunks read%n",
                CHUNKS, seconds(full), requests(full), logBytes, logBytes / (double) CHUNKS, seconds(again), requests(again)));
    }

    private static String seconds(Cli run) {
        Matcher d = DURATION.matcher(run.out());
        assertThat(d.find()).isTrue();
        return String.format(Locale.ROOT, "%.2f", Double.parseDouble(d.group(1)));
    }

    private static String requests(Cli run) {
        Matcher m = REQUESTS.matcher(run.out());
        assertThat(m.find()).isTrue();
        return String.format("%d (LIST %s, GET %s, PUT %s)", Long.parseLong(m.group(1)) + Long.parseLong(m.group(2))
                + Long.parseLong(m.group(3)) + Long.parseLong(m.group(4)) + Long.parseLong(m.group(5)),
                m.group(3), m.group(4), m.group(1));
    }

    @Test
    @EnabledIfSystemProperty(named = "s3backup.bench", matches = ".*verify.*")
    void tierOneOnAnS3Server() throws Exception {
        // S3Proxy by default: S3Mock ingests ~12,000 objects in 18 minutes here, slower as the bucket grows.
        boolean mock = "s3mock".equals(System.getProperty("s3backup.bench.server"));
        S3TestServers.Server server = mock ? S3TestServers.s3Mock() : S3TestServers.s3Proxy();
        S3Backend backend = new S3Backend(mock ? "s3mock" : "s3proxy", server.endpoint(), server.region(),
                "bench-verify", server.accessKey(), server.secretKey(), server.options("bench-verify"));
        String url = backend.newRepoUrl("verify-100k");
        long t0 = System.nanoTime();
        try (ObjectStore store = backend.openStore(url)) {
            Repository.init(store, 64 << 10); // not closed: that would close the store
            ExecutorService pool = Executors.newFixedThreadPool(32);
            List<Future<?>> puts = new ArrayList<>();
            for (int i = 0; i < CHUNKS; i++) {
                int n = i;
                puts.add(pool.submit(() -> store.putIfAbsent(RepositoryLayout.chunkKey(chunk(n).hash()),
                        Payload.of(content(n)))));
            }
            for (Future<?> f : puts) {
                f.get();
            }
            pool.shutdown();
            commitManifest(store);
        }
        double setup = (System.nanoTime() - t0) / 1e9;
        measure(mock ? "S3Mock" : "S3Proxy", url, backend.connectionArgs(), setup);
    }

    private void measure(String where, String url, List<String> connection, double setupSeconds) throws IOException {
        List<String> conn = new ArrayList<>(connection);
        conn.addAll(0, List.of("--repo", url));
        Cli run = Cli.run(conn, "verify", "--json");
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.OK);
        Matcher m = REQUESTS.matcher(run.out());
        assertThat(m.find()).as(run.out()).isTrue();
        long put = Long.parseLong(m.group(1));
        long head = Long.parseLong(m.group(2));
        long list = Long.parseLong(m.group(3));
        long get = Long.parseLong(m.group(4));
        long total = put + head + list + get + Long.parseLong(m.group(5));
        Matcher d = DURATION.matcher(run.out());
        assertThat(d.find()).isTrue();
        String line = String.format(Locale.ROOT, "verify tier 1, %s, %,d chunks in 1 backup: %d requests "
                        + "(LIST %d, GET %d, HEAD %d, PUT %d) = %.3f per 1,000 chunks; chunk listing alone %d LIST = %.3f "
                        + "per 1,000; %.2f s (setup %.1f s)%n", where, CHUNKS, total, list, get, head, put,
                total * 1000.0 / CHUNKS, list - 1, (list - 1) * 1000.0 / CHUNKS, Double.parseDouble(d.group(1)), setupSeconds);
        record(line);
        assertThat(list - 1).as("chunk listing pages").isEqualTo((CHUNKS + 999) / 1000);
        assertThat(head).as("no request per chunk").isZero();

        Cli parallel = Cli.run(conn, "verify", "--json", "--list-threads", "16");
        assertThat(parallel.exitCode()).as(parallel.toString()).isEqualTo(ExitCodes.OK);
        record(String.format(Locale.ROOT, "verify tier 1, %s, %,d chunks, --list-threads 16 (256 prefix listings): "
                + "%s requests, %s s%n", where, CHUNKS, requests(parallel), seconds(parallel)));
    }

    @Test
    @EnabledIfSystemProperty(named = "s3backup.bench", matches = ".*drill.*")
    void drillOfOneGibibyteAgainstAPlainRestore() throws Exception {
        Path data = dir.resolve("data/n1");
        Files.createDirectories(data);
        SplittableRandom random = new SplittableRandom(1);
        byte[] block = new byte[1 << 20];
        for (int f = 0; f < 16; f++) {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(data.resolve(String.format("%06d.sst", f)),
                    StandardOpenOption.CREATE_NEW))) {
                for (int i = 0; i < 64; i++) {
                    random.nextBytes(block);
                    out.write(block);
                }
            }
        }
        String repo = dir.resolve("repo").toUri().toString();
        List<String> conn = List.of("--repo", repo);
        assertThat(Cli.run(conn, "init").exitCode()).isZero();
        assertThat(Cli.run(conn, "push", "n1=" + data).exitCode()).isZero();
        Path temp = Files.createDirectories(dir.resolve("tmp"));
        double[] restore = new double[5];
        double[] drill = new double[5];
        double[] rehash = new double[5];
        for (int i = 0; i < restore.length; i++) {
            Path target = dir.resolve("restore-" + i);
            long t0 = System.nanoTime();
            Cli r = Cli.run(conn, "restore", "--manifest", "latest", "--target", target.toString());
            restore[i] = (System.nanoTime() - t0) / 1e9;
            assertThat(r.exitCode()).as(r.toString()).isZero();
            deleteTree(target);
            t0 = System.nanoTime();
            Cli dr = Cli.run(conn, "drill", "--temp-dir", temp.toString());
            drill[i] = (System.nanoTime() - t0) / 1e9;
            assertThat(dr.exitCode()).as(dr.toString()).isZero();
            t0 = System.nanoTime();
            Cli rh = Cli.run(conn, "drill", "--temp-dir", temp.toString(), "--rehash");
            rehash[i] = (System.nanoTime() - t0) / 1e9;
            assertThat(rh.exitCode()).as(rh.toString()).isZero();
        }
        double r = median(restore);
        double dr = median(drill);
        double rh = median(rehash);
        record(String.format(Locale.ROOT, "drill of 1 GiB (16 files of 64 MiB, 8 MiB chunks, file://), median of 5: "
                + "restore %.2f s, drill %.2f s (%.2f x), drill --rehash %.2f s (%.2f x); each includes removing the data "
                + "(drill) or not (restore)%n", r, dr, dr / r, rh, rh / r));
    }

    private static void deleteTree(Path root) throws IOException {
        try (java.util.stream.Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static void record(String line) throws IOException {
        System.out.print(line);
        Path out = Path.of("target", "bench-verify.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static byte[] content(int i) {
        return ("chunk " + i + " of the verify benchmark").getBytes(StandardCharsets.UTF_8);
    }

    /** Computed again when needed: holding a million of them would weigh on the verifier's heap. */
    private static ChunkRef chunk(int i) {
        byte[] c = content(i);
        return new ChunkRef(Sha256.digest(c, 0, c.length), c.length);
    }

    /** One backup whose files are one chunk each, committed through the repository. */
    private void commitManifest(ObjectStore store) throws IOException {
        Instant created = Instant.parse("2026-11-25T00:00:00Z");
        String id = BackupId.generate(created, new SplittableRandom(2));
        Path file = dir.resolve("manifest-" + id);
        try (ManifestWriter w = ManifestCodec.newWriter(new BufferedOutputStream(Files.newOutputStream(file)),
                new ManifestHeader(id, "bench", created, "bench", "host", null, List.of(new Node("n1", "/bench")),
                        Map.of()))) {
            for (int i = 0; i < CHUNKS; i++) {
                ChunkRef c = chunk(i);
                w.write(Entry.file("n1", String.format("%07d.sst", i), 0644, 0, c.length(), c.hash(), List.of(c)));
            }
            w.finish();
        }
        try (Repository repo = Repository.open(store)) {
            repo.commitManifest(id, file);
        }
    }
}
