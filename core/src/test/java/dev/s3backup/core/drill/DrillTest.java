package dev.s3backup.core.drill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.core.drill.DrillResult.Outcome;
import dev.s3backup.core.drill.DrillResult.Step;
import dev.s3backup.core.push.Fixtures;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.repo.RepositoryLayout;
import dev.s3backup.core.restore.RestoreProgress;
import dev.s3backup.core.store.InMemoryObjectStore;
import dev.s3backup.core.store.Payload;
import dev.s3backup.manifest.BackupId;
import dev.s3backup.manifest.Entry;
import dev.s3backup.manifest.ManifestCodec;
import dev.s3backup.manifest.ManifestHeader;
import dev.s3backup.manifest.ManifestWriter;
import dev.s3backup.manifest.Node;
import dev.s3backup.manifest.Sha256;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DrillTest {
    @TempDir
    Path dir;
    Path temp;
    Path data;
    InMemoryObjectStore store;
    String backupId;
    final List<String> output = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void setUp() throws IOException {
        store = new InMemoryObjectStore();
        Repository.init(store, 64 << 10);
        data = dir.resolve("data");
        Fixtures.write(data.resolve("n1/000001.sst"), Fixtures.randomBytes(150_000, 1));
        Fixtures.write(data.resolve("n1/CURRENT"), "MANIFEST-000001\n".getBytes());
        Fixtures.write(data.resolve("n2/000002.sst"), Fixtures.randomBytes(20_000, 2));
        Files.setPosixFilePermissions(data.resolve("n1/000001.sst"), PosixFilePermissions.fromString("r--r-----"));
        Files.createDirectories(data.resolve("n2/locked"));
        Fixtures.write(data.resolve("n2/locked/inner.log"), new byte[10]);
        Files.setPosixFilePermissions(data.resolve("n2/locked"), PosixFilePermissions.fromString("r-xr-xr-x"));
        backupId = Fixtures.push(store, Fixtures.node("n1", data.resolve("n1")), Fixtures.node("n2", data.resolve("n2")))
                .backupId();
        temp = Files.createDirectories(dir.resolve("tmp"));
    }

    private DrillOptions options() {
        return DrillOptions.defaults().withTempRoot(temp);
    }

    private Drill drill(DrillOptions options) {
        return new Drill(Repository.open(store), options, Clock.systemUTC(), new RestoreProgress(), output::add);
    }

    private List<Path> leftInTemp() throws IOException {
        try (Stream<Path> s = Files.list(temp)) {
            return s.toList();
        }
    }

    private static List<String> names(DrillResult r, Step.Status status) {
        return r.steps().stream().filter(s -> s.status() == status).map(Step::name).toList();
    }

    @Test
    void cleanBackupPassesEveryStageAndLeavesNothing() throws IOException {
        DrillResult r = drill(options()).run();
        assertThat(r.outcome()).as(r.message()).isEqualTo(Outcome.PASSED);
        assertThat(r.backupId()).isEqualTo(backupId);
        assertThat(names(r, Step.Status.PASSED)).containsExactly("resolve", "manifest", "space", "restore", "tree", "cleanup");
        assertThat(names(r, Step.Status.SKIPPED)).containsExactly("check");
        assertThat(r.files()).isEqualTo(4);
        assertThat(r.bytes()).isEqualTo(150_000 + 16 + 20_000 + 10);
        assertThat(r.restoreDuration()).isPositive();
        assertThat(r.leftovers()).isEmpty();
        assertThat(leftInTemp()).as("read-only files and directories are removed too").isEmpty();
    }

    @Test
    void checkCommandRunsInTheRestoredDirectoryWithItsPathInTheEnvironment() throws IOException {
        String cmd = "test -f {dir}/n1/000001.sst && test \"$S3BACKUP_DRILL_DIR\" = \"$(pwd)\" "
                + "&& test \"$S3BACKUP_DRILL_BACKUP_ID\" = " + backupId + " && echo checked $(ls n1 | wc -l) files";
        DrillResult r = drill(options().withCheck(cmd, Duration.ofSeconds(30)).withRehash(true)).run();
        assertThat(r.outcome()).as(r.message()).isEqualTo(Outcome.PASSED);
        assertThat(names(r, Step.Status.PASSED)).contains("rehash", "check");
        assertThat(r.check().exitCode()).isZero();
        assertThat(r.check().outputTail()).contains("checked 2 files");
        assertThat(output).containsExactly("checked 2 files");
        assertThat(leftInTemp()).isEmpty();
    }

    @Test
    void failingCheckFailsTheDrillWithItsExitCodeAndOutput() throws IOException {
        DrillResult r = drill(options().withCheck("echo opening db; echo 'Corruption: bad block' >&2; exit 3",
                Duration.ofSeconds(30))).run();
        assertThat(r.outcome()).isEqualTo(Outcome.CHECK_FAILED);
        assertThat(r.outcome().reason()).isEqualTo(dev.s3backup.core.BackupException.Reason.INTEGRITY);
        assertThat(r.message()).contains("exit code 3", backupId, "Corruption: bad block");
        assertThat(r.check().outputTail()).contains("opening db", "Corruption: bad block");
        assertThat(r.steps()).filteredOn(s -> s.name().equals("check")).singleElement()
                .satisfies(s -> assertThat(s.output()).contains("Corruption"));
        assertThat(leftInTemp()).isEmpty();
    }

    @Test
    void commandNotFoundIsNamed() {
        DrillResult r = drill(options().withCheck("no-such-command-s3backup", Duration.ofSeconds(30))).run();
        assertThat(r.outcome()).isEqualTo(Outcome.CHECK_FAILED);
        assertThat(r.message()).contains("127", "command not found");
    }

    @Test
    void hangingCheckIsStoppedAtItsTimeoutWithEverythingItStarted() throws Exception {
        Path pidFile = dir.resolve("pid");
        long t0 = System.nanoTime();
        DrillResult r = drill(options().withCheck("sleep 60 & echo $! > " + pidFile + "; wait", Duration.ofSeconds(1))).run();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
        assertThat(r.outcome()).isEqualTo(Outcome.CHECK_TIMEOUT);
        assertThat(r.message()).contains("did not finish within 1.00 s", "stopped");
        assertThat(r.check().timedOut()).isTrue();
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        assertThat(running(pid)).as("the background sleep").isFalse();
        assertThat(leftInTemp()).isEmpty();
    }

    @Test
    void unknownBackupIsNotFoundAndCreatesNothing() throws IOException {
        DrillResult r = drill(options().withBackup("20200101T000000.000Z-00000000")).run();
        assertThat(r.outcome()).isEqualTo(Outcome.NOT_FOUND);
        assertThat(r.message()).contains("20200101T000000.000Z-00000000");
        assertThat(r.workDir()).isNull();
        assertThat(names(r, Step.Status.FAILED)).containsExactly("resolve");
        assertThat(names(r, Step.Status.SKIPPED)).containsExactly("manifest", "space", "restore", "tree", "check");
        assertThat(leftInTemp()).isEmpty();
    }

    @Test
    void missingChunkFailsTheRestoreNamingTheFile() throws IOException {
        byte[] current = Files.readAllBytes(data.resolve("n1/CURRENT"));
        store.remove(RepositoryLayout.chunkKey(Sha256.digest(current, 0, current.length)));
        DrillResult r = drill(options()).run();
        assertThat(r.outcome()).isEqualTo(Outcome.DAMAGED);
        assertThat(r.message()).contains("n1/CURRENT", "missing");
        assertThat(r.restoreFailures()).extracting(f -> f.path()).containsExactly("n1/CURRENT");
        assertThat(names(r, Step.Status.FAILED)).containsExactly("restore");
        assertThat(leftInTemp()).isEmpty();
    }

    @Test
    void linksPointingOutsideAreDrilledAsLinksAndTheirTargetsLeftAlone() throws IOException {
        Path outside = Files.writeString(dir.resolve("outside.txt"), "outside");
        Files.createSymbolicLink(data.resolve("n1/abs"), outside);
        Files.createSymbolicLink(data.resolve("n1/climb"), Path.of("../../../outside.txt"));
        Fixtures.push(store, Fixtures.node("n1", data.resolve("n1")), Fixtures.node("n2", data.resolve("n2")));

        DrillResult r = drill(options().withRehash(true)).run();

        assertThat(r.outcome()).as(r.message()).isEqualTo(Outcome.PASSED);
        assertThat(outside).hasContent("outside");
        assertThat(leftInTemp()).isEmpty();
    }

    @Test
    void aManifestRestoreRefusesFailsTheDrillAsDamaged() throws IOException {
        String id = BackupId.generate(Instant.now().plusSeconds(60),
                new SplittableRandom(1));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ManifestWriter w = ManifestCodec.newWriter(out, new ManifestHeader(id, "",
                Instant.now(), "test", "host", null, List.of(new Node("n1", "/x")),
                Map.of()))) {
            w.write(Entry.symlink("n1", "etc", 0, "/etc"));
            w.write(Entry.directory("n1", "etc/sub", 0755, 0));
            w.finish();
        }
        store.putIfAbsent(RepositoryLayout.manifestKey(id), Payload.of(out.toByteArray()));

        DrillResult r = drill(options().withBackup(id)).run();

        assertThat(r.outcome()).isEqualTo(Outcome.DAMAGED);
        assertThat(r.message()).contains("n1/etc/sub", "below the symbolic link");
        assertThat(names(r, Step.Status.FAILED)).containsExactly("restore");
        assertThat(leftInTemp()).isEmpty();
    }

    @Test
    void truncatedManifestIsDamaged() throws IOException {
        byte[] m = store.content(RepositoryLayout.manifestKey(backupId));
        store.replace(RepositoryLayout.manifestKey(backupId), Arrays.copyOf(m, m.length - 10));
        DrillResult r = drill(options()).run();
        assertThat(r.outcome()).isEqualTo(Outcome.DAMAGED);
        assertThat(r.message()).contains(backupId, "manifest is damaged");
        assertThat(leftInTemp()).isEmpty();
    }

    @Test
    void tooLittleSpaceFailsBeforeRestoringAndCleansUp() throws IOException {
        DrillResult r = drill(options()).withFreeSpace(p -> 4096).run();
        assertThat(r.outcome()).isEqualTo(Outcome.NO_SPACE);
        assertThat(r.outcome().reason()).isEqualTo(dev.s3backup.core.BackupException.Reason.IO);
        assertThat(r.message()).contains("4.0 KiB free", "--temp-dir");
        assertThat(names(r, Step.Status.FAILED)).containsExactly("space");
        assertThat(leftInTemp()).isEmpty();
    }

    @Test
    void missingTempDirectoryIsAUsageError() {
        DrillResult r = drill(options().withTempRoot(dir.resolve("nope"))).run();
        assertThat(r.outcome()).isEqualTo(Outcome.INVALID_INPUT);
        assertThat(r.message()).contains("nope", "--temp-dir");
    }

    @Test
    void abortDuringTheCheckStopsItAndRemovesEverything() throws Exception {
        Drill drill = drill(options().withCheck("echo started; sleep 60", Duration.ofMinutes(5)));
        CompletableFuture<DrillResult> running = CompletableFuture.supplyAsync(drill::run);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!output.contains("started") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(output).contains("started");
        Path work = drill.workDir();
        assertThat(work).isDirectory();
        DrillResult aborted = drill.abort();
        assertThat(aborted.outcome()).isEqualTo(Outcome.INTERRUPTED);
        assertThat(aborted.message()).contains("interrupted", "removed " + work);
        assertThat(aborted.leftovers()).isEmpty();
        assertThat(aborted.steps()).filteredOn(s -> s.name().equals("check")).singleElement()
                .satisfies(s -> assertThat(s.status()).isEqualTo(Step.Status.FAILED));
        DrillResult finished = running.get(20, TimeUnit.SECONDS);
        assertThat(finished.outcome()).isEqualTo(Outcome.INTERRUPTED);
        assertThat(work).doesNotExist();
        assertThat(leftInTemp()).isEmpty();
        assertThat(drill.abort()).as("after the end, abort changes nothing").isNull();
    }

    @Test
    void keepLeavesTheRestoredDataAndNamesIt() throws IOException {
        DrillResult r = drill(options().withKeep(true)).run();
        assertThat(r.outcome()).isEqualTo(Outcome.PASSED);
        assertThat(r.leftovers()).containsExactly(r.workDir());
        assertThat(Path.of(r.workDir()).resolve("restored/n1/000001.sst")).exists();
    }

    @Test
    void oneNodeCanBeDrilled() throws IOException {
        DrillResult r = drill(options().withNode("n2").withCheck("test ! -e n1 && test -f n2/000002.sst",
                Duration.ofSeconds(30))).run();
        assertThat(r.outcome()).as(r.message()).isEqualTo(Outcome.PASSED);
        assertThat(r.files()).isEqualTo(2);
        DrillResult missing = drill(options().withNode("n9")).run();
        assertThat(missing.outcome()).isEqualTo(Outcome.NOT_FOUND);
        assertThat(missing.message()).contains("n9", "n1", "n2");
        assertThat(leftInTemp()).isEmpty();
    }

    /** Alive and not a zombie (this machine's init may never reap orphans). */
    private static boolean running(long pid) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                Path stat = Path.of("/proc/" + pid + "/stat");
                if (!Files.exists(stat) || Files.readString(stat).replaceFirst("^.*\\) ", "").startsWith("Z")) {
                    return false;
                }
            } else {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }

    @Test
    void packedSmallFilesAreRestoredAndReHashed() throws IOException {
        Path small = dir.resolve("small");
        for (int i = 0; i < 20; i++) {
            Fixtures.write(small.resolve("f" + i), Fixtures.randomBytes(100 + i, i));
        }
        new dev.s3backup.core.push.Push(Repository.open(store), Fixtures.options(), Fixtures.tickingClock(),
                new dev.s3backup.core.push.PushProgress()).packSmallFilesBelow(4096)
                .run(List.of(Fixtures.node("s", small)));
        DrillResult r = drill(options().withRehash(true).withCheck("test $(ls s | wc -l) -eq 20", Duration.ofSeconds(30))).run();
        assertThat(r.outcome()).as(r.message()).isEqualTo(Outcome.PASSED);
        assertThat(r.files()).isEqualTo(20);
        assertThat(leftInTemp()).isEmpty();
    }

    @Test
    void shellQuotingSurvivesAwkwardPaths() {
        assertThat(CheckRunner.shellQuote("/tmp/a b/it's")).isEqualTo("'/tmp/a b/it'\\''s'");
    }
}
