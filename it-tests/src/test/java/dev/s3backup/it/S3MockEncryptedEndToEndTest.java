package dev.s3backup.it;

/** The end-to-end suite of {@link S3MockEndToEndTest} on an encrypted, compressed repository. */
class S3MockEncryptedEndToEndTest extends S3MockEndToEndTest {
    @Override
    boolean encrypted() {
        return true;
    }
}
