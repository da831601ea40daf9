package dev.s3backup.cli;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.s3.S3ObjectStores;
import dev.s3backup.s3.S3Options;
import java.util.Locale;

/** Maps the command line's S3 options onto the s3-sink module. */
final class S3Stores {
    private S3Stores() {
    }

    /**
     * @param checkBucket whether to send a HeadBucket first; a caller whose first request reads the
     *     repository (its config) leaves it off: that request fails as clearly (a missing bucket is
     *     {@link dev.s3backup.core.store.StoreException#locationMissing}) for one round trip less
     */
    static ObjectStore open(String url, RepoOptions o, boolean checkBucket) {
        S3Options options = options(url, o).toBuilder().checkBucketOnOpen(checkBucket).build();
        try {
            return S3ObjectStores.open(options);
        } catch (IllegalArgumentException e) {
            // The environment's endpoint (AWS_ENDPOINT_URL_S3) is read and checked only here.
            throw new BackupException(Reason.INVALID_INPUT, "Cannot use repository '" + url + "': " + e.getMessage(), e);
        }
    }

    /** The S3 options the command line gives for {@code url}. */
    static S3Options options(String url, RepoOptions o) {
        S3Options options;
        try {
            S3Options.Builder b = S3Options.builder(url).pathStyle(o.pathStyle);
            if (o.endpoint != null && !o.endpoint.isBlank()) {
                b.endpoint(o.endpoint);
            }
            if (o.region != null) {
                b.region(o.region);
            }
            if (o.caBundle != null && !o.caBundle.isBlank()) {
                b.caBundle(java.nio.file.Path.of(o.caBundle));
            }
            if (o.profile != null) {
                b.profile(o.profile);
            }
            if (o.checksumMode != null) {
                b.checksumPolicy(checksumPolicy(o.checksumMode));
            }
            if (o.storageClass() != null) {
                b.storageClass(o.storageClass());
            }
            if (o.sse() != null) {
                b.encryption(encryption(o.sse()));
            }
            if (o.sseKmsKeyId() != null) {
                b.kms(o.sseKmsKeyId());
            }
            if (o.maxAttempts != null) {
                b.maxAttempts(o.maxAttempts);
            }
            if (o.ioTimeout != null) {
                b.socketTimeout(SnapshotFlags.parseDuration(o.ioTimeout));
            }
            options = b.build();
        } catch (IllegalArgumentException e) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot use repository '" + url + "': " + e.getMessage(), e);
        }
        return options;
    }

    private static S3Options.ChecksumPolicy checksumPolicy(String mode) {
        return switch (mode.toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "when-required" -> S3Options.ChecksumPolicy.WHEN_REQUIRED;
            case "when-supported" -> S3Options.ChecksumPolicy.WHEN_SUPPORTED;
            default -> throw new IllegalArgumentException("--checksum-mode must be when-required or when-supported, not '"
                    + mode + "'");
        };
    }

    private static S3Options.Encryption encryption(String sse) {
        return switch (sse.toLowerCase(Locale.ROOT)) {
            case "aes256", "sse-s3" -> S3Options.Encryption.AES256;
            case "aws:kms", "kms", "sse-kms" -> S3Options.Encryption.KMS;
            case "none" -> S3Options.Encryption.NONE;
            default -> throw new IllegalArgumentException("--sse must be AES256 or aws:kms, not '" + sse + "'");
        };
    }

    /** A KMS client for key slots, reaching AWS (or --endpoint) with the same region and credentials as S3. */
    static dev.s3backup.core.crypt.KmsKeys kms(RepoOptions o) {
        // A file:// repository's KMS slots still reach KMS with the S3 options' region and credentials.
        String url = o.repo != null && o.repo.startsWith("s3://") ? o.repo : "s3://kms-key-slots/";
        try {
            return dev.s3backup.s3.KmsKeysClient.open(options(url, o));
        } catch (IllegalArgumentException e) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot use AWS KMS: " + e.getMessage(), e);
        }
    }
}
