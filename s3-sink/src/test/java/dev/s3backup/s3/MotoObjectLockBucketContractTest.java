package dev.s3backup.s3;

import dev.s3backup.s3.testing.S3TestServers;

/**
 * The ObjectStore contract in a bucket with Object Lock enabled (so versioned) on moto: deletes
 * there go by version id, and every case must still hold - a deleted key is gone, not hidden
 * behind a delete marker with its bytes kept.
 */
class MotoObjectLockBucketContractTest extends S3StoreContract {
    static final String LOCK_BUCKET = "contract-locked";

    @Override
    S3TestServers.Server server() {
        return S3TestServers.moto();
    }

    @Override
    S3Options.ChecksumPolicy policy() {
        return S3Options.ChecksumPolicy.WHEN_REQUIRED;
    }

    @Override
    protected boolean largeDeletesAreCheap() {
        return false;
    }

    @Override
    String bucket() {
        server().createObjectLockBucket(LOCK_BUCKET, null);
        return LOCK_BUCKET;
    }
}
