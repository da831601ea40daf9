package dev.s3backup.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.cli.ExitCodes;
import dev.s3backup.s3.S3ObjectStores;
import dev.s3backup.s3.testing.S3TestServers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator's S3 over HTTPS with a private CA: S3Mock serves a certificate made for the run,
 * which only {@code --ca-bundle} / {@code AWS_CA_BUNDLE} make trusted.
 */
class S3MockTlsCliTest {
    private static S3TestServers.Server server;
    private static Path bundle;

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() {
        server = S3TestServers.s3MockHttps();
        bundle = S3TestServers.s3MockCertificate();
        S3Backend.useCredentials(server.accessKey(), server.secretKey());
        for (String bucket : List.of("it-tls-roundtrip", "it-tls-env")) {
            S3ObjectStores.createBucketIfMissing(server.options(bucket).caBundle(bundle).build());
        }
    }

    @Test
    void initPushRestoreVerifyOverHttpsWithTheBundle() throws IOException {
        Path data = SampleData.create(dir.resolve("snapshot"), 7);
        String repo = "s3://it-tls-roundtrip/db";
        List<String> conn = conn(repo, server.endpoint().toString(), "--ca-bundle", bundle.toString());

        Cli init = Cli.run(conn, "init", "--chunk-size", "64KiB");
        assertThat(init.exitCode()).as(init.toString()).isZero();
        Cli push = Cli.run(conn, "push", data.resolve(SampleData.NODE_A).toString(),
                data.resolve(SampleData.NODE_B).toString(), data.resolve("coordinator.bin").toString());
        assertThat(push.exitCode()).as(push.toString()).isZero();
        Path target = dir.resolve("restored");
        Cli restore = Cli.run(conn, "restore", "--manifest", "latest", "--target", target.toString());
        assertThat(restore.exitCode()).as(restore.toString()).isZero();
        TreeAssert.assertSameTree(data, target);
        Cli verify = Cli.run(conn, "verify", "--read-data");
        assertThat(verify.exitCode()).as(verify.toString()).isZero();

        // The JDK's CAs do not know the server's: the push fails before it commits anything.
        Files.writeString(data.resolve(SampleData.NODE_A).resolve("000009.sst"), "written after the first push");
        Cli untrusted = Cli.run(conn(repo, server.endpoint().toString()), "push",
                data.resolve(SampleData.NODE_A).toString());
        assertThat(untrusted.exitCode()).as(untrusted.toString()).isEqualTo(ExitCodes.IO);
        assertThat(untrusted.err()).as(untrusted.toString())
                .contains("not signed by a trusted CA", server.endpoint().toString(), "--ca-bundle", "AWS_CA_BUNDLE")
                .doesNotContain("\tat ", "Exception");
        assertThat(untrusted.err().strip().lines()).as(untrusted.toString()).hasSize(1);
        Cli list = Cli.run(conn, "list");
        assertThat(list.exitCode()).as(list.toString()).isZero();
        assertThat(list.out().lines().filter(l -> l.matches("^\\d{8}T.*"))).as(list.toString()).hasSize(1);
    }

    @Test
    void aCertificateForAnotherHostIsRefusedEvenWithTheBundle() {
        // The certificate names IP:127.0.0.1 only.
        String byName = "https://localhost:" + server.endpoint().getPort();
        Cli run = Cli.run(conn("s3://it-tls-hostname/db", byName, "--ca-bundle", bundle.toString()), "init");
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.IO);
        assertThat(run.err()).as(run.toString()).contains("not for this host", byName, "--ca-bundle")
                .doesNotContain("\tat ");
    }

    @Test
    void aBundleThatCannotBeUsedIsNamed() throws IOException {
        String repo = "s3://it-tls-bad-bundle/db";
        Path missing = dir.resolve("missing.pem");
        Cli absent = Cli.run(conn(repo, server.endpoint().toString(), "--ca-bundle", missing.toString()), "list");
        assertThat(absent.exitCode()).as(absent.toString()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(absent.err()).as(absent.toString()).contains("Cannot read CA bundle " + missing + ": no such file");

        Path empty = Files.writeString(dir.resolve("empty.pem"), "# no certificates here\n");
        Cli none = Cli.run(conn(repo, server.endpoint().toString(), "--ca-bundle", empty.toString()), "list");
        assertThat(none.exitCode()).as(none.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(none.err()).as(none.toString()).contains("Cannot read CA bundle " + empty + ": no PEM certificate in it");

        // A plain-HTTP endpoint does not read the bundle, but a wrong path is still reported.
        Cli http = Cli.run(conn(repo, "http://127.0.0.1:9", "--ca-bundle", missing.toString()), "list");
        assertThat(http.exitCode()).as(http.toString()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(http.err()).as(http.toString()).contains("Cannot read CA bundle " + missing);
    }

    /** aws-cli's variable, in a real process: the option wins over it, a bad one is named as coming from it. */
    @Test
    void awsCaBundleIsHonouredWhenTheOptionIsAbsent() throws IOException, InterruptedException {
        String repo = "s3://it-tls-env/db";
        Map<String, String> env = Map.of("AWS_CA_BUNDLE", bundle.toString(), "AWS_ACCESS_KEY_ID", server.accessKey(),
                "AWS_SECRET_ACCESS_KEY", server.secretKey());
        Shell init = s3backup(env, conn(repo, server.endpoint().toString()), "init");
        assertThat(init.exitCode()).as(init.toString()).isZero();

        Path empty = Files.writeString(dir.resolve("empty.pem"), "");
        Map<String, String> bad = Map.of("AWS_CA_BUNDLE", empty.toString(), "AWS_ACCESS_KEY_ID", server.accessKey(),
                "AWS_SECRET_ACCESS_KEY", server.secretKey());
        Shell refused = s3backup(bad, conn(repo, server.endpoint().toString()), "list");
        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(refused.output()).contains("Cannot read CA bundle " + empty + " (AWS_CA_BUNDLE): no PEM certificate in it");

        Shell optionWins = s3backup(bad, conn(repo, server.endpoint().toString(), "--ca-bundle", bundle.toString()),
                "list");
        assertThat(optionWins.exitCode()).as(optionWins.toString()).isZero();
    }

    private static List<String> conn(String repo, String endpoint, String... more) {
        List<String> conn = new ArrayList<>(List.of("--repo", repo, "--endpoint", endpoint, "--path-style",
                "--region", server.region(), "--max-attempts", "1"));
        conn.addAll(List.of(more));
        return conn;
    }

    private static Shell s3backup(Map<String, String> env, List<String> conn, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", System.getProperty("s3backup.cli.jar"), args[0]));
        command.addAll(conn);
        command.addAll(List.of(args).subList(1, args.length));
        return Shell.run(env, command.toArray(String[]::new));
    }
}
