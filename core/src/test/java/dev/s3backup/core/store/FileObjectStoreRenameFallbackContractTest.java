package dev.s3backup.core.store;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The contract on a file store that publishes by locked rename, as on filesystems without hard links. */
class FileObjectStoreRenameFallbackContractTest extends ObjectStoreContract {

    @TempDir
    Path root;

    private FileObjectStore store;

    @BeforeEach
    void open() {
        store = new FileObjectStore(root.resolve("repo"), 10, false);
    }

    @Override
    protected ObjectStore store() {
        return store;
    }
}
