package dev.s3backup.cli;

import picocli.CommandLine.Option;

/**
 * Where the repository is and how to reach it; shared by every command that opens one. These are the
 * read side: a command that writes objects takes {@link WriteRepoOptions}, one that uploads chunks
 * {@link UploadRepoOptions}, so each command's help offers only the options that act in it.
 */
class RepoOptions {
    @Option(names = {"-r", "--repo"}, paramLabel = "URL", defaultValue = "${env:S3BACKUP_REPO}",
            description = "Repository: s3://BUCKET/PREFIX or file:///PATH (default: $S3BACKUP_REPO).")
    String repo;

    @Option(names = "--endpoint", paramLabel = "URL", defaultValue = "${env:AWS_ENDPOINT_URL}",
            description = "S3-compatible endpoint, e.g. http://127.0.0.1:9000 (default: $AWS_ENDPOINT_URL, else AWS).")
    String endpoint;

    @Option(names = "--region", paramLabel = "REGION",
            description = "AWS region (default: the SDK's chain: $AWS_REGION, profile; us-east-1 with --endpoint).")
    String region;

    @Option(names = "--ca-bundle", paramLabel = "FILE",
            description = "Trust only the CA certificates in FILE (PEM) for https endpoints, e.g. a private CA of Ceph "
                    + "RGW or MinIO; host names are still checked (default: $AWS_CA_BUNDLE, else the JDK's CAs).")
    String caBundle;

    @Option(names = "--path-style", description = "Address buckets as http://host/bucket (most S3-compatible servers).")
    boolean pathStyle;

    @Option(names = "--profile", paramLabel = "NAME",
            description = "Named profile of the AWS credentials and config files (default: $AWS_PROFILE or the default chain).")
    String profile;

    @Option(names = "--password-file", paramLabel = "FILE", defaultValue = "${env:S3BACKUP_PASSWORD_FILE}",
            description = "Encrypted repository: read the passphrase from FILE, one trailing newline ignored "
                    + "(default: $S3BACKUP_PASSWORD_FILE).")
    String passwordFile;

    @Option(names = "--password-command", paramLabel = "CMD", defaultValue = "${env:S3BACKUP_PASSWORD_COMMAND}",
            description = "Encrypted repository: the passphrase is the first line CMD prints, e.g. 'pass show s3backup' "
                    + "(default: $S3BACKUP_PASSWORD_COMMAND).")
    String passwordCommand;

    @Option(names = "--key-file", paramLabel = "FILE", defaultValue = "${env:S3BACKUP_KEY_FILE}",
            description = "Encrypted repository: open it with this key file (made by 'init --key-file' or 'key add "
                    + "--new-key-file'; default: $S3BACKUP_KEY_FILE). Without any of these, KMS slots are tried, "
                    + "then a prompt at a terminal.")
    String keyFile;

    @Option(names = "--checksum-mode", paramLabel = "MODE",
            description = "when-required (default with --endpoint: S3-compatible servers) or when-supported "
                    + "(default on AWS): whether the SDK adds its own CRC checksums. Chunks always carry their SHA-256.")
    String checksumMode;




    @Option(names = "--max-attempts", paramLabel = "N",
            description = "Attempts per S3 request, first included, for 5xx, throttling, reset connections, timeouts "
                    + "and cut-off bodies, with exponential backoff and jitter (default: 5).")
    Integer maxAttempts;

    @Option(names = "--io-timeout", paramLabel = "DURATION",
            description = "Fail an S3 attempt (and retry it) when the server sends nothing for this long, e.g. 30s (default: 30s).")
    String ioTimeout;


    @Option(names = "--limit-download", paramLabel = "SIZE", description = "Download at most SIZE bytes per second, e.g. 100MiB.")
    String limitDownload;

    @Option(names = "--limit-requests", paramLabel = "N", description = "Send at most N requests per second (any kind).")
    Double limitRequests;

    /** The limits given, each checked positive: 0 or a negative value is a usage error, not "unlimited". */
    dev.s3backup.core.limit.Limits limits() {
        return new dev.s3backup.core.limit.Limits(uploadLimit(), positiveBytes("--limit-download", limitDownload),
                positiveRate(limitRequests));
    }

    /** Bytes per second this command may upload; 0: no limit (a command that reads has none). */
    long uploadLimit() {
        return 0;
    }

    /** Storage class of new chunks, or null for the bucket's. */
    String storageClass() {
        return null;
    }

    /** Server-side encryption of new objects (AES256 or aws:kms), or null for the bucket's. */
    String sse() {
        return null;
    }

    /** KMS key for aws:kms, or null for the AWS-managed key. */
    String sseKmsKeyId() {
        return null;
    }

    static long positiveBytes(String option, String value) {
        if (value == null) {
            return 0;
        }
        long n;
        try {
            n = Sizes.parseBytes(value);
        } catch (IllegalArgumentException e) {
            throw usage(option + ": " + e.getMessage());
        }
        if (n <= 0) {
            throw usage(option + " must be a positive size per second, not '" + value + "' (omit it for no limit)");
        }
        return n;
    }

    private static double positiveRate(Double value) {
        if (value == null) {
            return 0;
        }
        if (!(value > 0) || value.isInfinite()) {
            throw usage("--limit-requests must be a positive number per second, not " + value + " (omit it for no limit)");
        }
        return value;
    }

    private static dev.s3backup.core.BackupException usage(String message) {
        return new dev.s3backup.core.BackupException(dev.s3backup.core.BackupException.Reason.INVALID_INPUT, message);
    }

    /** Opens the repository, unlocking an encrypted one with the key options; the store is closed on failure. */
    dev.s3backup.core.repo.Repository openRepository() {
        dev.s3backup.core.store.ObjectStore store = StoreFactory.openForRepository(this);
        try {
            return dev.s3backup.core.repo.Repository.open(store, KeyOptions.source(this, null, false));
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    String requireRepo() {
        if (repo == null || repo.isBlank()) {
            throw new dev.s3backup.core.BackupException(dev.s3backup.core.BackupException.Reason.INVALID_INPUT,
                    "Missing repository: give --repo URL or set S3BACKUP_REPO (s3://BUCKET/PREFIX or file:///PATH)");
        }
        if (dev.s3backup.core.Redaction.hasUserInfo(repo)) {
            throw new dev.s3backup.core.BackupException(dev.s3backup.core.BackupException.Reason.INVALID_INPUT,
                    "Cannot use repository '" + dev.s3backup.core.Redaction.userInfo(repo) + "': credentials in the "
                            + "repository URL are not used; give them as AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                            + "or with --profile");
        }
        return repo;
    }
}
