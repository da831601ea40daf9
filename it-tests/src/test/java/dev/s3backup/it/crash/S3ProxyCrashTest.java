package dev.s3backup.it.crash;

/** The crash campaign on gaul S3Proxy, a real S3 server in a process of its own. */
class S3ProxyCrashTest extends CrashCampaign {
    @Override
    CrashTarget target() {
        return CrashTarget.s3Proxy();
    }

    @Override
    int defaultPoints() {
        return 2;
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
        return "20";
    }
}
