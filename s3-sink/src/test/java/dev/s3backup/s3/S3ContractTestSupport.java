package dev.s3backup.s3;

import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.s3.testing.S3TestServers;

/** Opens the shared contract-test store on a test server: one bucket, a repository prefix, small pages. */
final class S3ContractTestSupport {

    static final String BUCKET = "contract";

    private S3ContractTestSupport() {
    }

    static ObjectStore open(S3TestServers.Server server, S3Options.ChecksumPolicy policy) {
        server.createBucket(BUCKET);
        // A repository prefix, so that every test also checks that keys come back relative to it.
        return S3ObjectStores.open(server.options(BUCKET).prefix("repo-" + policy.name().toLowerCase())
                .checksumPolicy(policy).listPageSize(10).build());
    }
}
