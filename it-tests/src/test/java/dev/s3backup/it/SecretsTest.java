package dev.s3backup.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.cli.ExitCodes;
import dev.s3backup.core.store.ObjectInfo;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.s3.S3ObjectStores;
import dev.s3backup.s3.testing.S3TestServers;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Credentials never appear in what s3backup prints (stdout, stderr, --json, --debug stack traces)
 * nor in what it writes (hash cache, temporary files, drill and JUnit reports, and the
 * repository's manifests and verify logs, read decompressed): on success, with a wrong secret or
 * access key id (access denied), against an unreachable endpoint (I/O error), and when a secret is
 * put in an endpoint or repository URL.
 *
 * <p>The CLI runs as a separate process, as users run it, so that anything a library prints to
 * the real stderr (a logging binding, java.util.logging) is caught too. The secrets come from the
 * environment, the usual place; S3Proxy checks the access key id and the secret (and refuses a
 * session token, so that one is only sent on runs that fail).
 */
class SecretsTest {
    private static final String BUCKET = "it-secrets";
    /** Passed as AWS_SESSION_TOKEN where a run fails anyway: S3Proxy answers a request carrying one with 501. */
    private static final String SESSION_TOKEN = "SessionTokenFORTESTS" + UUID.randomUUID().toString().replace("-", "");
    private static final String WRONG_SECRET = "WrongSecretFORTESTS" + UUID.randomUUID().toString().replace("-", "");
    private static final String WRONG_KEY_ID = "AKIAWRONGKEYFORTESTS";
    private static final String URL_SECRET = "UrlSecretFORTESTS" + UUID.randomUUID().toString().replace("-", "");

    private static final String PASSPHRASE = "PassphraseFORTESTS" + UUID.randomUUID().toString().replace("-", "");
    private static final byte[] FILE_KEY = dev.s3backup.core.crypt.KeySlot.newKeyFileKey();

    private static S3TestServers.Server server;

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() {
        server = S3TestServers.s3Proxy();
        server.createBucket(BUCKET);
    }

    private record Run(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
        }
    }

    private List<String> secrets() {
        return List.of(server.accessKey(), server.secretKey(), SESSION_TOKEN, WRONG_SECRET, WRONG_KEY_ID, URL_SECRET,
                PASSPHRASE, java.util.Base64.getEncoder().encodeToString(FILE_KEY),
                new String(FILE_KEY, StandardCharsets.ISO_8859_1), java.util.HexFormat.of().formatHex(FILE_KEY));
    }

    private static Map<String, String> credentials(String keyId, String secret) {
        return Map.of("AWS_ACCESS_KEY_ID", keyId, "AWS_SECRET_ACCESS_KEY", secret);
    }

    private static Map<String, String> withSessionToken(Map<String, String> credentials) {
        Map<String, String> env = new java.util.HashMap<>(credentials);
        env.put("AWS_SESSION_TOKEN", SESSION_TOKEN);
        return env;
    }

    /** Runs {@code s3backup ARGS} in its own JVM, with {@code env} and a home directory below {@link #dir}. */
    private Run run(Map<String, String> env, String... args) throws Exception {
        Path home = Files.createDirectories(dir.resolve("home"));
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Duser.home=" + home, "-Djava.io.tmpdir=" + tmp,
                "-cp", System.getProperty("java.class.path"), "dev.s3backup.cli.Main"));
        command.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("S3BACKUP_"));
        pb.environment().put("HOME", home.toString());
        pb.environment().put("XDG_CACHE_HOME", home.resolve(".cache").toString());
        pb.environment().put("AWS_REGION", server.region());
        pb.environment().put("AWS_CONFIG_FILE", home.resolve("no-aws-config").toString());
        pb.environment().put("AWS_SHARED_CREDENTIALS_FILE", home.resolve("no-aws-credentials").toString());
        pb.environment().putAll(env);
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("s3backup " + String.join(" ", args) + " ended").isTrue();
        Run r = new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        assertThat(r.out + r.err).as("what s3backup %s printed:\n%s", String.join(" ", args), r)
                .doesNotContain(secrets());
        return r;
    }

    private void succeeds(Map<String, String> env, String... args) throws Exception {
        Run r = run(env, args);
        assertThat(r.exitCode()).as(r.toString()).isZero();
    }

    private static String[] with(List<String> connection, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(1, connection);
        return all.toArray(String[]::new);
    }

    @Test
    void noCredentialIsEverPrintedOrWritten() throws Exception {
        String repo = "s3://" + BUCKET + "/secrets-" + System.nanoTime();
        List<String> s3 = List.of("--repo", repo, "--endpoint", server.endpoint().toString(), "--path-style",
                "--checksum-mode", "when-required");
        Map<String, String> good = credentials(server.accessKey(), server.secretKey());
        Path data = SampleData.create(dir.resolve("data"), 7);
        String source = data.resolve(SampleData.NODE_A).toString();

        // Success, with every output that could carry them.
        succeeds(good, with(s3, "init", "--chunk-size", "64KiB", "--json"));
        succeeds(good, with(s3, "push", "--json", "--debug", source));
        succeeds(good, with(s3, "restore", "--manifest", "latest", "--target", dir.resolve("restored").toString(),
                "--json", "--debug"));
        succeeds(good, with(s3, "verify", "--read-data", "--json", "--junit", dir.resolve("verify.xml").toString()));
        succeeds(good, with(s3, "drill", "--report", dir.resolve("drill.json").toString(), "--junit",
                dir.resolve("drill.xml").toString()));

        // Access denied: a wrong secret, a wrong access key id.
        Run wrongSecret = run(credentials(server.accessKey(), WRONG_SECRET), with(s3, "push", "--json", "--debug", source));
        assertThat(wrongSecret.exitCode()).as(wrongSecret.toString()).isEqualTo(ExitCodes.ACCESS_DENIED);
        assertThat(wrongSecret.err()).contains("\tat "); // --debug printed the stack trace, and it was searched
        Run wrongKey = run(credentials(WRONG_KEY_ID, server.secretKey()), with(s3, "list", "--json", "--debug"));
        assertThat(wrongKey.exitCode()).as(wrongKey.toString()).isEqualTo(ExitCodes.ACCESS_DENIED);

        // An I/O failure: nothing listens on the endpoint.
        List<String> unreachable = List.of("--repo", repo, "--endpoint", "http://127.0.0.1:" + closedPort(),
                "--path-style");
        Run io = run(withSessionToken(good), with(unreachable, "list", "--debug"));
        assertThat(io.exitCode()).as(io.toString()).isEqualTo(ExitCodes.IO);
        // The session token sent to a server that refuses it (S3Proxy: 501 Not Implemented).
        Run token = run(withSessionToken(good), with(s3, "list", "--json", "--debug"));
        assertThat(token.exitCode()).as(token.toString()).isNotZero();

        // A secret in a URL: refused without repeating it.
        String withUserInfo = "http://" + server.accessKey() + ":" + URL_SECRET + "@127.0.0.1:"
                + server.endpoint().getPort();
        Run inOption = run(good, "list", "--repo", repo, "--endpoint", withUserInfo, "--path-style");
        assertThat(inOption.exitCode()).as(inOption.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(inOption.err()).contains("credentials in the endpoint URL");
        for (String variable : List.of("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3")) {
            Run inEnv = run(Map.of(variable, withUserInfo), "list", "--repo", repo, "--path-style", "--debug");
            assertThat(inEnv.exitCode()).as(inEnv.toString()).isEqualTo(ExitCodes.USAGE);
        }
        // A secret key may hold '/', which makes the URL no URL at all: still never repeated.
        Run slash = run(good, "list", "--repo", repo, "--endpoint", "http://" + server.accessKey() + ":" + URL_SECRET
                .substring(0, 8) + "/" + URL_SECRET.substring(8) + "@127.0.0.1:1", "--path-style");
        assertThat(slash.exitCode()).as(slash.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(slash.out() + slash.err()).doesNotContain(URL_SECRET.substring(0, 8), URL_SECRET.substring(8));
        Run inRepo = run(good, "list", "--repo", "s3://" + server.accessKey() + ":" + URL_SECRET + "@" + BUCKET + "/x",
                "--endpoint", server.endpoint().toString(), "--path-style", "--debug");
        assertThat(inRepo.exitCode()).as(inRepo.toString()).isEqualTo(ExitCodes.USAGE);

        // Everything written: local files (cache, reports, temporary files, the restore) and the repository.
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertNoSecret(f.toString(), Files.readAllBytes(f));
            }
        }
        assertThat(Files.exists(dir.resolve("home/.cache/s3backup"))).as("the hash cache was written and searched").isTrue();
        try (ObjectStore store = S3ObjectStores.open(server.options(BUCKET).prefix(repo.substring(("s3://" + BUCKET + "/")
                .length())).build())) {
            int objects = 0;
            for (Iterator<ObjectInfo> it = store.listAll(""); it.hasNext(); objects++) {
                String key = it.next().key();
                try (InputStream in = store.get(key)) {
                    assertNoSecret(repo + "/" + key, in.readAllBytes());
                }
            }
            assertThat(objects).isGreaterThan(3);
        }
    }

    /**
     * An encrypted repository's passphrase and key file never appear in what s3backup prints or
     * writes either: with --json and --debug, on success and with a wrong passphrase, in the hash
     * cache, resume journal, drill and verify reports, and in the bucket.
     */
    @Test
    void noPassphraseOrKeyIsEverPrintedOrWritten() throws Exception {
        String repo = "s3://" + BUCKET + "/encrypted-" + System.nanoTime();
        Path secrets = Files.createDirectories(dir.resolve("secrets"));
        Path passwordFile = Files.writeString(secrets.resolve("passphrase"), PASSPHRASE + "\n");
        Path keyFile = Files.writeString(secrets.resolve("ops.key"), dev.s3backup.core.crypt.KeySlot.encodeKeyFile(FILE_KEY));
        Path wrongFile = Files.writeString(secrets.resolve("wrong"), WRONG_SECRET + "\n");
        List<String> s3 = List.of("--repo", repo, "--endpoint", server.endpoint().toString(), "--path-style",
                "--checksum-mode", "when-required");
        List<String> withPass = new ArrayList<>(s3);
        withPass.addAll(List.of("--password-file", passwordFile.toString()));
        List<String> withKey = new ArrayList<>(s3);
        withKey.addAll(List.of("--key-file", keyFile.toString()));
        Map<String, String> good = credentials(server.accessKey(), server.secretKey());
        Path data = SampleData.create(dir.resolve("data"), 9);
        String source = data.resolve(SampleData.NODE_A).toString();

        succeeds(good, with(withPass, "init", "--chunk-size", "64KiB", "--json", "--debug"));
        succeeds(good, with(withPass, "key", "add", "--new-key-file", keyFile.toString(), "--json", "--debug"));
        succeeds(good, with(withKey, "push", "--json", "--debug", source));
        succeeds(good, with(withPass, "key", "list", "--json", "--debug"));
        succeeds(good, with(withKey, "restore", "--manifest", "latest", "--target", dir.resolve("restored").toString(),
                "--json", "--debug"));
        succeeds(good, with(withPass, "verify", "--read-data", "--json", "--junit", dir.resolve("verify.xml").toString()));
        succeeds(good, with(withKey, "drill", "--report", dir.resolve("drill.json").toString(), "--junit",
                dir.resolve("drill.xml").toString()));
        Run wrong = run(good, with(s3, "push", "--password-file", wrongFile.toString(), "--json", "--debug", source));
        assertThat(wrong.exitCode()).as(wrong.toString()).isEqualTo(ExitCodes.ACCESS_DENIED);
        Run command = run(good, with(s3, "list", "--password-command", "cat " + passwordFile, "--debug"));
        assertThat(command.exitCode()).as(command.toString()).isZero();

        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.startsWith(secrets)).toList()) {
                assertNoSecret(f.toString(), Files.readAllBytes(f));
            }
        }
        assertThat(Files.exists(dir.resolve("home/.cache/s3backup"))).as("the hash cache was written and searched").isTrue();
        try (ObjectStore store = S3ObjectStores.open(server.options(BUCKET).prefix(repo.substring(("s3://" + BUCKET + "/")
                .length())).build())) {
            int objects = 0;
            for (Iterator<ObjectInfo> it = store.listAll(""); it.hasNext(); objects++) {
                String key = it.next().key();
                try (InputStream in = store.get(key)) {
                    assertNoSecret(repo + "/" + key, in.readAllBytes());
                }
            }
            assertThat(objects).isGreaterThan(5);
        }
    }

    /** Searches the bytes as stored, and decompressed when they are a manifest (zlib) or gzip. */
    private void assertNoSecret(String where, byte[] bytes) throws IOException {
        List<byte[]> forms = new ArrayList<>(List.of(bytes));
        byte[] magic = "S3BKMAN\n".getBytes(StandardCharsets.US_ASCII);
        if (bytes.length > magic.length + 1 + 32 && Arrays.equals(bytes, 0, magic.length, magic, 0, magic.length)) {
            forms.add(new InflaterInputStream(new ByteArrayInputStream(bytes, magic.length + 1,
                    bytes.length - magic.length - 1 - 32)).readAllBytes());
        }
        if (bytes.length > 2 && (bytes[0] & 0xFF) == 0x1F && (bytes[1] & 0xFF) == 0x8B) {
            forms.add(new GZIPInputStream(new ByteArrayInputStream(bytes)).readAllBytes());
        }
        for (byte[] form : forms) {
            String text = new String(form, StandardCharsets.ISO_8859_1);
            for (String secret : secrets()) {
                assertThat(text).as("%s holds a credential", where).doesNotContain(secret);
            }
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
