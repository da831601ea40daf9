package dev.s3backup.core.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The comparison the push's change-while-reading check and the hash cache rely on. */
class FileIdentityTest {
    @TempDir
    Path dir;

    @Test
    void unchangedFileAndItsHardLinkHaveTheSameIdentity() throws Exception {
        Path file = Files.writeString(dir.resolve("a.sst"), "content");
        FileIdentity before = FileIdentity.of(file);

        Path link = Files.createLink(dir.resolve("snapshot.sst"), file);

        // Creating a hard link changes the inode's ctime: compare after, then read again.
        FileIdentity now = FileIdentity.of(file);
        assertThat(FileIdentity.of(link)).isEqualTo(now);
        assertThat(now.inode()).isEqualTo(before.inode());
        assertThat(now.size()).isEqualTo(7);
        Files.readAllBytes(file);
        assertThat(FileIdentity.of(file)).isEqualTo(now);
    }

    @Test
    void appendingChangesTheIdentity() throws Exception {
        Path file = Files.writeString(dir.resolve("a"), "content");
        FileIdentity before = FileIdentity.of(file);

        Files.writeString(file, "+", StandardOpenOption.APPEND);

        assertThat(FileIdentity.of(file)).isNotEqualTo(before);
    }

    @Test
    void rewritingInPlaceWithTheSameSizeAndMtimeIsStillSeenThroughCtime() throws Exception {
        Path file = Files.writeString(dir.resolve("a"), "content");
        FileIdentity before = FileIdentity.of(file);
        Thread.sleep(20);

        Files.writeString(file, "CONTENT");
        Files.setLastModifiedTime(file, FileTime.from(before.mtimeNanos(), java.util.concurrent.TimeUnit.NANOSECONDS));

        FileIdentity after = FileIdentity.of(file);
        assertThat(after.size()).isEqualTo(before.size());
        assertThat(after.mtimeNanos()).isEqualTo(before.mtimeNanos());
        assertThat(after).isNotEqualTo(before);
    }

    @Test
    void modeHoldsThePermissionBits() throws Exception {
        Path file = Files.writeString(dir.resolve("a"), "x");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));

        assertThat(FileIdentity.of(file).mode()).isEqualTo(0640);
        assertThat(FileIdentity.toMode(PosixFilePermissions.fromString("rwxr-x--x"))).isEqualTo(0751);
    }
}
