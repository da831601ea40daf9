package dev.s3backup.cli;

import picocli.CommandLine.Option;

/** The repository options of a command that uploads chunks: where they are stored, and how fast. */
final class UploadRepoOptions extends WriteRepoOptions {
    @Option(names = "--storage-class", paramLabel = "CLASS",
            description = "Storage class of new chunks, e.g. STANDARD, INTELLIGENT_TIERING, STANDARD_IA (default: the bucket's).")
    String storageClass;

    @Option(names = "--limit-upload", paramLabel = "SIZE", description = "Upload at most SIZE bytes per second, e.g. 50MiB.")
    String limitUpload;

    @Override
    long uploadLimit() {
        return positiveBytes("--limit-upload", limitUpload);
    }

    @Override
    String storageClass() {
        return storageClass;
    }
}
