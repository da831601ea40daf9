package dev.s3backup.it;

import dev.s3backup.core.store.FileObjectStore;
import dev.s3backup.core.store.ObjectStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
        return new Backend() {
            @Override
            public String name() {
                return "file";
            }

            @Override
            public String newRepoUrl(String label) {
                return ROOT.resolve(label + "-" + System.nanoTime()).toUri().toString();
            }

            @Override
            public List<String> connectionArgs() {
                return List.of();
            }

            @Override
            public ObjectStore openStore(String repoUrl) {
                return new FileObjectStore(Path.of(URI.create(repoUrl)));
            }

            @Override
            public String missingLocationUrl() {
                return ROOT.resolve("does-not-exist").toUri().toString();
            }
        };
    }
}
