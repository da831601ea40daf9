package dev.s3backup.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ManifestPathsTest {
    @ParameterizedTest
    @ValueSource(strings = {"a", "a/b/c", "000012.sst", "...", "..a", "a..", ".hidden", "a/.b/c..", "a\\b", "..\\x",
            "sp ace", "new\nline", "ünï/😀", "C:x"})
    void acceptsSafeRelativePaths(String path) {
        assertThat(ManifestPaths.isSafeRelative(path)).isTrue();
        assertThat(ManifestPaths.requireSafeRelative(path)).isSameAs(path);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/", "/a", "//a", "a/", "a//b", ".", "..", "./a", "a/.", "a/./b", "../a", "a/..", "a/../b",
            "a\0", "\0", "x\uD800", "\uDC00x", "a/\uDBFF"})
    void refusesUnsafePaths(String path) {
        assertThat(ManifestPaths.isSafeRelative(path)).isFalse();
        assertThatThrownBy(() -> ManifestPaths.requireSafeRelative(path))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Cannot use path '");
    }

    @Test
    void refusesNull() {
        assertThat(ManifestPaths.isSafeRelative(null)).isFalse();
        assertThatThrownBy(() -> ManifestPaths.requireSafeRelative(null)).hasMessageContaining("null");
    }

    @Test
    void namesTheRuleBroken() {
        assertThatThrownBy(() -> ManifestPaths.requireSafeRelative("a/../b")).hasMessage("Cannot use path 'a/../b': it has a '..' segment");
        assertThatThrownBy(() -> ManifestPaths.requireSafeRelative("/etc")).hasMessage("Cannot use path '/etc': it is absolute");
        assertThatThrownBy(() -> ManifestPaths.requireSafeRelative("a\0b")).hasMessage("Cannot use path 'a\\0b': it contains NUL");
    }

    @Test
    void limitsTheLengthInUtf8Bytes() {
        int max = ManifestPaths.MAX_PATH_BYTES;
        assertThat(ManifestPaths.isSafeRelative("x".repeat(max))).isTrue();
        assertThat(ManifestPaths.isSafeRelative("x".repeat(max + 1))).isFalse();
        assertThat(ManifestPaths.isSafeRelative("x/".repeat(max / 2 - 1) + "xx")).isTrue();
        // 2, 3 and 4 UTF-8 bytes per code point
        assertThat(ManifestPaths.isSafeRelative("é".repeat(max / 2))).isTrue();
        assertThat(ManifestPaths.isSafeRelative("é".repeat(max / 2) + "x")).isFalse();
        assertThat(ManifestPaths.isSafeRelative("文".repeat(max / 3) + "x")).isTrue();
        assertThat(ManifestPaths.isSafeRelative("文".repeat(max / 3) + "xx")).isFalse();
        assertThat(ManifestPaths.isSafeRelative("😀".repeat(max / 4))).isTrue();
        assertThat(ManifestPaths.isSafeRelative("😀".repeat(max / 4) + "x")).isFalse();
    }
}
