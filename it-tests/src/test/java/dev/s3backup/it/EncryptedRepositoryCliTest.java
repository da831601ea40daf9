package dev.s3backup.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.cli.ExitCodes;
import dev.s3backup.core.store.FileObjectStore;
import dev.s3backup.core.store.ObjectInfo;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.Payload;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An encrypted repository as an operator meets it (issue #14): keys from a passphrase file, a
 * command and a key file; rotation; every wrong key refused with exit 6 before anything is
 * written; a tampered or swapped object found and named; and no byte of the source, no file name
 * and no secret readable in any stored object.
 */
class EncryptedRepositoryCliTest {
    private static final Pattern BACKUP_ID = Pattern.compile("\"backupId\":\"([^\"]+)\"");
    private static final String PASSPHRASE = "correct horse battery staple " + System.nanoTime();

    @TempDir
    Path dir;
    Path data;
    Path repoDir;
    Path passwordFile;

    @BeforeEach
    void setUp() throws IOException {
        data = SampleData.create(dir.resolve("snapshot"), 7);
        // text that compresses, and a name to look for in the bucket
        Files.writeString(data.resolve(SampleData.NODE_A).resolve("LOG.old-findme"),
                "compaction finished for table orders-2026 at level 3\n".repeat(4000));
        repoDir = dir.resolve("repo");
        passwordFile = dir.resolve("passphrase");
        Files.writeString(passwordFile, PASSPHRASE + "\n");
    }

    private List<String> conn(String... keyArgs) {
        List<String> c = new ArrayList<>(List.of("--repo", repoDir.toUri().toString()));
        c.addAll(List.of(keyArgs));
        return c;
    }

    private Cli withPassphrase(String... args) {
        return Cli.run(conn("--password-file", passwordFile.toString()), args);
    }

    private String push(Cli run) {
        assertThat(run.exitCode()).as(run.toString()).isZero();
        Matcher m = BACKUP_ID.matcher(run.out());
        assertThat(m.find()).as(run.toString()).isTrue();
        return m.group(1);
    }

    @Test
    void nothingOfTheSourceIsReadableInTheBucketAndEveryCommandWorks() throws IOException {
        Cli init = withPassphrase("init", "--chunk-size", "64KiB");
        assertThat(init.exitCode()).as(init.toString()).isZero();
        assertThat(init.out()).contains("Encrypted (aes-256-gcm, compression zstd)");
        String first = push(withPassphrase("push", "--json", data.toString()));
        Files.writeString(data.resolve(SampleData.NODE_B).resolve("000099.sst"), "new table");
        String second = push(withPassphrase("push", "--json", data.toString()));

        List<byte[]> needles = new ArrayList<>();
        try (Stream<Path> files = Files.walk(data)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                byte[] content = Files.readAllBytes(f);
                for (int off = 0; off + 24 <= content.length; off += Math.max(24, content.length / 5)) {
                    needles.add(java.util.Arrays.copyOfRange(content, off, off + 24));
                }
                String name = f.getFileName().toString();
                if (name.length() >= 8) { // shorter ones may turn up in random bytes by chance
                    needles.add(name.getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        needles.add(PASSPHRASE.getBytes(StandardCharsets.UTF_8));
        needles.add("LOG.old-findme".getBytes(StandardCharsets.UTF_8));
        long stored = 0;
        int objects = 0;
        try (Stream<Path> files = Files.walk(repoDir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                byte[] object = Files.readAllBytes(f);
                objects++;
                if (f.toString().contains("/chunks/")) {
                    stored += object.length;
                }
                for (byte[] needle : needles) {
                    assertThat(indexOf(object, needle)).as("%s holds '%s' in the clear", repoDir.relativize(f),
                            new String(needle, StandardCharsets.ISO_8859_1)).isEqualTo(-1);
                }
            }
        }
        assertThat(objects).isGreaterThan(10);
        long source;
        try (Stream<Path> files = Files.walk(data)) {
            source = files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
        assertThat(stored).as("the log compresses").isLessThan(source - 150_000);

        Cli verify = withPassphrase("verify", "--read-data");
        assertThat(verify.exitCode()).as(verify.toString()).isZero();
        Cli forget = withPassphrase("forget", first);
        assertThat(forget.exitCode()).as(forget.toString()).isZero();
        Cli gc = withPassphrase("gc", "--grace", "0s");
        assertThat(gc.exitCode()).as(gc.toString()).isZero();
        Path target = dir.resolve("restored");
        Cli restore = withPassphrase("restore", "--manifest", second, "--target", target.toString());
        assertThat(restore.exitCode()).as(restore.toString()).isZero();
        TreeAssert.assertSameTree(data, target.resolve("snapshot"));
        Path temp = Files.createDirectories(dir.resolve("drill"));
        Cli drill = withPassphrase("drill", "--temp-dir", temp.toString());
        assertThat(drill.exitCode()).as(drill.toString()).isZero();
    }

    @Test
    void everyWrongOrMissingKeyIsRefusedBeforeAnythingIsWritten() throws IOException {
        assertThat(withPassphrase("init").exitCode()).isZero();
        push(withPassphrase("push", "--json", data.toString()));
        List<String> before = listing();

        Path wrong = dir.resolve("wrong");
        Files.writeString(wrong, "not it\n");
        Cli wrongPass = Cli.run(conn("--password-file", wrong.toString()), "push", data.toString());
        assertThat(wrongPass.exitCode()).as(wrongPass.toString()).isEqualTo(ExitCodes.ACCESS_DENIED);
        assertThat(wrongPass.err()).contains("wrong passphrase").doesNotContain("not it").doesNotContain("\tat ");

        Cli none = Cli.run(conn(), "list");
        assertThat(none.exitCode()).as(none.toString()).isEqualTo(ExitCodes.ACCESS_DENIED);
        assertThat(none.err()).contains("encrypted", "--password-file");

        Path otherRepo = dir.resolve("other");
        Path otherKey = dir.resolve("other.key");
        Cli otherInit = Cli.run(List.of("--repo", otherRepo.toUri().toString(), "--key-file", otherKey.toString()), "init");
        assertThat(otherInit.exitCode()).as(otherInit.toString()).isZero();
        Cli foreignKey = Cli.run(conn("--key-file", otherKey.toString()), "list");
        assertThat(foreignKey.exitCode()).as(foreignKey.toString()).isEqualTo(ExitCodes.ACCESS_DENIED);
        assertThat(foreignKey.err()).contains("key file opens none");

        Cli failingCommand = Cli.run(conn("--password-command", "exit 3"), "list");
        assertThat(failingCommand.exitCode()).as(failingCommand.toString()).isEqualTo(ExitCodes.ACCESS_DENIED);
        Cli command = Cli.run(conn("--password-command", "cat " + passwordFile), "list", "--json");
        assertThat(command.exitCode()).as(command.toString()).isZero();

        assertThat(listing()).as("nothing written by the refused commands").isEqualTo(before);
        Cli plainInit = Cli.run(List.of("--repo", repoDir.toUri().toString()), "init");
        assertThat(plainInit.exitCode()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void slotsRotateWithoutReencryptingAndTheLastOneStays() throws IOException {
        assertThat(withPassphrase("init").exitCode()).isZero();
        String id = push(withPassphrase("push", "--json", data.toString()));
        Path keyFile = dir.resolve("ops.key");
        Cli add = withPassphrase("key", "add", "--new-key-file", keyFile.toString());
        assertThat(add.exitCode()).as(add.toString()).isZero();
        assertThat(Files.getPosixFilePermissions(keyFile)).hasSize(2);
        Cli list = Cli.run(conn("--key-file", keyFile.toString()), "key", "list", "--json");
        assertThat(list.exitCode()).as(list.toString()).isZero();
        Matcher passSlot = Pattern.compile("\"id\":\"([0-9a-f]+)\",\"kind\":\"passphrase\"").matcher(list.out());
        assertThat(passSlot.find()).as(list.out()).isTrue();
        assertThat(list.out()).contains("\"kind\":\"key-file\"", "\"current\":true");

        Cli remove = Cli.run(conn("--key-file", keyFile.toString()), "key", "remove", passSlot.group(1));
        assertThat(remove.exitCode()).as(remove.toString()).isZero();
        Cli oldPass = withPassphrase("list");
        assertThat(oldPass.exitCode()).as("the removed passphrase opens nothing").isEqualTo(ExitCodes.ACCESS_DENIED);
        Path target = dir.resolve("restored");
        Cli restore = Cli.run(conn("--key-file", keyFile.toString()), "restore", "--manifest", id, "--target",
                target.toString());
        assertThat(restore.exitCode()).as(restore.toString()).isZero();
        TreeAssert.assertSameTree(data, target.resolve("snapshot"));

        Cli slots = Cli.run(conn("--key-file", keyFile.toString()), "key", "list", "--json");
        Matcher last = Pattern.compile("\"id\":\"([0-9a-f]+)\"").matcher(slots.out());
        assertThat(last.find()).isTrue();
        Cli removeLast = Cli.run(conn("--key-file", keyFile.toString()), "key", "remove", last.group(1));
        assertThat(removeLast.exitCode()).as(removeLast.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(removeLast.err()).contains("last one");
    }

    @Test
    void aSwappedChunkFailsAuthenticationAndRestoreNamesTheFileAndRestoresTheRest() throws IOException {
        assertThat(withPassphrase("init", "--chunk-size", "64KiB").exitCode()).isZero();
        String id = push(withPassphrase("push", "--json", data.toString()));
        Cli show = withPassphrase("show", id, "--files", "--json");
        Matcher a = Pattern.compile("\"path\":\"" + SampleData.NODE_A
                + "/000001.sst\"[^}]*\"chunkAddresses\":\\[\"([0-9a-f]{64})\"").matcher(show.out());
        Matcher b = Pattern.compile("\"path\":\"" + SampleData.NODE_B
                + "/000001.sst\"[^}]*\"chunkAddresses\":\\[\"([0-9a-f]{64})\"").matcher(show.out());
        assertThat(a.find() && b.find()).as(show.out()).isTrue();
        // an attacker with write access puts B's sealed body under A's key
        try (ObjectStore store = new FileObjectStore(repoDir)) {
            String keyA = "chunks/" + a.group(1).substring(0, 2) + "/" + a.group(1);
            String keyB = "chunks/" + b.group(1).substring(0, 2) + "/" + b.group(1);
            byte[] bodyB;
            try (InputStream in = store.get(keyB)) {
                bodyB = in.readAllBytes();
            }
            assertThat(store.delete(List.of(keyA)).complete()).isTrue();
            store.putIfAbsent(keyA, Payload.of(bodyB));
        }
        Path target = dir.resolve("restored");
        Cli restore = withPassphrase("restore", "--manifest", id, "--target", target.toString());
        assertThat(restore.exitCode()).as(restore.toString()).isEqualTo(ExitCodes.INTEGRITY);
        assertThat(restore.err()).contains(SampleData.NODE_A + "/000001.sst", "authentication");
        assertThat(target.resolve("snapshot").resolve(SampleData.NODE_A).resolve("000001.sst")).doesNotExist();
        TreeAssert.assertSameTree(data.resolve(SampleData.NODE_B), target.resolve("snapshot").resolve(SampleData.NODE_B));
        Cli verify = withPassphrase("verify", "--read-data");
        assertThat(verify.exitCode()).as(verify.toString()).isEqualTo(ExitCodes.INTEGRITY);
    }

    private List<String> listing() {
        List<String> keys = new ArrayList<>();
        try (ObjectStore store = new FileObjectStore(repoDir)) {
            for (Iterator<ObjectInfo> it = store.listAll(""); it.hasNext(); ) {
                keys.add(it.next().key());
            }
        }
        return keys;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
