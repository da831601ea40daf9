package dev.s3backup.s3;

import dev.s3backup.s3.testing.S3TestServers;

/**
 * The ObjectStore contract against moto's server (skipped with a NOTICE where moto_server is not
 * installed), in a plain bucket.
 */
class MotoContractTest extends S3StoreContract {
    @Override
    S3TestServers.Server server() {
        return S3TestServers.moto();
    }

    @Override
    S3Options.ChecksumPolicy policy() {
        return S3Options.ChecksumPolicy.WHEN_REQUIRED;
    }
}
