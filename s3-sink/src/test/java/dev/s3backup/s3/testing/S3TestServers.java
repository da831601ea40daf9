package dev.s3backup.s3.testing;

import dev.s3backup.s3.S3ObjectStores;
import dev.s3backup.s3.S3Options;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.Proxy;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * S3 servers for tests, run out of process from their Maven Central jars (no Docker): Adobe
 * S3Mock and gaul S3Proxy (filesystem backend). Each starts on first use on a random loopback
 * port, is shared by every test in the JVM, and is killed when the JVM exits.
 *
 * <p>The jars are found in the directory named by the system property
 * {@value #SERVERS_DIR_PROPERTY} ({@code s3mock.jar}, {@code s3proxy.jar}); the s3-sink and
 * it-tests poms copy them there and set the property for Surefire. A server that cannot start
 * fails the test with its log's tail; it is never skipped.
 *
 * <pre>{@code
 * S3TestServers.Server server = S3TestServers.s3Proxy();
 * server.createBucket("it");
 * try (ObjectStore store = S3ObjectStores.open(server.options("it").prefix("run-1/").build())) { ... }
 * }</pre>
 */
public final class S3TestServers {

    public static final String SERVERS_DIR_PROPERTY = "s3backup.servers.dir";

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);
    private static final String REGION = "us-east-1";

    private static final Lazy S3MOCK = new Lazy(S3TestServers::startS3Mock);
    private static final Lazy S3MOCK_HTTPS = new Lazy(S3TestServers::startS3MockHttps);
    /** The PEM certificate of {@link #s3MockHttps()}; set when it has started. */
    private static volatile Path s3MockCertificate;
    private static final Lazy S3PROXY = new Lazy(S3TestServers::startS3Proxy);
    private static final Lazy MOTO = new Lazy(S3TestServers::startMoto);
    private static final Lazy CEPH_RGW = new Lazy(S3TestServers::startCephRgw);
    /** Set when Ceph is not installed: every Ceph RGW test is skipped with this notice. */
    private static volatile String cephMissing;
    /** Set when moto_server is not installed: every moto test is skipped with this notice. */
    private static volatile String motoMissing;

    private S3TestServers() {
    }

    /**
     * A running server and how to reach it.
     *
     * @param verifiesChecksums whether it rejects a put whose {@code x-amz-checksum-sha256} does
     *     not match the body (both do, as the SDK sends puts to them over HTTP)
     * @param checksCredentials whether it rejects a wrong secret key (S3Proxy does; S3Mock
     *     accepts any signature)
     * @param log the file its stdout and stderr go to
     */
    public record Server(String name, URI endpoint, String accessKey, String secretKey, String region,
                         boolean verifiesChecksums, boolean checksCredentials, Path log) {

        /** Options for {@code bucket} on this server: endpoint, path style, region, credentials. */
        public S3Options.Builder options(String bucket) {
            return S3Options.builder()
                    .bucket(bucket)
                    .endpoint(endpoint)
                    .region(region)
                    .pathStyle(true)
                    .credentials(accessKey, secretKey)
                    .checksumPolicy(S3Options.ChecksumPolicy.WHEN_REQUIRED)
                    .maxAttempts(3);
        }

        /** Creates {@code bucket} unless it exists. */
        public void createBucket(String bucket) {
            S3ObjectStores.createBucketIfMissing(options(bucket).build());
        }

        /**
         * Creates {@code bucket} with Object Lock enabled (and so versioning) unless it exists;
         * {@code defaultRetention} ("GOVERNANCE:1", mode and days) sets a default retention, null none.
         */
        public void createObjectLockBucket(String bucket, String defaultRetention) {
            try (software.amazon.awssdk.services.s3.S3Client s3 = software.amazon.awssdk.services.s3.S3Client.builder()
                    .endpointOverride(endpoint)
                    .region(software.amazon.awssdk.regions.Region.of(region))
                    .forcePathStyle(true)
                    .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                            software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(accessKey, secretKey)))
                    .build()) {
                try {
                    s3.createBucket(b -> b.bucket(bucket).objectLockEnabledForBucket(true));
                } catch (software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException e) {
                    return;
                }
                if (defaultRetention != null) {
                    String[] parts = defaultRetention.split(":");
                    s3.putObjectLockConfiguration(b -> b.bucket(bucket).objectLockConfiguration(c -> c
                            .objectLockEnabled("Enabled")
                            .rule(r -> r.defaultRetention(d -> d.mode(parts[0]).days(Integer.parseInt(parts[1]))))));
                }
            }
        }

        @Override
        public String toString() {
            return name + " at " + endpoint;
        }
    }

    /**
     * Adobe S3Mock, started on first call. Accepts any credentials; its {@code If-None-Match: *}
     * is not atomic under concurrent writers.
     */
    public static Server s3Mock() {
        return S3MOCK.get();
    }

    /**
     * A second S3Mock whose endpoint is https, with a self-signed certificate made for this run
     * (subject alternative name IP:127.0.0.1 only, so {@code https://localhost:port} fails host
     * name verification); {@link #s3MockCertificate()} is its PEM file, the CA bundle to trust it.
     */
    public static Server s3MockHttps() {
        return S3MOCK_HTTPS.get();
    }

    /** The PEM file of {@link #s3MockHttps()}'s certificate (starts the server if needed). */
    public static Path s3MockCertificate() {
        s3MockHttps();
        return s3MockCertificate;
    }

    /** gaul S3Proxy with the filesystem backend, started on first call. Checks credentials and checksums. */
    public static Server s3Proxy() {
        return S3PROXY.get();
    }

    /**
     * moto's standalone server ({@code moto_server}, Python), started on first call: the one
     * server here that enforces Object Lock (a locked version cannot be deleted). It is installed
     * on the build machine's image (python3 with moto), not by Maven; where {@code moto_server} is
     * not on the PATH, the calling test is skipped and the build log says so with a NOTICE.
     * Accepts any credentials; keeps everything in memory.
     */
    public static Server moto() {
        if (motoMissing == null && findOnPath("moto_server") == null) {
            motoMissing = "NOTICE: moto_server is not on the PATH: Object Lock tests against moto skipped "
                    + "(install it with 'pip install \"moto[server]\"')";
            System.err.println(motoMissing);
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(motoMissing == null, motoMissing);
        return MOTO.get();
    }

    /**
     * Ceph's RADOS Gateway (Debian's ceph-mon, ceph-osd, radosgw and ceph-common; .ci/run installs
     * them), started on first call by {@code scripts/ceph-rgw.sh}: a one-node cluster with a
     * memstore OSD on loopback, a production S3 implementation. Checks credentials; does not verify
     * {@code x-amz-checksum-sha256}, only Content-MD5 and the signed payload hash (which s3backup sets to
     * the same SHA-256). Where the
     * packages are not installed, the calling test is skipped with a NOTICE.
     */
    public static Server cephRgw() {
        if (cephMissing == null) {
            for (String program : List.of("ceph-mon", "ceph-osd", "radosgw", "radosgw-admin")) {
                if (findOnPath(program) == null && !Files.isExecutable(Path.of("/usr/bin", program))) {
                    cephMissing = "NOTICE: " + program + " is not installed: Ceph RGW tests skipped (.ci/run installs "
                            + "them: apt-get install ceph-mon ceph-osd radosgw ceph-common)";
                    System.err.println(cephMissing);
                    break;
                }
            }
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(cephMissing == null, cephMissing);
        return CEPH_RGW.get();
    }

    private static Path findOnPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    // ---- starting -------------------------------------------------------------------------

    private static Server startS3Mock() throws IOException {
        Path jar = jar("s3mock.jar");
        Path root = Files.createTempDirectory("s3backup-s3mock-");
        return startWithRetries("S3Mock", port -> {
            List<String> args = List.of(
                    "--http.port=" + port,
                    // The HTTPS connector cannot be turned off; give it any free port.
                    "--server.port=0",
                    "--server.address=127.0.0.1",
                    "--com.adobe.testing.s3mock.store.root=" + root,
                    "--spring.main.banner-mode=off");
            // S3Mock ignores credentials, so any pair works. It does reject a SHA-256 mismatch
            // (with 400 BadRequest rather than BadDigest) on the SDK's signed-chunk uploads over HTTP.
            return new Launch(jar, args, root, "s3mock-access", "s3mock-secret", true, false);
        });
    }

    private static Server startS3MockHttps() throws IOException {
        Path jar = jar("s3mock.jar");
        Path root = Files.createTempDirectory("s3backup-s3mock-https-");
        Path tls = Files.createTempDirectory("s3backup-s3mock-tls-");
        Path keyStore = tls.resolve("server.p12");
        Path certificate = tls.resolve("ca.pem");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        runTool(keytool, "-genkeypair", "-keystore", keyStore.toString(), "-storetype", "PKCS12", "-storepass", "s3mock",
                "-alias", "s3mock", "-keyalg", "EC", "-dname", "CN=s3backup test", "-ext", "san=ip:127.0.0.1",
                "-validity", "2");
        runTool(keytool, "-exportcert", "-rfc", "-keystore", keyStore.toString(), "-storepass", "s3mock",
                "-alias", "s3mock", "-file", certificate.toString());
        int[] httpsPort = new int[1];
        Server http = startWithRetries("S3Mock-https", port -> {
            httpsPort[0] = freePort();
            List<String> args = List.of(
                    "--http.port=" + port,
                    "--server.port=" + httpsPort[0],
                    "--server.address=127.0.0.1",
                    "--server.ssl.key-store=file:" + keyStore,
                    "--server.ssl.key-store-type=PKCS12",
                    "--server.ssl.key-store-password=s3mock",
                    // S3Mock sets a key password for its own keystore; ours has the store's.
                    "--server.ssl.key-password=s3mock",
                    "--server.ssl.key-alias=s3mock",
                    "--com.adobe.testing.s3mock.store.root=" + root,
                    "--spring.main.banner-mode=off");
            return new Launch(jar, args, root, "s3mock-access", "s3mock-secret", true, false);
        });
        s3MockCertificate = certificate;
        return new Server(http.name(), URI.create("https://127.0.0.1:" + httpsPort[0]), http.accessKey(),
                http.secretKey(), http.region(), http.verifiesChecksums(), http.checksCredentials(), http.log());
    }

    private static void runTool(String... command) throws IOException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("Cannot run " + String.join(" ", command) + ": " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Cannot run " + command[0] + ": interrupted", e);
        }
    }

    private static Server startS3Proxy() throws IOException {
        Path jar = jar("s3proxy.jar");
        Path work = Files.createTempDirectory("s3backup-s3proxy-");
        Path data = Files.createDirectories(work.resolve("data"));
        String access = "s3proxy-access";
        String secret = "s3proxy-secret-" + UUID.randomUUID();
        return startWithRetries("S3Proxy", port -> {
            Path properties = work.resolve("s3proxy-" + port + ".properties");
            Files.writeString(properties, String.join("\n",
                    "s3proxy.endpoint=http://127.0.0.1:" + port,
                    "s3proxy.authorization=aws-v2-or-v4",
                    "s3proxy.identity=" + access,
                    "s3proxy.credential=" + secret,
                    "jclouds.provider=filesystem",
                    "jclouds.filesystem.basedir=" + data,
                    ""), StandardCharsets.UTF_8);
            return new Launch(jar, List.of("--properties", properties.toString()), work, access, secret, true, true);
        });
    }

    private static Server startMoto() throws IOException {
        Path program = findOnPath("moto_server");
        Path work = Files.createTempDirectory("s3backup-moto-");
        return startWithRetries("moto", port -> new Launch(null, List.of(program.toString(), "-H", "127.0.0.1",
                "-p", Integer.toString(port)), work, "moto-access", "moto-secret", MOTO_VERIFIES_CHECKSUMS, false));
    }

    /** The running Ceph cluster's directory, for {@link #cephRgwUser}. */
    private static volatile Path cephDir;

    /**
     * Another user of the running Ceph RGW (started if needed), with its own keys: the user
     * {@code uid} that bucket policies name as {@code arn:aws:iam:::user/UID}.
     */
    public static Server cephRgwUser(String uid) {
        Server admin = cephRgw();
        String access = uid + "-access";
        String secret = uid + "-secret-" + UUID.randomUUID();
        try {
            Process p = new ProcessBuilder("bash", projectFile("scripts/ceph-rgw.sh").toString(), "user",
                    cephDir.toString(), uid, access, secret).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("Cannot create Ceph RGW user " + uid + ": " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return new Server(admin.name() + " user " + uid, admin.endpoint(), access, secret, admin.region(),
                admin.verifiesChecksums(), admin.checksCredentials(), admin.log());
    }

    private static Server startCephRgw() throws IOException {
        Path script = projectFile("scripts/ceph-rgw.sh");
        Path work = Files.createTempDirectory("s3backup-ceph-");
        Path dir = work.resolve("cluster");
        cephDir = dir;
        String access = "rgw-access";
        String secret = "rgw-secret-" + UUID.randomUUID();
        int port = freePort();
        Path log = logDir().resolve("ceph-rgw-" + port + ".log");
        Process process = new ProcessBuilder("bash", script.toString(), "start", dir.toString(), Integer.toString(port),
                access, secret).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stopCeph(script, dir, work), "stop-ceph-rgw"));
        long started = System.nanoTime();
        try {
            if (!process.waitFor(STARTUP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("Ceph RGW did not start within " + STARTUP_TIMEOUT.toSeconds() + " s; log "
                        + log + ":\n" + tail(log));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while starting Ceph RGW", e);
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("Ceph RGW failed to start (status " + process.exitValue() + "); log " + log
                    + ":\n" + tail(log) + "\ncluster logs in " + dir.resolve("log"));
        }
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        System.err.printf("Ceph RGW ready at %s after %d ms (log %s)%n", endpoint,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), log);
        // RGW does not verify x-amz-checksum-sha256, but it does verify the signed payload hash, which
        // s3backup sets to the same SHA-256 over plain HTTP (KnownPayloadSigner): a wrong body is refused.
        return new Server("Ceph RGW", endpoint, access, secret, REGION, true, true, log);
    }

    private static void stopCeph(Path script, Path dir, Path work) {
        try {
            new ProcessBuilder("bash", script.toString(), "stop", dir.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(30, TimeUnit.SECONDS);
        } catch (IOException e) {
            // the daemons die with the machine; nothing stored is lost
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deleteTree(work);
    }

    /** A file of the project, found from the module directory the tests run in. */
    private static Path projectFile(String relative) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(relative);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("Cannot find " + relative + " above " + Path.of("").toAbsolutePath());
    }

    /** Whether moto rejects a put whose x-amz-checksum-sha256 does not match the body (measured). */
    private static final boolean MOTO_VERIFIES_CHECKSUMS = false;

    /**
     * @param jar the server's jar, run with this JVM's java; null when {@code args} is a whole command
     */
    private record Launch(Path jar, List<String> args, Path dataDir, String accessKey, String secretKey,
                          boolean verifiesChecksums, boolean checksCredentials) {
    }

    private interface Launcher {
        Launch at(int port) throws IOException;
    }

    /** Starts the server, trying another port if the chosen one was taken meanwhile. */
    private static Server startWithRetries(String name, Launcher launcher) throws IOException {
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = freePort();
            Launch launch = launcher.at(port);
            try {
                return start(name, port, launch);
            } catch (IllegalStateException e) {
                last = e;
                if (!e.getMessage().contains("exited")) {
                    throw e;
                }
            }
        }
        throw last;
    }

    private static Server start(String name, int port, Launch launch) throws IOException {
        Path log = logDir().resolve(name.toLowerCase() + "-" + port + ".log");
        List<String> command = new ArrayList<>();
        if (launch.jar() != null) {
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-Xmx512m");
            // C1 only and the serial GC: measured 4-5 s instead of 10-13 s for S3Mock's startup on two busy cores.
            command.add("-XX:TieredStopAtLevel=1");
            command.add("-XX:+UseSerialGC");
            command.add("-jar");
            command.add(launch.jar().toString());
        }
        command.addAll(launch.args());
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .directory(launch.dataDir().toFile())
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(process, launch.dataDir()),
                "stop-" + name + "-" + port));
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        long started = System.nanoTime();
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with status " + process.exitValue()
                        + " before answering on " + endpoint + "; log " + log + ":\n" + tail(log));
            }
            if (answers(endpoint)) {
                System.err.printf("%s ready at %s after %d ms (log %s)%n", name, endpoint,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), log);
                return new Server(name, endpoint, launch.accessKey(), launch.secretKey(), REGION,
                        launch.verifiesChecksums(), launch.checksCredentials(), log);
            }
            sleep(100);
        }
        stop(process, null);
        throw new IllegalStateException(name + " did not answer on " + endpoint + " within "
                + STARTUP_TIMEOUT.toSeconds() + " s; log " + log + ":\n" + tail(log));
    }

    /** Any HTTP status means the server is up (S3Proxy answers an unsigned GET / with 403). */
    private static boolean answers(URI endpoint) {
        try {
            HttpURLConnection connection = (HttpURLConnection) endpoint.toURL().openConnection(Proxy.NO_PROXY);
            connection.setConnectTimeout(500);
            connection.setReadTimeout(2000);
            try {
                return connection.getResponseCode() > 0;
            } finally {
                connection.disconnect();
            }
        } catch (IOException e) {
            return false;
        }
    }

    private static void stop(Process process, Path dataDir) {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        if (dataDir != null) {
            deleteTree(dataDir);
        }
    }

    private static Path jar(String fileName) {
        String dir = System.getProperty(SERVERS_DIR_PROPERTY);
        if (dir == null || dir.isBlank()) {
            throw new IllegalStateException("System property " + SERVERS_DIR_PROPERTY + " is not set: run the tests"
                    + " through Maven (s3-sink's and it-tests' poms copy s3mock.jar and s3proxy.jar to"
                    + " target/servers and set it), or pass -D" + SERVERS_DIR_PROPERTY + "=<dir with the jars>");
        }
        Path jar = Path.of(dir, fileName);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("Test server jar " + jar + " is missing: run 'mvn generate-test-resources'"
                    + " in the module (its maven-dependency-plugin copies it from Maven Central)");
        }
        return jar;
    }

    private static Path logDir() throws IOException {
        String dir = System.getProperty(SERVERS_DIR_PROPERTY);
        Path base = dir == null ? Path.of(System.getProperty("java.io.tmpdir")) : Path.of(dir).toAbsolutePath().getParent();
        return Files.createDirectories(base.resolve("test-servers"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // A temp directory left behind at JVM exit is harmless; the OS cleans /tmp.
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for a test server", e);
        }
    }

    private interface Starter {
        Server start() throws IOException;
    }

    /** Starts once; a failure is remembered so later tests fail fast with the same message. */
    private static final class Lazy {
        private final Starter starter;
        private Server server;
        private RuntimeException failure;

        Lazy(Starter starter) {
            this.starter = starter;
        }

        synchronized Server get() {
            if (server == null && failure == null) {
                try {
                    server = starter.start();
                } catch (IOException e) {
                    failure = new UncheckedIOException("Cannot start test server: " + e.getMessage(), e);
                } catch (RuntimeException e) {
                    failure = e;
                }
            }
            if (failure != null) {
                throw failure;
            }
            return server;
        }
    }
}
