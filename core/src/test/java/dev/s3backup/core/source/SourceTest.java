package dev.s3backup.core.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourceTest {
    @TempDir
    Path dir;

    @Test
    void tokenEqualsDirLabelsTheDirectory() throws Exception {
        Path data = Files.createDirectories(dir.resolve("snap-2026"));

        Source s = Source.parse("42=" + data);

        assertThat(s.token()).isEqualTo("42");
        assertThat(s.path()).isEqualTo(data);
        assertThat(s.looseFile()).isFalse();
    }

    @Test
    void aPlainDirIsLabelledWithItsName() throws Exception {
        Path data = Files.createDirectories(dir.resolve("node-7"));

        Source s = Source.parse(data.toString());
        Source trailingSlash = Source.parse(data + "/");

        assertThat(s.token()).isEqualTo("node-7");
        assertThat(s.looseFile()).isFalse();
        assertThat(trailingSlash.token()).isEqualTo("node-7");
    }

    @Test
    void aFileIsALooseFileNamedAfterItself() throws Exception {
        Path file = Files.writeString(dir.resolve("coordinator.bin"), "state");

        Source s = Source.parse(file.toString());

        assertThat(s.token()).isEqualTo("coordinator.bin");
        assertThat(s.looseFile()).isTrue();
        assertThat(s.path()).isEqualTo(file);
    }

    @Test
    void aPathThatExistsIsNotSplitAtItsEqualsSign() throws Exception {
        Path odd = Files.createDirectories(dir.resolve("a=b"));

        // "a=b" is a path, not token "a"; and '=' is not a token character, so the user is told to label it.
        assertThatThrownBy(() -> Source.parse(odd.toString()))
                .isInstanceOfSatisfying(BackupException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.INVALID_INPUT);
                    assertThat(e.getMessage()).contains("TOKEN=");
                });
        assertThat(Source.parse("ab=" + odd).token()).isEqualTo("ab");
    }

    @Test
    void aMissingPathIsRefused() {
        String missing = dir.resolve("nope").toString();

        for (String spec : List.of(missing, "1=" + missing)) {
            assertThatThrownBy(() -> Source.parse(spec))
                    .isInstanceOfSatisfying(BackupException.class, e -> {
                        assertThat(e.reason()).isEqualTo(Reason.INVALID_INPUT);
                        assertThat(e.getMessage()).contains(spec).contains("no such");
                    });
        }
    }

    @Test
    void tokenEqualsFileIsRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "x");

        assertThatThrownBy(() -> Source.parse("1=" + file))
                .isInstanceOfSatisfying(BackupException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.INVALID_INPUT);
                    assertThat(e.getMessage()).contains("not a directory");
                });
    }

    @Test
    void anInvalidTokenIsRefused() throws Exception {
        Path data = Files.createDirectories(dir.resolve("d"));

        for (String token : List.of("has space", "..", "sl/ash", "ü")) {
            String spec = token + "=" + data;
            assertThatThrownBy(() -> Source.parse(spec))
                    .as(spec)
                    .isInstanceOfSatisfying(BackupException.class, e -> {
                        assertThat(e.reason()).isEqualTo(Reason.INVALID_INPUT);
                        assertThat(e.getMessage()).contains("token");
                    });
        }
    }

    @Test
    void aDirWhoseNameIsNotATokenIsRefusedWithAHint() throws Exception {
        Path data = Files.createDirectories(dir.resolve("my data"));

        assertThatThrownBy(() -> Source.parse(data.toString()))
                .isInstanceOfSatisfying(BackupException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.INVALID_INPUT);
                    assertThat(e.getMessage()).contains("TOKEN=" + data);
                });
    }

    @Test
    void requireDistinctRefusesTwoSourcesThatRestoreToTheSamePlace() throws Exception {
        Path a = Files.createDirectories(dir.resolve("x/data"));
        Path b = Files.createDirectories(dir.resolve("y/data"));
        Path file = Files.writeString(Files.createDirectories(dir.resolve("z")).resolve("data"), "loose");

        for (List<Source> clash : List.of(
                List.of(Source.parse(a.toString()), Source.parse(b.toString())),
                List.of(Source.parse("n=" + a), Source.parse("n=" + b)),
                List.of(Source.parse(a.toString()), Source.parse(file.toString())))) {
            assertThatThrownBy(() -> Source.requireDistinct(clash))
                    .isInstanceOfSatisfying(BackupException.class, e -> {
                        assertThat(e.reason()).isEqualTo(Reason.INVALID_INPUT);
                        assertThat(e.getMessage()).contains("'" + clash.get(0).token() + "'");
                    });
        }
        Source.requireDistinct(List.of(Source.parse("1=" + a), Source.parse("2=" + b)));
    }

    @Test
    void requireDistinctRefusesNoSources() {
        assertThatThrownBy(() -> Source.requireDistinct(List.of()))
                .isInstanceOfSatisfying(BackupException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_INPUT));
    }

    @Test
    void aSpecialFileIsNoSource() {
        Path fifo = dir.resolve("pipe");
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.s3backup.core.push.Fixtures.mkfifo(fifo), "mkfifo is not available");

        assertThatThrownBy(() -> Source.parse(fifo.toString()))
                .isInstanceOfSatisfying(BackupException.class, e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_INPUT))
                .hasMessageContaining("only directories and regular files");
    }
}
