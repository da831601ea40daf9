package dev.s3backup.s3;

import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.ObjectStoreContract;
import dev.s3backup.s3.testing.S3TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The ObjectStore contract against gaul S3Proxy (filesystem backend), which verifies checksums. */
class S3ProxyContractTest extends ObjectStoreContract {

    private static ObjectStore store;

    @BeforeAll
    static void open() {
        store = S3ContractTestSupport.open(S3TestServers.s3Proxy(), S3Options.ChecksumPolicy.WHEN_REQUIRED);
    }

    @AfterAll
    static void close() {
        if (store != null) {
            store.close();
        }
    }

    @Override
    protected ObjectStore store() {
        return store;
    }

    @Override
    protected boolean verifiesChecksums() {
        return S3TestServers.s3Proxy().verifiesChecksums();
    }
}
