package dev.s3backup.it;

/** verify and drill with injected damage on a file:// repository. */
class VerifyDrillFileTest extends VerifyDrillSuite {
    private static final Backend BACKEND = new FileEndToEndTest().backend();

    @Override
    Backend backend() {
        return BACKEND;
    }
}
