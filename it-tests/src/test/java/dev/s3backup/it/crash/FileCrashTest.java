package dev.s3backup.it.crash;

/** The crash campaign on a file:// repository. */
class FileCrashTest extends CrashCampaign {
    @Override
    CrashTarget target() {
        return CrashTarget.file(dir.resolve("repos"));
    }

    @Override
    int defaultPoints() {
        return 5;
    }

    @Override
    String uploadLimit() {
        return "8MiB";
    }

    @Override
    String downloadLimit() {
        return "8MiB";
    }

    @Override
    String requestLimit() {
        return "60";
    }
}
