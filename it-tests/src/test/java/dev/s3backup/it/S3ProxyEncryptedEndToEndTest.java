package dev.s3backup.it;

/** The end-to-end suite of {@link S3ProxyEndToEndTest} on an encrypted, compressed repository. */
class S3ProxyEncryptedEndToEndTest extends S3ProxyEndToEndTest {
    @Override
    boolean encrypted() {
        return true;
    }
}
