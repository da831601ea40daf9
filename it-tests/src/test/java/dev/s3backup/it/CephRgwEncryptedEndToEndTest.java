package dev.s3backup.it;

/** The end-to-end suite of {@link CephRgwEndToEndTest} on an encrypted, compressed repository. */
class CephRgwEncryptedEndToEndTest extends CephRgwEndToEndTest {
    @Override
    boolean encrypted() {
        return true;
    }
}
