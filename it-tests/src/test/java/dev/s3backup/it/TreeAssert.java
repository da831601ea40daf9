package dev.s3backup.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Byte-for-byte comparison of two directory trees, including modes, mtimes and symlinks. */
public final class TreeAssert {
    private TreeAssert() {
    }

    public static void assertSameTree(Path expected, Path actual) throws IOException {
        assertThat(relativePaths(actual)).containsExactlyElementsOf(relativePaths(expected));
        for (Path rel : relativePaths(expected)) {
            Path e = expected.resolve(rel);
            Path a = actual.resolve(rel);
            if (Files.isSymbolicLink(e)) {
                assertThat(Files.readSymbolicLink(a)).as(rel.toString()).isEqualTo(Files.readSymbolicLink(e));
                continue;
            }
            assertThat(Files.getPosixFilePermissions(a, LinkOption.NOFOLLOW_LINKS)).as("mode of " + rel)
                    .isEqualTo(Files.getPosixFilePermissions(e, LinkOption.NOFOLLOW_LINKS));
            if (Files.isRegularFile(e, LinkOption.NOFOLLOW_LINKS)) {
                assertThat(a).as(rel.toString()).hasSameBinaryContentAs(e);
                assertThat(Files.getLastModifiedTime(a)).as("mtime of " + rel).isEqualTo(Files.getLastModifiedTime(e));
            }
        }
    }

    public static List<Path> relativePaths(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !p.equals(root)).map(root::relativize).sorted().toList();
        }
    }
}
