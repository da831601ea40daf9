package dev.s3backup.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.cli.ExitCodes;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.store.FileObjectStore;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.InflaterInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input through the command line on a file:// repository: a manifest that would write
 * outside the target, a link already in the target that leads outside, and chunks replaced by
 * other valid chunks or truncated. Each exits 4 with a message naming the problem; a sentinel
 * directory beside the target is never written to; no file with wrong content is left under its
 * name. (The unit-level cases are in core's RestoreTest and CorruptChunkPropertyTest.)
 */
class HostileInputCliTest {
    @TempDir
    Path dir;
    Path repoDir;
    List<String> conn;
    Path target;
    Path sentinel;

    @BeforeEach
    void setUp() throws IOException {
        repoDir = dir.resolve("repo");
        conn = List.of("--repo", repoDir.toUri().toString());
        assertThat(Cli.run(conn, "init", "--chunk-size", "64KiB").exitCode()).isZero();
        target = dir.resolve("target");
        sentinel = Files.createDirectories(dir.resolve("sentinel"));
    }

    private Cli restore(String... extra) {
        List<String> args = new ArrayList<>(List.of("restore", "--manifest", "latest", "--target", target.toString()));
        args.addAll(List.of(extra));
        return Cli.run(conn, args.toArray(String[]::new));
    }

    private void assertRefused(Cli run, String... messageParts) throws IOException {
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.INTEGRITY);
        assertThat(run.err()).contains(messageParts);
        assertThat(tree(sentinel)).as("the sentinel beside the target").isEmpty();
        assertThat(dir.resolve("evil")).doesNotExist();
    }

    /** verify judges with restore's own check: a manifest restore refuses is not restorable. */
    private void assertVerifySaysNotRestorable() {
        Cli verify = Cli.run(conn, "verify");
        assertThat(verify.exitCode()).as(verify.toString()).isEqualTo(ExitCodes.INTEGRITY);
        assertThat(verify.err()).contains("cannot be restored");
    }

    @Test
    void aManifestClimbingOutOfTheTargetIsRefused() throws IOException {
        // "QQ/QQ/QQ" becomes "../../evil" once the body is edited and its checksum fixed up.
        commit(List.of(file("n", "QQ/QQ/QQ/evil", "x"), file("n", "fine", "y")), Map.of("QQ/QQ/QQ/evil", "../../../evil"));

        // The decoder refuses it already: such a path breaks a rule of the format.
        assertRefused(restore(), "'../../../evil'", "'..' segment");
        assertThat(target).satisfiesAnyOf(t -> assertThat(t).doesNotExist(), t -> assertThat(t).isEmptyDirectory());
        assertVerifySaysNotRestorable();
    }

    @Test
    void aLinkOutOfTheTargetThenAFileThroughItIsRefused() throws IOException {
        commit(List.of(Entry.symlink("n", "a/link", 0, sentinel.toString()), file("n", "a/link/passwd", "root::0:0")),
                Map.of());

        assertRefused(restore(), "n/a/link", "unsafe", "nothing was written");
        assertThat(target).satisfiesAnyOf(t -> assertThat(t).doesNotExist(), t -> assertThat(t).isEmptyDirectory());
        assertVerifySaysNotRestorable();
    }

    @Test
    void aLinkOutOfTheTargetIsRestoredAsALinkAndNothingIsWrittenThroughIt() throws IOException {
        commit(List.of(Entry.symlink("n", "to-sentinel", 0, sentinel.toString()),
                Entry.symlink("n", "climb", 0, "../../sentinel/evil"), file("n", "fine", "y")), Map.of());

        Cli verify = Cli.run(conn, "verify", "--read-data");
        assertThat(verify.exitCode()).as(verify.toString()).isZero();
        Cli restore = restore();
        assertThat(restore.exitCode()).as(restore.toString()).isZero();
        assertThat(Files.readSymbolicLink(target.resolve("n/to-sentinel"))).isEqualTo(sentinel);
        assertThat(Files.readSymbolicLink(target.resolve("n/climb"))).isEqualTo(Path.of("../../sentinel/evil"));
        // Again over the restored links, with --force and with --delta: replaced, never followed.
        assertThat(restore("--force").exitCode()).isZero();
        assertThat(restore("--delta").exitCode()).isZero();
        assertThat(tree(sentinel)).as("the sentinel beside the target").isEmpty();
    }

    @Test
    void aFileBeforeTheLinkAboveItIsRefused() throws IOException {
        commit(List.of(file("n", "a/link/passwd", "root::0:0"), Entry.symlink("n", "a/link", 0, "../../../sentinel")),
                Map.of());

        assertRefused(restore(), "unsafe", "nothing was written");
        assertVerifySaysNotRestorable();
    }

    @Test
    void aLinkAlreadyInTheTargetLeadingOutsideIsNotFollowed() throws IOException {
        commit(List.of(Entry.directory("n", "deep", 0755, 0), Entry.directory("n", "deep/sub", 0755, 0),
                file("n", "deep/sub/x", "data")), Map.of());
        Files.createDirectories(target.resolve("n"));
        Files.createSymbolicLink(target.resolve("n/deep"), sentinel);

        assertRefused(restore("--force"), "leads outside");
    }

    @Test
    void aChunkReplacedByAnotherValidChunkOrTruncatedIsReportedAndNeverRestored() throws IOException {
        Path data = SampleData.create(dir.resolve("data"), 3);
        Path node = data.resolve(SampleData.NODE_A);
        Cli push = Cli.run(conn, "push", node.toString());
        assertThat(push.exitCode()).as(push.toString()).isZero();
        // 000001.sst and 000002.sst start with a full 64 KiB chunk each: same length, other content.
        Path first = chunkFile(Arrays.copyOf(Files.readAllBytes(node.resolve("000001.sst")), 64 << 10));
        Path second = chunkFile(Arrays.copyOf(Files.readAllBytes(node.resolve("000002.sst")), 64 << 10));
        Path third = chunkFile(Arrays.copyOf(Files.readAllBytes(node.resolve("000003.sst")), 64 << 10));
        Files.copy(second, first, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.write(third, Arrays.copyOf(Files.readAllBytes(third), 1000));

        Cli restore = restore();
        assertThat(restore.exitCode()).as(restore.toString()).isEqualTo(ExitCodes.INTEGRITY);
        assertThat(restore.err()).contains("000001.sst", "000003.sst", "corrupt");
        String restored = target.resolve(SampleData.NODE_A).toString();
        assertThat(Path.of(restored, "000001.sst")).doesNotExist();
        assertThat(Path.of(restored, "000003.sst")).doesNotExist();
        assertThat(Path.of(restored, "000002.sst")).hasSameBinaryContentAs(node.resolve("000002.sst"));
        assertThat(tree(target)).noneMatch(p -> p.contains("s3backup-partial"));

        Cli verify = Cli.run(conn, "verify", "--read-data");
        assertThat(verify.exitCode()).as(verify.toString()).isEqualTo(ExitCodes.INTEGRITY);
        assertThat(verify.err() + verify.out()).contains("000001.sst", "000003.sst");
    }

    // ---- helpers ---------------------------------------------------------------------------

    private Path chunkFile(byte[] content) throws IOException {
        String hex = HexFormat.of().formatHex(sha256(content));
        Path p = repoDir.resolve("chunks").resolve(hex.substring(0, 2)).resolve(hex);
        assertThat(p).exists();
        return p;
    }

    private Entry file(String node, String path, String content) {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        Sha256 hash = Sha256.of(sha256(bytes));
        Path chunk = repoDir.resolve("chunks").resolve(hash.toString().substring(0, 2)).resolve(hash.toString());
        try {
            Files.createDirectories(chunk.getParent());
            Files.write(chunk, bytes);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return Entry.file(node, path, 0644, 0, bytes.length, hash, List.of(new ChunkRef(hash, bytes.length)));
    }

    /**
     * Commits a manifest of {@code entries}, with each placeholder of {@code replace} put in its
     * body in place of the safe path the writer insisted on, and the checksum fixed up: what an
     * attacker with write access to the bucket could store.
     */
    private void commit(List<Entry> entries, Map<String, String> replace) throws IOException {
        String id = BackupId.generate(Instant.parse("2026-11-25T09:00:00Z"), new SplittableRandom(entries.size()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ManifestWriter w = ManifestCodec.newWriter(out, new ManifestHeader(id, "", Instant.EPOCH, "test", "host",
                null, List.of(new Node("n", "/src/n")), Map.of()))) {
            for (Entry e : entries) {
                w.write(e);
            }
            w.finish();
        }
        byte[] manifest = out.toByteArray();
        if (!replace.isEmpty()) {
            int prefix = 9;
            byte[] body = new InflaterInputStream(new java.io.ByteArrayInputStream(manifest, prefix,
                    manifest.length - prefix - 32)).readAllBytes();
            String text = new String(body, StandardCharsets.ISO_8859_1);
            for (Map.Entry<String, String> r : replace.entrySet()) {
                assertThat(r.getValue()).hasSameSizeAs(r.getKey());
                assertThat(text).contains(r.getKey());
                text = text.replace(r.getKey(), r.getValue());
            }
            Deflater deflater = new Deflater();
            deflater.setInput(text.getBytes(StandardCharsets.ISO_8859_1));
            deflater.finish();
            ByteArrayOutputStream rebuilt = new ByteArrayOutputStream();
            rebuilt.write(manifest, 0, prefix);
            byte[] buf = new byte[8192];
            while (!deflater.finished()) {
                rebuilt.write(buf, 0, deflater.deflate(buf));
            }
            deflater.end();
            rebuilt.writeBytes(sha256(rebuilt.toByteArray()));
            manifest = rebuilt.toByteArray();
        }
        Path file = Files.write(dir.resolve("manifest-" + id), manifest);
        Repository.open(new FileObjectStore(repoDir)).commitManifest(id, file);
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> tree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !p.equals(root)).map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }
}
