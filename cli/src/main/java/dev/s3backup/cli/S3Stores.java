package dev.s3backup.cli;

import dev.s3backup.core.store.ObjectStore;

/** Maps the command line's S3 options onto the s3-sink module. */
final class S3Stores {
    private S3Stores() {
    }

    static ObjectStore open(String url, RepoOptions options) {
        throw new UnsupportedOperationException("s3 pending");
    }
}
