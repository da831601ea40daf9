package dev.s3backup.s3;

import dev.s3backup.s3.testing.S3TestServers;

/**
 * The contract against S3Mock with the SDK's default checksum policy (CRC32 trailers where
 * allowed, response validation), as an AWS user would run it.
 */
class S3MockWhenSupportedContractTest extends S3StoreContract {
    @Override
    S3TestServers.Server server() {
        return S3TestServers.s3Mock();
    }

    @Override
    S3Options.ChecksumPolicy policy() {
        return S3Options.ChecksumPolicy.WHEN_SUPPORTED;
    }

    @Override
    protected boolean createIsAtomic() {
        return false;
    }
}
