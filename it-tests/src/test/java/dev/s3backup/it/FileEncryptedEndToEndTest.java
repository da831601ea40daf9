package dev.s3backup.it;

/** The end-to-end suite of {@link FileEndToEndTest} on an encrypted, compressed repository. */
class FileEncryptedEndToEndTest extends FileEndToEndTest {
    @Override
    boolean encrypted() {
        return true;
    }
}
