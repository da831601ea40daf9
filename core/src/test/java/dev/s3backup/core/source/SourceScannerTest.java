package dev.s3backup.core.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.manifest.EntryType;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourceScannerTest {
    @TempDir
    Path dir;

    private final List<String> warnings = new ArrayList<>();
    private final SourceScanner scanner = new SourceScanner(warnings::add);

    @Test
    void walksDepthFirstInSortedOrderWithRelativePaths() throws Exception {
        Path node = Files.createDirectories(dir.resolve("n"));
        // Created out of order: the file system's listing order must not leak into the backup.
        for (String f : List.of("b/z.sst", "c.log", "a.sst", "b/a.sst", "b-c/x", "b/sub/deep.ldb")) {
            Files.createDirectories(node.resolve(f).getParent());
            Files.writeString(node.resolve(f), f);
        }
        Path loose = Files.writeString(dir.resolve("coordinator.bin"), "0123456789");

        List<SourceFile> files = scanner.scan(List.of(new Source("n", node, false),
                new Source("coordinator.bin", loose, true)));

        assertThat(files).extracting(f -> f.node() + ":" + f.relativePath() + ":" + f.type()).containsExactly(
                "n:a.sst:FILE",
                "n:b:DIRECTORY",
                "n:b/a.sst:FILE",
                "n:b/sub:DIRECTORY",
                "n:b/sub/deep.ldb:FILE",
                "n:b/z.sst:FILE",
                "n:b-c:DIRECTORY",
                "n:b-c/x:FILE",
                "n:c.log:FILE",
                ":coordinator.bin:FILE");
        assertThat(files.get(0).size()).isEqualTo("a.sst".length());
        assertThat(files.get(files.size() - 1).size()).isEqualTo(10);
        assertThat(files.get(files.size() - 1).path()).isEqualTo(loose);
        assertThat(warnings).isEmpty();
    }

    @Test
    void symlinksAreRecordedNotFollowed() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "must not be scanned");
        Path node = Files.createDirectories(dir.resolve("n"));
        Files.writeString(node.resolve("real.sst"), "data");
        Files.createSymbolicLink(node.resolve("to-outside"), outside);
        Files.createSymbolicLink(node.resolve("to-file"), Path.of("real.sst"));
        Files.createSymbolicLink(node.resolve("dangling"), Path.of("nowhere"));

        List<SourceFile> files = scanner.scan(List.of(new Source("n", node, false)));

        assertThat(files).extracting(f -> f.relativePath() + ":" + f.type()).containsExactly(
                "dangling:SYMLINK", "real.sst:FILE", "to-file:SYMLINK", "to-outside:SYMLINK");
        assertThat(files).noneMatch(f -> f.relativePath().contains("secret"));
        assertThat(files).filteredOn(f -> f.type() == EntryType.SYMLINK).allMatch(f -> f.size() == 0);
    }

    @Test
    void specialFilesAreSkippedWithAWarning() throws Exception {
        Path node = Files.createDirectories(dir.resolve("n"));
        Files.writeString(node.resolve("a.sst"), "data");
        Path fifo = node.resolve("pipe");
        assumeTrue(dev.s3backup.core.push.Fixtures.mkfifo(fifo), "mkfifo is not available");

        List<SourceFile> files = scanner.scan(List.of(new Source("n", node, false)));

        assertThat(files).extracting(SourceFile::relativePath).containsExactly("a.sst");
        assertThat(warnings).singleElement().asString().contains(fifo.toString()).contains("special file");
    }

    @Test
    void anUnreadableDirectoryFailsTheScan() throws Exception {
        Path node = Files.createDirectories(dir.resolve("n"));
        Path locked = Files.createDirectories(node.resolve("locked"));
        Files.writeString(locked.resolve("hidden.sst"), "data");
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        try {
            assumeTrue(!canList(locked), "this user (" + System.getProperty("user.name")
                    + ") reads directories whatever their mode, e.g. root");

            assertThatThrownBy(() -> scanner.scan(List.of(new Source("n", node, false))))
                    .isInstanceOfSatisfying(BackupException.class, e -> {
                        assertThat(e.reason()).isEqualTo(Reason.INVALID_INPUT);
                        assertThat(e.getMessage()).contains(locked.toString()).contains("permission denied");
                    });
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwx------"));
        }
    }

    @Test
    void aLooseFileThatVanishedFailsClearly() throws Exception {
        Path gone = dir.resolve("coordinator.bin");

        assertThatThrownBy(() -> scanner.scan(List.of(new Source("coordinator.bin", gone, true))))
                .isInstanceOfSatisfying(BackupException.class, e -> assertThat(e.getMessage()).contains(gone.toString()));
    }

    /** A scanner whose stat of {@code victim} fails with {@code failure} the first {@code times} times. */
    private SourceScanner failingStat(Path victim, IOException failure, int times) {
        int[] left = {times};
        return new SourceScanner(warnings::add, p -> {
            if (p.equals(victim) && left[0]-- > 0) {
                throw failure;
            }
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        });
    }

    private Path nodeWithSub() throws IOException {
        Path node = Files.createDirectories(dir.resolve("n"));
        Files.writeString(node.resolve("a.sst"), "a");
        Files.createDirectories(node.resolve("sub"));
        Files.writeString(node.resolve("sub/b.sst"), "b");
        return node;
    }

    @Test
    void anEntryThatCannotBeStatForLackOfPermissionFailsTheScanNamingIt() throws Exception {
        Path node = nodeWithSub();
        Path victim = node.resolve("sub/b.sst");
        SourceScanner scanner = failingStat(victim, new AccessDeniedException(victim.toString()), Integer.MAX_VALUE);

        assertThatThrownBy(() -> scanner.scan(List.of(new Source("n", node, false))))
                .isInstanceOfSatisfying(BackupException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.INVALID_INPUT);
                    assertThat(e.getMessage()).contains(victim.toString(), "permission denied");
                });
        assertThat(warnings).isEmpty();
    }

    @Test
    void anEntryThatCannotBeStatForAnIoErrorFailsTheScanNamingIt() throws Exception {
        Path node = nodeWithSub();
        Path victim = node.resolve("sub/b.sst");
        for (FileSystemException failure : List.of(new FileSystemException(victim.toString(), null, "Input/output error"),
                new FileSystemException(victim.toString(), null, "Stale file handle"),
                new FileSystemException(victim.toString(), null, "Too many levels of symbolic links"))) {
            SourceScanner scanner = failingStat(victim, failure, Integer.MAX_VALUE);

            assertThatThrownBy(() -> scanner.scan(List.of(new Source("n", node, false))))
                    .isInstanceOfSatisfying(BackupException.class, e -> {
                        assertThat(e.reason()).isEqualTo(Reason.IO);
                        assertThat(e.getMessage()).contains(victim.toString(), failure.getReason());
                    });
        }
        assertThat(warnings).isEmpty();
    }

    @Test
    void anEntryRemovedBeforeItsStatIsSkippedWithAWarning() throws Exception {
        Path node = nodeWithSub();
        Path victim = node.resolve("sub/b.sst");
        // Removed between its directory's listing and its stat, as a compaction removes an old file.
        SourceScanner scanner = new SourceScanner(warnings::add, p -> {
            if (p.equals(victim)) {
                Files.deleteIfExists(victim);
            }
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        });

        List<SourceFile> files = scanner.scan(List.of(new Source("n", node, false)));

        assertThat(files).extracting(SourceFile::relativePath).containsExactly("a.sst", "sub");
        assertThat(warnings).singleElement().asString().contains(victim.toString(), "removed");
    }

    @Test
    void anEntryThatIsStillThereAfterANoSuchFileIsBackedUpNotSkipped() throws Exception {
        Path node = nodeWithSub();
        Path victim = node.resolve("sub/b.sst");
        SourceScanner scanner = failingStat(victim, new NoSuchFileException(victim.toString()), 1);

        List<SourceFile> files = scanner.scan(List.of(new Source("n", node, false)));

        assertThat(files).extracting(SourceFile::relativePath).containsExactly("a.sst", "sub", "sub/b.sst");
        assertThat(warnings).isEmpty();
    }

    @Test
    void anEmptyDirectoryIsScannedAsADirectory() throws Exception {
        Path node = Files.createDirectories(dir.resolve("n"));
        Files.createDirectories(node.resolve("empty"));

        List<SourceFile> files = scanner.scan(List.of(new Source("n", node, false)));

        assertThat(files).extracting(f -> f.relativePath() + ":" + f.type()).containsExactly("empty:DIRECTORY");
    }

    private static boolean canList(Path dir) {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            s.iterator().hasNext();
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
