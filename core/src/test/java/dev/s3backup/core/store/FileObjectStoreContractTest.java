package dev.s3backup.core.store;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

class FileObjectStoreContractTest extends ObjectStoreContract {

    @TempDir
    Path root;

    private FileObjectStore store;

    @BeforeEach
    void open() {
        store = new FileObjectStore(root.resolve("repo"), 10);
    }

    @Override
    protected ObjectStore store() {
        return store;
    }
}
