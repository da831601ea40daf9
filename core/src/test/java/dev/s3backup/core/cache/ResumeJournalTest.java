package dev.s3backup.core.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.manifest.ChunkRef;
import dev.s3backup.manifest.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The resume journal survives a crash at any byte: what was fully written is read back, nothing else. */
class ResumeJournalTest {
    @TempDir
    Path dir;

    private static ChunkRef chunk(int i) {
        return new ChunkRef(Sha256.digest(new byte[] {(byte) i, (byte) (i >> 8)}, 0, 2), 1000 + i);
    }

    private Path written(int records) {
        Path file = ResumeJournal.fileFor(dir, "repo-1");
        try (ResumeJournal journal = ResumeJournal.open(file, "repo-1", w -> { })) {
            journal.start(List.of(chunk(0)));
            for (int i = 1; i < records; i++) {
                journal.record(chunk(i).hash(), chunk(i).length());
            }
        }
        return file;
    }

    @Test
    void recordsAreReadBackAndClearRemovesThem() {
        Path file = written(5);
        ResumeJournal again = ResumeJournal.open(file, "repo-1", w -> { throw new AssertionError(w); });
        assertThat(again.previous()).containsExactly(chunk(0), chunk(1), chunk(2), chunk(3), chunk(4));
        again.clear();
        assertThat(file).doesNotExist();
        assertThat(ResumeJournal.open(file, "repo-1", w -> { throw new AssertionError(w); }).previous()).isEmpty();
    }

    @Test
    void aRecordTornAtEveryByteLeavesTheCompleteOnes() throws IOException {
        Path file = written(3);
        byte[] whole = Files.readAllBytes(file);
        for (int cut = whole.length - 39; cut < whole.length; cut++) {
            Files.write(file, java.util.Arrays.copyOf(whole, cut));
            List<String> warnings = new ArrayList<>();
            assertThat(ResumeJournal.open(file, "repo-1", warnings::add).previous()).containsExactly(chunk(0), chunk(1));
            assertThat(warnings).isEmpty();
        }
    }

    @Test
    void aDamagedRecordEndsTheJournalWithAWarning() throws IOException {
        Path file = written(4);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 2 * 40 + 5] ^= 1; // inside the third record
        Files.write(file, bytes);
        List<String> warnings = new ArrayList<>();
        assertThat(ResumeJournal.open(file, "repo-1", warnings::add).previous()).containsExactly(chunk(0), chunk(1));
        assertThat(warnings).singleElement().asString().contains("damaged record after 2 good ones");
    }

    @Test
    void aJournalOfAnotherRepositoryOrAnotherFileIsIgnored() throws IOException {
        Path file = written(2);
        List<String> warnings = new ArrayList<>();
        assertThat(ResumeJournal.open(file, "repo-2", warnings::add).previous()).isEmpty();
        Files.writeString(file, "something else entirely", StandardOpenOption.TRUNCATE_EXISTING);
        assertThat(ResumeJournal.open(file, "repo-1", warnings::add).previous()).isEmpty();
        assertThat(warnings).hasSize(2).allMatch(w -> w.startsWith("ignoring the rest of resume journal"));
    }

    @Test
    void theDisabledJournalWritesNothing() {
        ResumeJournal journal = ResumeJournal.disabled();
        journal.start(List.of(chunk(1)));
        journal.record(chunk(2).hash(), 5);
        journal.clear();
        assertThat(journal.previous()).isEmpty();
        assertThat(dir).isEmptyDirectory();
    }
}
