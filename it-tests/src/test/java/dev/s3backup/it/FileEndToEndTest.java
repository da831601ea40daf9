package dev.s3backup.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The end-to-end suite on a file:// repository. */
class FileEndToEndTest extends EndToEndSuite {
    private static final Path ROOT;

    static {
        try {
            ROOT = Files.createTempDirectory("s3backup-it-file");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    Backend backend() {
        return new FileBackend(ROOT);
    }
}
