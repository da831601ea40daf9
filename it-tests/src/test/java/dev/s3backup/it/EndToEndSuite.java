package dev.s3backup.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.cli.ExitCodes;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.Payload;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line end to end against one backend; every backend (file://, S3Mock, S3Proxy,
 * LocalStack, an external endpoint) runs these same cases.
 */
abstract class EndToEndSuite {
    private static final Pattern BACKUP_ID = Pattern.compile("\"backupId\":\"([^\"]+)\"");

    @TempDir
    Path dir;
    Path data;
    String repo;
    List<String> conn;

    abstract Backend backend();

    /**
     * Whether this suite's repositories are encrypted (docs/SECURITY.md): opened with a key file that
     * init creates, so every case below runs on both kinds of repository.
     */
    boolean encrypted() {
        return false;
    }

    @BeforeEach
    void createRepository(TestInfo info) throws IOException {
        data = SampleData.create(dir.resolve("snapshot"), 42);
        repo = backend().newRepoUrl(info.getTestMethod().orElseThrow().getName());
        conn = new java.util.ArrayList<>(backend().connectionArgs());
        conn.add(0, repo);
        conn.add(0, "--repo");
        if (encrypted()) {
            conn.add("--key-file");
            conn.add(dir.resolve("repository.key").toString());
        }
        Cli init = cli("init", "--chunk-size", "64KiB");
        assertThat(init.exitCode()).as(init.toString()).isZero();
        assertThat(init.out()).contains(encrypted() ? "Encrypted (aes-256-gcm" : "Created repository");
    }

    Cli cli(String... args) {
        return Cli.run(conn, args);
    }

    String[] sources() {
        return new String[] {data.resolve(SampleData.NODE_A).toString(), data.resolve(SampleData.NODE_B).toString(),
            data.resolve("coordinator.bin").toString()};
    }

