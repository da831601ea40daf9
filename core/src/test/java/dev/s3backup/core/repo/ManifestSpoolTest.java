package dev.s3backup.core.repo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Leftovers of killed processes are removed; files that may still be in use are kept. */
class ManifestSpoolTest {

    /** Above Linux's highest possible pid (2^22), so never alive. */
    private static final long DEAD_PID = 9_000_000_001L;
    private static final long LIVE_PID = 4_000_002L;

    @TempDir
    Path dir;

    @Test
    void createdFilesCarryThisProcessPid() throws IOException {
        Path file = ManifestSpool.create(dir);

        assertThat(file.getFileName().toString())
                .startsWith("s3backup-manifest-" + ProcessHandle.current().pid() + "-").endsWith(".tmp");
    }

    @Test
    void onlyOldLeftoversOfDeadProcessesAreRemoved() throws IOException {
        Instant now = Instant.now();
        Instant old = now.minus(ManifestSpool.MIN_AGE).minus(Duration.ofMinutes(1));
        Path deadAndOld = spool(DEAD_PID, 1, old);
        Path deadButFresh = spool(DEAD_PID, 2, now.minus(Duration.ofMinutes(59)));
        Path liveAndOld = spool(LIVE_PID, 3, old);
        Path otherName = Files.writeString(dir.resolve("s3backup-manifest-12345.tmp"), "older format");
        Files.setLastModifiedTime(otherName, FileTime.from(old));
        Path own = spool(ProcessHandle.current().pid(), 4, now);

        int removed = ManifestSpool.removeLeftovers(dir, own, now, pid -> pid == LIVE_PID);

        assertThat(removed).isEqualTo(1);
        assertThat(deadAndOld).doesNotExist();
        assertThat(deadButFresh).exists();
        assertThat(liveAndOld).exists();
        assertThat(otherName).exists();
        assertThat(own).exists();
    }

    @Test
    void createRemovesOldLeftoversOfDeadProcessesOnly() throws IOException {
        Instant twoDaysAgo = Instant.now().minus(Duration.ofDays(2));
        Path leftover = spool(DEAD_PID, 5, twoDaysAgo);
        Path inUse = spool(ProcessHandle.current().pid(), 6, twoDaysAgo);
        assertThat(ProcessHandle.of(DEAD_PID)).isEmpty();

        ManifestSpool.create(dir);

        assertThat(leftover).doesNotExist();
        assertThat(inUse).exists();
    }

    @Test
    void aMissingDirectoryOrOwnFileDoesNotThrow() {
        assertThat(ManifestSpool.removeLeftovers(dir.resolve("missing"), dir.resolve("missing/own"),
                Instant.now(), pid -> false)).isZero();
    }

    private Path spool(long pid, int n, Instant modified) throws IOException {
        Path file = Files.writeString(dir.resolve("s3backup-manifest-" + pid + "-" + n + ".tmp"), "manifest");
        Files.setLastModifiedTime(file, FileTime.from(modified));
        return file;
    }
}
