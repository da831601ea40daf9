package dev.s3backup.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.cli.ExitCodes;
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
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * verify and drill end to end against one backend, with damage injected into the store as a
 * failing disk, a buggy tool or an attacker would leave it: a deleted chunk, a flipped byte, a
 * truncated manifest, a manifest naming a chunk that never existed. Each must be found by verify
 * and by drill, with exit code 4 and a message naming the affected files or backup.
 */
abstract class VerifyDrillSuite {
    private static final int CHUNK = 64 << 10;

    @TempDir
    Path dir;
    Path data;
    Path temp;
    String repo;
    List<String> conn;
    String backupId;

    abstract Backend backend();

    @BeforeEach
    void pushSampleData(TestInfo info) throws IOException {
        data = SampleData.create(dir.resolve("snapshot"), 7);
        temp = Files.createDirectories(dir.resolve("tmp"));
        repo = backend().newRepoUrl("vd-" + info.getTestMethod().orElseThrow().getName());
        conn = new ArrayList<>(backend().connectionArgs());
        conn.add(0, repo);
        conn.add(0, "--repo");
        Cli init = cli("init", "--chunk-size", "64KiB");
        assertThat(init.exitCode()).as(init.toString()).isZero();
        Cli push = cli("push", "--json", data.resolve(SampleData.NODE_A).toString(),
                data.resolve(SampleData.NODE_B).toString(), data.resolve("coordinator.bin").toString());
        assertThat(push.exitCode()).as(push.toString()).isZero();
        backupId = EndToEndSuite.backupId(push);
    }

    Cli cli(String... args) {
        return Cli.run(conn, args);
    }

    Cli drill(String... extra) {
        List<String> args = new ArrayList<>(List.of("drill", "--temp-dir", temp.toString()));
        args.addAll(List.of(extra));
        return cli(args.toArray(String[]::new));
    }

    void assertNothingLeft() throws IOException {
        try (Stream<Path> s = Files.list(temp)) {
            assertThat(s.toList()).as("drill leftovers").isEmpty();
        }
    }

    /** The object key of bytes [from, to) of a sample file: one of its chunks. */
    String chunkKey(String relative, int chunkIndex) throws IOException {
        byte[] all = Files.readAllBytes(data.resolve(relative));
        byte[] chunk = Arrays.copyOfRange(all, chunkIndex * CHUNK, Math.min(all.length, (chunkIndex + 1) * CHUNK));
        String hex = Sha256.digest(chunk, 0, chunk.length).hex();
        return "chunks/" + hex.substring(0, 2) + "/" + hex;
    }

    static byte[] read(ObjectStore store, String key) throws IOException {
        try (InputStream in = store.get(key)) {
            return in.readAllBytes();
        }
    }

    @Test
    void intactBackupPassesEveryTierAndTheDrill() throws IOException {
        Cli verify = cli("verify", "--read-data", "--json");
        assertThat(verify.exitCode()).as(verify.toString()).isEqualTo(ExitCodes.OK);
        assertThat(verify.out()).contains("\"ok\":true", "\"problems\":[]");
        Path junit = dir.resolve("reports/drill.xml");
        Cli drill = drill("--check", "test -f {dir}/coordinator.bin && test -d {dir}/" + SampleData.NODE_A,
                "--junit", junit.toString());
        assertThat(drill.exitCode()).as(drill.toString()).isEqualTo(ExitCodes.OK);
        assertThat(Files.readString(junit)).contains("failures=\"0\"", "errors=\"0\"", "name=\"check\"");
        assertNothingLeft();
    }

    @Test
    void deletedChunkIsFoundByVerifyAndByDrill() throws IOException {
        String victim = SampleData.NODE_A + "/000002.sst";
        try (ObjectStore store = backend().openStore(repo)) {
            assertThat(store.delete(List.of(chunkKey(victim, 1))).complete()).isTrue();
        }
        Cli verify = cli("verify");
        assertThat(verify.exitCode()).as(verify.toString()).isEqualTo(ExitCodes.INTEGRITY);
        assertThat(verify.err()).contains("is missing", victim, backupId);
        Cli drill = drill();
        assertThat(drill.exitCode()).as(drill.toString()).isEqualTo(ExitCodes.INTEGRITY);
        assertThat(drill.err()).contains("did not restore", victim, "missing");
        assertNothingLeft();
    }