    Cli push(String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("push", "--json"));
        args.addAll(List.of(extra));
        args.addAll(List.of(sources()));
        Cli run = cli(args.toArray(String[]::new));
        assertThat(run.exitCode()).as(run.toString()).isZero();
        return run;
    }

    static String backupId(Cli push) {
        Matcher m = BACKUP_ID.matcher(push.out());
        assertThat(m.find()).as(push.toString()).isTrue();
        return m.group(1);
    }

    @Test
    void pushTwiceThenRestoreIsByteForByteIdentical() throws IOException {
        Cli first = push();
        // CURRENT is the same on both nodes: one chunk, two references, nothing stored before
        assertThat(first.out()).contains("\"chunksReused\":0");
        Cli second = push();
        assertThat(second.out()).as("nothing re-uploaded").contains("\"bytesUploaded\":0", "\"chunksNew\":0",
                "\"put\":" + (1 + dev.s3backup.core.gc.PushGuard.PUTS_PER_PUSH) + ",");
        // the manifest, plus the gc protocol's lease and pending manifest (docs/RETENTION.md)
        Path target = dir.resolve("restored");
        Cli restore = cli("restore", "--manifest", "latest", "--target", target.toString());
        assertThat(restore.exitCode()).as(restore.toString()).isZero();
        TreeAssert.assertSameTree(data, target);

        Path firstTarget = dir.resolve("restored-first");
        Cli restoreFirst = cli("restore", "--manifest", backupId(first), "--target", firstTarget.toString());
        assertThat(restoreFirst.exitCode()).as(restoreFirst.toString()).isZero();
        TreeAssert.assertSameTree(data, firstTarget);

        Cli list = cli("list");
        assertThat(list.out()).contains(backupId(first), backupId(second));
    }

    @Test
    void restoresASingleNode() throws IOException {
        push();
        Path target = dir.resolve("one-node");
        Cli restore = cli("restore", "--manifest", "latest", "--node", SampleData.NODE_B, "--target", target.toString());
        assertThat(restore.exitCode()).as(restore.toString()).isZero();
        assertThat(TreeAssert.relativePaths(target)).allMatch(p -> p.startsWith(SampleData.NODE_B));
        TreeAssert.assertSameTree(data.resolve(SampleData.NODE_B), target.resolve(SampleData.NODE_B));
    }

    @Test
    void corruptedChunkIsDetectedAndNamesTheFile() throws IOException {
        String id = backupId(push());
        // 000001.sst is larger than the 64 KiB chunks: corrupt its first one
        Cli show = cli("show", id, "--files", "--json");
        Matcher m = Pattern.compile("\"node\":\"" + SampleData.NODE_A
                + "\",\"path\":\"000001.sst\"[^}]*\"chunkAddresses\":\\[\"([0-9a-f]{64})\"").matcher(show.out());
        assertThat(m.find()).as(show.out()).isTrue();
        if (!encrypted()) {
            Path victim = data.resolve(SampleData.NODE_A).resolve("000001.sst");
            assertThat(m.group(1)).as("a plain repository's address is the SHA-256 of the content")
                    .isEqualTo(sha256Hex(java.util.Arrays.copyOf(Files.readAllBytes(victim), 64 << 10)));
        }
        corrupt(m.group(1));
        Path target = dir.resolve("restored");
        Cli restore = cli("restore", "--manifest", "latest", "--target", target.toString());
        assertThat(restore.exitCode()).as(restore.toString()).isEqualTo(ExitCodes.INTEGRITY);
        assertThat(restore.err()).contains(SampleData.NODE_A + "/000001.sst", "corrupt");
        assertThat(target.resolve(SampleData.NODE_A).resolve("000001.sst")).doesNotExist();
        assertThat(target.resolve(SampleData.NODE_B).resolve("000001.sst")).exists();
    }

    @Test
    void corruptedPackOfSmallFilesIsDetectedAndNamesTheFiles() throws IOException {
        String id = backupId(push());
        Cli show = cli("show", id, "--files", "--json");
        Matcher m = Pattern.compile("\"path\":\"MANIFEST-000004\"[^}]*\"pack\":\"([0-9a-f]{64})\"").matcher(show.out());
        assertThat(m.find()).as(show.out()).isTrue();
        corrupt(m.group(1));
        Path target = dir.resolve("restored");
        Cli restore = cli("restore", "--manifest", "latest", "--target", target.toString());
        assertThat(restore.exitCode()).as(restore.toString()).isEqualTo(ExitCodes.INTEGRITY);
        assertThat(restore.err()).contains("/MANIFEST-000004", "corrupt");
        assertThat(target.resolve(SampleData.NODE_A).resolve("MANIFEST-000004")).doesNotExist();
        assertThat(target.resolve(SampleData.NODE_A).resolve("000002.sst")).exists();
    }

    /** Replaces a chunk with the same bytes but one flipped, as a failing disk would. */
    private void corrupt(String hex) throws IOException {
        String key = "chunks/" + hex.substring(0, 2) + "/" + hex;
        try (ObjectStore store = backend().openStore(repo)) {
            byte[] bytes;
            try (InputStream in = store.get(key)) {
                bytes = in.readAllBytes();
            }
            bytes[bytes.length / 2] ^= 0x40;
            assertThat(store.delete(List.of(key)).complete()).isTrue();
            store.putIfAbsent(key, Payload.of(bytes));
        }
    }

    private static String sha256Hex(byte[] bytes) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void symlinkLeavingTheTargetIsRestoredAsTheSameLinkVerifiedAndDrilled() throws IOException {
        Path node = data.resolve(SampleData.NODE_A);
        Files.createSymbolicLink(node.resolve("escape"), Path.of("/etc/passwd"));
        Files.createSymbolicLink(node.resolve("climb"), Path.of("../../../outside"));
        Cli push = push();
        assertThat(push.out()).contains("\"symlinksOutside\":2");
        Cli verify = cli("verify", "--read-data");
        assertThat(verify.exitCode()).as(verify.toString()).isZero();
        Path target = dir.resolve("restored");
        Cli restore = cli("restore", "--manifest", "latest", "--target", target.toString());
        assertThat(restore.exitCode()).as(restore.toString()).isZero();
        Path restored = target.resolve(SampleData.NODE_A);
        assertThat(Files.readSymbolicLink(restored.resolve("escape"))).isEqualTo(Path.of("/etc/passwd"));
        assertThat(Files.readSymbolicLink(restored.resolve("climb"))).isEqualTo(Path.of("../../../outside"));
        assertThat(dir.getParent().resolve("outside")).doesNotExist();
        Path temp = Files.createDirectories(dir.resolve("drill-tmp"));
        Cli drill = cli("drill", "--temp-dir", temp.toString());
        assertThat(drill.exitCode()).as(drill.toString()).isZero();
    }

    @Test
    void truncatedManifestIsAnIntegrityError() throws IOException {
        String id = backupId(push());
        String damagedId = "20200101T000000.000Z-0badf00d";
        try (ObjectStore store = backend().openStore(repo)) {
            byte[] bytes;
            try (InputStream in = store.get("manifests/" + id)) {
                bytes = in.readAllBytes();
            }
            store.putIfAbsent("manifests/" + damagedId, Payload.of(java.util.Arrays.copyOf(bytes, bytes.length - 20)));
        }
        Cli restore = cli("restore", "--manifest", damagedId, "--target", dir.resolve("t").toString());
        assertThat(restore.exitCode()).as(restore.toString()).isEqualTo(ExitCodes.INTEGRITY);
        assertThat(restore.err()).contains(damagedId, "damaged");
        Cli show = cli("show", damagedId);
        assertThat(show.exitCode()).as(show.toString()).isEqualTo(ExitCodes.INTEGRITY);
    }

    @Test
    void missingLocationIsNotFound() {
        List<String> missing = new java.util.ArrayList<>(backend().connectionArgs());
        missing.add(0, backend().missingLocationUrl());
        missing.add(0, "--repo");
        for (String command : List.of("list", "push")) {
            List<String> args = new java.util.ArrayList<>(List.of(command));
            if (command.equals("push")) {
                args.addAll(List.of(sources()));
            }
            Cli run = Cli.run(missing, args.toArray(String[]::new));
            assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.NOT_FOUND);
            assertThat(run.err()).as(run.toString()).contains(backend().missingLocationReason()).doesNotContain("\tat ");
        }
    }

    @Test
    void unknownBackupIsNotFound() {
        Cli run = cli("restore", "--manifest", "20200101T000000.000Z-00000000", "--target", dir.resolve("t").toString());
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.NOT_FOUND);
    }
}
