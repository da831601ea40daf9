package dev.s3backup.it.crash;

/** The crash campaign on a file:// repository. */
class FileCrashTest extends CrashCampaign {
    @Override
    CrashTarget target() {
        return CrashTarget.file(dir.resolve("repos"));
    }
}
