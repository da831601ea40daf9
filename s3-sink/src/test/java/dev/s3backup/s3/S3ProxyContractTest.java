package dev.s3backup.s3;

import dev.s3backup.s3.testing.S3TestServers;

/** The ObjectStore contract against gaul S3Proxy (filesystem backend), which verifies checksums. */
class S3ProxyContractTest extends S3StoreContract {
    @Override
    S3TestServers.Server server() {
        return S3TestServers.s3Proxy();
    }

    @Override
    S3Options.ChecksumPolicy policy() {
        return S3Options.ChecksumPolicy.WHEN_REQUIRED;
    }
}
