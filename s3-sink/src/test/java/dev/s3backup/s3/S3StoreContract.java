package dev.s3backup.s3;

import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.ObjectStoreContract;
import dev.s3backup.s3.testing.S3TestServers;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;

/**
 * The ObjectStore contract on one S3 test server with one checksum policy: one bucket, a
 * repository prefix (so every case also checks that keys come back relative to it), small pages,
 * a single-PUT limit of 1 MiB.
 */
abstract class S3StoreContract extends ObjectStoreContract {
    static final String BUCKET = "contract";
    /** Low, so that larger writes of the contract (a 9 MiB manifest) take the multipart path. */
    static final long SINGLE_PUT_LIMIT = 1 << 20;
    private static ObjectStore store;

    abstract S3TestServers.Server server();

    abstract S3Options.ChecksumPolicy policy();

    /** The bucket the contract runs in, created if missing. */
    String bucket() {
        server().createBucket(BUCKET);
        return BUCKET;
    }

    @Override
    protected ObjectStore store() {
        if (store == null) {
            String bucket = bucket();
            store = S3ObjectStores.open(server().options(bucket).prefix("repo-" + policy().name().toLowerCase(Locale.ROOT))
                    .checksumPolicy(policy()).listPageSize(10).singlePutLimit(SINGLE_PUT_LIMIT).build());
        }
        return store;
    }

    /** JUnit runs test classes one after another: each class opens its own store and closes it. */
    @AfterAll
    static void closeStore() {
        if (store != null) {
            store.close();
            store = null;
        }
    }

    @Override
    protected boolean verifiesChecksums() {
        return server().verifiesChecksums();
    }
}
