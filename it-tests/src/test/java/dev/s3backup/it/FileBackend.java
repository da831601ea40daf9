package dev.s3backup.it;

import dev.s3backup.core.store.FileObjectStore;
import dev.s3backup.core.store.ObjectStore;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/** Repositories in directories under {@code root} (file:// URLs). */
public record FileBackend(Path root) implements Backend {
    @Override
    public String name() {
        return "file";
    }

    @Override
    public String newRepoUrl(String label) {
        return root.resolve(label + "-" + System.nanoTime()).toUri().toString();
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
        return root.resolve("does-not-exist").toUri().toString();
    }

    @Override
    public String missingLocationReason() {
        return "no such directory";
    }
}
