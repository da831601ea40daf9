package dev.s3backup.s3;

import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.ObjectStoreContract;
import dev.s3backup.s3.testing.S3TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The contract against S3Proxy with the SDK's default checksum policy (CRC32 trailers where
 * allowed, response validation), as an AWS user would run it.
 */
class S3ProxyWhenSupportedContractTest extends ObjectStoreContract {

    private static ObjectStore store;

    @BeforeAll
    static void open() {
        store = S3ContractTestSupport.open(S3TestServers.s3Proxy(), S3Options.ChecksumPolicy.WHEN_SUPPORTED);
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
