package dev.s3backup.core.restore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.manifest.EntryType;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SafePathsTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "a.sst", "dir/sub/file", "..a", "a..", ".hidden", "...", "a b", "ü/ß", "a\\b"})
    void plainRelativePathsAreSafe(String path) {
        assertThat(SafePaths.problem("node", path)).isNull();
    }

    @Test
    void aLooseFileAtTheTopIsSafe() {
        assertThat(SafePaths.problem("", "coordinator.bin")).isNull();
    }

    @Test
    void anEmptyPathIsRefused() {
        assertThat(SafePaths.problem("n", "")).contains("empty");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/etc/passwd", "/", "//x"})
    void absolutePathsAreRefused(String path) {
        assertThat(SafePaths.problem("n", path)).contains("absolute");
        assertThat(SafePaths.problem("", path)).contains("absolute");
    }

    @ParameterizedTest
    @ValueSource(strings = {"..", "../x", "a/../../x", "a/..", ".", "./a", "a/./b", "a//b", "a/", "a/b/"})
    void dotDotDotAndEmptySegmentsAreRefused(String path) {
        assertThat(SafePaths.problem("n", path)).contains("segment");
        assertThat(SafePaths.problem("", path)).isNotNull();
    }

    @Test
    void nulIsRefused() {
        assertThat(SafePaths.problem("n", "a\0b")).contains("forbidden character");
    }

    @ParameterizedTest
    @ValueSource(strings = {"..", ".", "a/b", "has space", "x\0"})
    void aNodeTokenThatIsNotAPlainNameIsRefused(String token) {
        assertThat(SafePaths.problem(token, "file")).contains("node token");
    }

    @Test
    void aLooseFileBelowADirectoryIsRefused() {
        assertThat(SafePaths.problem("", "sub/coordinator.bin")).contains("top");
    }

    @Test
    void entriesBelowASymlinkOrAFileAreRefused() {
        Map<String, EntryType> types = Map.of("n/link", EntryType.SYMLINK, "n/a", EntryType.DIRECTORY,
                "n/a/deeper", EntryType.SYMLINK, "n/file", EntryType.FILE, "n/d", EntryType.DIRECTORY);

        assertThat(SafePaths.ancestorProblem("n/link/x", types)).contains("symbolic link 'n/link'");
        assertThat(SafePaths.ancestorProblem("n/a/deeper/x/y", types)).contains("'n/a/deeper'");
        assertThat(SafePaths.ancestorProblem("n/file/x", types)).contains("file 'n/file'");
        assertThat(SafePaths.ancestorProblem("n/link", types)).isNull();
        assertThat(SafePaths.ancestorProblem("n/linked/x", types)).isNull();
        assertThat(SafePaths.ancestorProblem("n/a/deep", types)).isNull();
        assertThat(SafePaths.ancestorProblem("n/d/x/y", types)).isNull();
        assertThat(SafePaths.ancestorProblem("top", types)).isNull();
    }

    @ParameterizedTest
    @CsvSource({
        "n/l, x",
        "n/l, ./x",
        "n/l, sub/x",
        "n/l, ..",
        "n/l, ../m/x",
        "n/a/b/l, ../../x",
        "n/a/b/l, ../../../n/x",
        "n/l, a/../b",
        "n/l, x//y/",
        "top, coordinator.bin",
    })
    void linksThatStayInsideDoNotPointOutside(String link, String target) {
        assertThat(SafePaths.pointsOutside(link, target, Set.of(link))).isFalse();
        assertThat(SafePaths.linkProblem(target)).isNull();
    }

    @ParameterizedTest
    @CsvSource({
        "n/l, ../..",
        "n/l, ../../x",
        "n/a/b/l, ../../../../x",
        "n/l, a/../../../x",
        "top, ../x",
        "top, ..",
        "n/l, /etc/passwd",
        "n/l, /",
    })
    void linksThatClimbOutOrAreAbsolutePointOutsideAndAreStillRestorable(String link, String target) {
        assertThat(SafePaths.pointsOutside(link, target, Set.of(link))).isTrue();
        assertThat(SafePaths.linkProblem(target)).as("a link is data: restored whatever it points to").isNull();
    }

    @Test
    void emptyAndNulLinkTargetsAreRefused() {
        assertThat(SafePaths.linkProblem("")).contains("empty");
        assertThat(SafePaths.linkProblem("a\0b")).contains("NUL");
    }

    @Test
    void aLinkThatClimbsOutOfAnotherLinkPointsOutside() {
        // n/c -> "." : the kernel reads n/c/../.. as n/.., one level above where it reads.
        Set<String> links = Set.of("n/c", "n/a");

        assertThat(SafePaths.pointsOutside("n/a", "c/../../x", links)).isTrue();
        assertThat(SafePaths.pointsOutside("n/a", "c/x/..", links)).isTrue();
        assertThat(SafePaths.pointsOutside("n/a", "a/..", links)).isTrue();
        // Through a link without climbing back stays inside: each link is judged on its own.
        assertThat(SafePaths.pointsOutside("n/a", "c/x", links)).isFalse();
        assertThat(SafePaths.pointsOutside("n/a", "../n/c", links)).isFalse();
        // Climbing before the link is reached is fine too.
        assertThat(SafePaths.pointsOutside("n/sub/a", "../c", Set.of("n/c"))).isFalse();
    }
}
