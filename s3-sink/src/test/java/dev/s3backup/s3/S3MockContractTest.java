package dev.s3backup.s3;

import dev.s3backup.s3.testing.S3TestServers;

/**
 * The ObjectStore contract against Adobe S3Mock, whose {@code If-None-Match} is not atomic
 * under concurrent writers.
 */
class S3MockContractTest extends S3StoreContract {
    @Override
    S3TestServers.Server server() {
        return S3TestServers.s3Mock();
    }

    @Override
    S3Options.ChecksumPolicy policy() {
        return S3Options.ChecksumPolicy.WHEN_REQUIRED;
    }

    @Override
    protected boolean createIsAtomic() {
        return false;
    }
}
