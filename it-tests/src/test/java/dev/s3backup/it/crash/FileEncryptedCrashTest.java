package dev.s3backup.it.crash;

/** The crash campaign on encrypted, compressed file:// repositories (a key file). */
class FileEncryptedCrashTest extends CrashCampaign {
    @Override
    CrashTarget target() {
        return CrashTarget.file(dir.resolve("repos")).encrypted(dir);
    }
}