    @Test
    void flippedByteIsFoundByReadDataAndByDrill() throws IOException {
        String victim = SampleData.NODE_B + "/000003.sst";
        String key = chunkKey(victim, 2);
        try (ObjectStore store = backend().openStore(repo)) {
            byte[] bytes = read(store, key);
            bytes[bytes.length / 3] ^= 0x10;
            assertThat(store.delete(List.of(key)).complete()).isTrue();
            store.putIfAbsent(key, Payload.of(bytes));
        }
        Cli tier1 = cli("verify");
        assertThat(tier1.exitCode()).as("same size: the listing cannot see it; " + tier1).isEqualTo(ExitCodes.OK);
        Cli verify = cli("verify", "--read-data");
        assertThat(verify.exitCode()).as(verify.toString()).isEqualTo(ExitCodes.INTEGRITY);
        assertThat(verify.err()).contains("is corrupt", victim);
        Cli drill = drill("--json");
        assertThat(drill.exitCode()).as(drill.toString()).isEqualTo(ExitCodes.INTEGRITY);
        assertThat(drill.out()).contains("\"outcome\":\"damaged\"", "\"path\":\"" + victim + "\"");
        assertThat(drill.err()).contains(victim, "corrupt");
        assertNothingLeft();
    }

    @Test
    void truncatedManifestIsFoundByVerifyAndByDrill() throws IOException {
        String damaged = "20200101T000000.000Z-0badf00d";
        try (ObjectStore store = backend().openStore(repo)) {
            byte[] bytes = read(store, "manifests/" + backupId);
            store.putIfAbsent("manifests/" + damaged, Payload.of(Arrays.copyOf(bytes, bytes.length / 2)));
        }
        Cli verify = cli("verify");
        assertThat(verify.exitCode()).as(verify.toString()).isEqualTo(ExitCodes.INTEGRITY);
        assertThat(verify.err()).contains("backup " + damaged + " cannot be restored", "damaged", "1 of 2 backup(s)");
        Cli one = cli("verify", "-m", backupId);
        assertThat(one.exitCode()).as("the intact backup alone passes").isEqualTo(ExitCodes.OK);
        Cli drill = drill("-m", damaged);
        assertThat(drill.exitCode()).as(drill.toString()).isEqualTo(ExitCodes.INTEGRITY);
        assertThat(drill.err()).contains(damaged, "manifest is damaged");
        assertNothingLeft();
    }

    @Test
    void manifestNamingAChunkThatNeverExistedIsFoundByVerifyAndByDrill() throws IOException {
        byte[] ghostContent = "never uploaded".getBytes();
        Sha256 ghost = Sha256.digest(ghostContent, 0, ghostContent.length);
        Instant created = Instant.parse("2030-01-01T00:00:00Z");
        String id = BackupId.generate(created, new SplittableRandom(1));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ManifestWriter w = ManifestCodec.newWriter(out, new ManifestHeader(id, "crafted", created, "it", "host",
                null, List.of(new Node("n1", "/nowhere")), Map.of()))) {
            w.write(Entry.file("n1", "000009.sst", 0644, 0, ghostContent.length, ghost,
                    List.of(new ChunkRef(ghost, ghostContent.length))));
            w.finish();
        }
        try (ObjectStore store = backend().openStore(repo)) {
            store.putIfAbsent("manifests/" + id, Payload.of(out.toByteArray()));
        }
        Cli verify = cli("verify", "--json");
        assertThat(verify.exitCode()).as(verify.toString()).isEqualTo(ExitCodes.INTEGRITY);
        assertThat(verify.out()).contains("\"chunk\":\"" + ghost.hex() + "\"", "\"kind\":\"missing\"",
                "\"damagedFiles\":[\"n1/000009.sst\"]");
        Cli drill = drill();
        assertThat(drill.exitCode()).as("latest is the crafted backup; " + drill).isEqualTo(ExitCodes.INTEGRITY);
        assertThat(drill.err()).contains(id, "n1/000009.sst", "missing");
        assertNothingLeft();
    }
}
