package dev.s3backup.s3;

import dev.s3backup.core.store.ObjectStore;

import dev.s3backup.core.Redaction;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Everything needed to reach a repository in S3 or an S3-compatible server. Build one with
 * {@link #builder()} (or {@link #builder(String)} from an {@code s3://bucket/prefix} URL) and open
 * it with {@link S3ObjectStores#open(S3Options)}.
 *
 * @param location the bucket and the repository's key prefix
 * @param endpoint the endpoint for a non-AWS server ({@code http://127.0.0.1:9000}); null uses
 *     {@code AWS_ENDPOINT_URL_S3} / {@code AWS_ENDPOINT_URL} if set, else AWS
 * @param region the signing region; null takes the SDK's chain (env, profile, instance
 *     metadata) and falls back to us-east-1
 * @param pathStyle address buckets as {@code endpoint/bucket/key}, which most S3-compatible
 *     servers need
 * @param profile a named profile from the AWS config files for credentials and region; null uses
 *     the SDK's default credential chain
 * @param accessKeyId static credentials (with {@code secretAccessKey}), for tests and servers
 *     without IAM; never printed
 * @param secretAccessKey see {@code accessKeyId}; {@link #toString()} hides it
 * @param checksumPolicy when the SDK adds its own CRC checksums; null picks
 *     {@link ChecksumPolicy#WHEN_SUPPORTED} for AWS and {@link ChecksumPolicy#WHEN_REQUIRED}
 *     for a custom endpoint
 * @param storageClass the storage class of every object this store writes (chunks and
 *     manifests alike; open a second store for a different class), or null for the bucket's
 *     default; GLACIER and DEEP_ARCHIVE are refused because restores could not read them
 * @param encryption server-side encryption requested on every put
 * @param kmsKeyId the KMS key for {@link Encryption#KMS}; null uses the account's aws/s3 key
 * @param maxConnections the HTTP connection pool size; set it at least to the upload parallelism
 * @param apiCallTimeout the limit for one operation including retries, or null for none
 * @param apiCallAttemptTimeout the limit for one HTTP attempt, or null for none (a slow but moving
 *     upload of a large chunk must not be cut off, so there is none by default)
 * @param socketTimeout how long an attempt may wait for the next byte from the server (response
 *     headers or body) before it fails as a timeout and is retried; a stalled server costs this
 *     long per attempt
 * @param maxAttempts attempts per request, first included, made by the SDK's standard retry
 *     strategy (exponential backoff with jitter)
 * @param listPageSize keys per listing page, 1 to 1,000
 * @param singlePutLimit the largest write sent as one PutObject; a larger one (a manifest of tens
 *     of millions of files) goes as a create-only multipart upload. S3's limit, 5 GiB, by default;
 *     tests lower it to take the multipart path with small objects
 * @param checkBucketOnOpen whether {@code open} sends one HeadBucket so that a missing bucket or
 *     bad credentials fail at once with a clear message
 * @param deleteCallTimeout the limit for one DeleteObjects request including its retries (default
 *     {@link ObjectStore#DELETE_CALL_LIMIT}): gc sends a delete only inside its intent window by the
 *     store's clock, and relies on the request ending within the clock margin (docs/RETENTION.md)
 * @param caBundle a PEM file of the CA certificates an https endpoint's certificate must chain to,
 *     replacing the JDK's trust store (host names are still verified); null uses {@code AWS_CA_BUNDLE}
 *     if set, else the JDK's. Read when the client is built, or for a plain-HTTP endpoint only if an
 *     https connection is ever made
 */
public record S3Options(
        S3Location location,
        URI endpoint,
        String region,
        boolean pathStyle,
        String profile,
        String accessKeyId,
        String secretAccessKey,
        ChecksumPolicy checksumPolicy,
        String storageClass,
        Encryption encryption,
        String kmsKeyId,
        int maxConnections,
        Duration apiCallTimeout,
        Duration apiCallAttemptTimeout,
        Duration socketTimeout,
        int maxAttempts,
        int listPageSize,
        long singlePutLimit,
        boolean checkBucketOnOpen,
        Duration deleteCallTimeout,
        Path caBundle) {

    /** When the SDK computes request checksums and validates response checksums. */
    public enum ChecksumPolicy {
        /**
         * Only where the operation demands one (DeleteObjects, which then also carries
         * Content-MD5). For S3-compatible servers that reject the SDK's CRC32 trailers.
         */
        WHEN_REQUIRED,
        /** Wherever the operation allows one: the SDK's default since 2.30. */
        WHEN_SUPPORTED
    }

    /** Server-side encryption of written objects. */
    public enum Encryption {
        /** Send no encryption header; the bucket's default encryption applies. */
        NONE,
        /** SSE-S3 ({@code AES256}). */
        AES256,
        /** SSE-KMS ({@code aws:kms}), with {@link #kmsKeyId()} or the account's default key. */
        KMS
    }

    public static final int DEFAULT_MAX_CONNECTIONS = 64;
    public static final int DEFAULT_MAX_ATTEMPTS = 5;
    /** The SDK's own default, stated here so the documentation has one place to point at. */
    public static final Duration DEFAULT_SOCKET_TIMEOUT = Duration.ofSeconds(30);
    public static final int MAX_LIST_PAGE_SIZE = 1000;
    /** S3's largest PutObject. */
    public static final long MAX_SINGLE_PUT = 5L << 30;

    private static final Set<String> UNREADABLE_CLASSES = Set.of("GLACIER", "DEEP_ARCHIVE");

    public S3Options {
        Objects.requireNonNull(location, "location (bucket) is required");
        Objects.requireNonNull(encryption, "encryption");
        if (endpoint != null && Redaction.hasUserInfo(endpoint.toString())) {
            throw new IllegalArgumentException("Invalid endpoint '" + Redaction.userInfo(endpoint.toString())
                    + "': credentials in the endpoint URL are not used; give them as AWS_ACCESS_KEY_ID and "
                    + "AWS_SECRET_ACCESS_KEY, or with a profile");
        }
        if (endpoint != null && (endpoint.getScheme() == null || endpoint.getHost() == null)) {
            throw new IllegalArgumentException("Invalid endpoint '" + endpoint + "': expected http(s)://host[:port]");
        }
        if ((accessKeyId == null) != (secretAccessKey == null)) {
            throw new IllegalArgumentException("Static credentials need both an access key id and a secret key");
        }
        if (accessKeyId != null && profile != null) {
            throw new IllegalArgumentException("Give either a profile or static credentials, not both");
        }
        if (storageClass != null) {
            storageClass = storageClass.trim().toUpperCase(Locale.ROOT);
            if (storageClass.isEmpty()) {
                storageClass = null;
            } else if (UNREADABLE_CLASSES.contains(storageClass)) {
                throw new IllegalArgumentException("Storage class " + storageClass + " is not supported: objects in it"
                        + " cannot be read without a restore request, so backups would not restore."
                        + " Use a lifecycle rule to archive old data instead");
            }
        }
        if (kmsKeyId != null && encryption != Encryption.KMS) {
            throw new IllegalArgumentException("A KMS key id needs encryption KMS, not " + encryption);
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be >= 1: " + maxConnections);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1: " + maxAttempts);
        }
        if (listPageSize < 1 || listPageSize > MAX_LIST_PAGE_SIZE) {
            throw new IllegalArgumentException("listPageSize must be 1 to " + MAX_LIST_PAGE_SIZE + ": " + listPageSize);
        }
        if (singlePutLimit < 1 || singlePutLimit > MAX_SINGLE_PUT) {
            throw new IllegalArgumentException("singlePutLimit must be 1 to " + MAX_SINGLE_PUT + ": " + singlePutLimit);
        }
        requirePositive("apiCallTimeout", apiCallTimeout);
        requirePositive("apiCallAttemptTimeout", apiCallAttemptTimeout);
        Objects.requireNonNull(socketTimeout, "socketTimeout");
        requirePositive("socketTimeout", socketTimeout);
        Objects.requireNonNull(deleteCallTimeout, "deleteCallTimeout");
        requirePositive("deleteCallTimeout", deleteCallTimeout);
    }

    public String bucket() {
        return location.bucket();
    }

    public String prefix() {
        return location.prefix();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from an {@code s3://bucket/prefix} URL. */
    public static Builder builder(String url) {
        return new Builder().location(S3Location.parse(url));
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.location = location;
        b.endpoint = endpoint;
        b.region = region;
        b.pathStyle = pathStyle;
        b.profile = profile;
        b.accessKeyId = accessKeyId;
        b.secretAccessKey = secretAccessKey;
        b.checksumPolicy = checksumPolicy;
        b.storageClass = storageClass;
        b.encryption = encryption;
        b.kmsKeyId = kmsKeyId;
        b.maxConnections = maxConnections;
        b.apiCallTimeout = apiCallTimeout;
        b.apiCallAttemptTimeout = apiCallAttemptTimeout;
        b.socketTimeout = socketTimeout;
        b.maxAttempts = maxAttempts;
        b.listPageSize = listPageSize;
        b.singlePutLimit = singlePutLimit;
        b.checkBucketOnOpen = checkBucketOnOpen;
        b.deleteCallTimeout = deleteCallTimeout;
        b.caBundle = caBundle;
        return b;
    }

    /** Never shows the secret key, nor more than the last 4 characters of the access key id (as the AWS CLI). */
    @Override
    public String toString() {
        return "S3Options[" + location
                + (endpoint == null ? "" : ", endpoint=" + endpoint)
                + (region == null ? "" : ", region=" + region)
                + (pathStyle ? ", pathStyle" : "")
                + (profile == null ? "" : ", profile=" + profile)
                + (accessKeyId == null ? "" : ", accessKeyId=****" + accessKeyId.substring(Math.max(0,
                        accessKeyId.length() - 4)) + ", secretAccessKey=****")
                + (checksumPolicy == null ? "" : ", checksums=" + checksumPolicy)
                + (storageClass == null ? "" : ", storageClass=" + storageClass)
                + (encryption == Encryption.NONE ? "" : ", encryption=" + encryption)
                + (kmsKeyId == null ? "" : ", kmsKeyId=" + kmsKeyId)
                + ", maxConnections=" + maxConnections
                + ", maxAttempts=" + maxAttempts
                + (apiCallTimeout == null ? "" : ", apiCallTimeout=" + apiCallTimeout)
                + (apiCallAttemptTimeout == null ? "" : ", apiCallAttemptTimeout=" + apiCallAttemptTimeout)
                + ", socketTimeout=" + socketTimeout
                + ", listPageSize=" + listPageSize
                + (singlePutLimit == MAX_SINGLE_PUT ? "" : ", singlePutLimit=" + singlePutLimit)
                + (caBundle == null ? "" : ", caBundle=" + caBundle)
                + "]";
    }

    private static void requirePositive(String name, Duration value) {
        if (value != null && (value.isNegative() || value.isZero())) {
            throw new IllegalArgumentException(name + " must be positive: " + value);
        }
    }

    /** Builds {@link S3Options}; only the bucket is required. */
    public static final class Builder {
        private S3Location location;
        private URI endpoint;
        private String region;
        private boolean pathStyle;
        private String profile;
        private String accessKeyId;
        private String secretAccessKey;
        private ChecksumPolicy checksumPolicy;
        private String storageClass;
        private Encryption encryption = Encryption.NONE;
        private String kmsKeyId;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private Duration apiCallTimeout;
        private Duration deleteCallTimeout = ObjectStore.DELETE_CALL_LIMIT;
        private Duration apiCallAttemptTimeout;
        private Duration socketTimeout = DEFAULT_SOCKET_TIMEOUT;
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private int listPageSize = MAX_LIST_PAGE_SIZE;
        private long singlePutLimit = MAX_SINGLE_PUT;
        private boolean checkBucketOnOpen = true;
        private Path caBundle;

        private Builder() {
        }

        public Builder location(S3Location location) {
            this.location = location;
            return this;
        }

        /** Sets the bucket, keeping the prefix (empty if none was set). */
        public Builder bucket(String bucket) {
            this.location = new S3Location(bucket, location == null ? "" : location.prefix());
            return this;
        }

        /** Sets the repository prefix; the bucket must be set first. */
        public Builder prefix(String prefix) {
            if (location == null) {
                throw new IllegalStateException("Set the bucket before the prefix");
            }
            this.location = new S3Location(location.bucket(), prefix);
            return this;
        }

        public Builder endpoint(URI endpoint) {
            this.endpoint = endpoint;
            return this;
        }

        public Builder endpoint(String endpoint) {
            if (endpoint == null) {
                return endpoint((URI) null);
            }
            try {
                return endpoint(new URI(endpoint));
            } catch (URISyntaxException e) {
                // Not e.getMessage(): it repeats the whole input, credentials included.
                throw new IllegalArgumentException("Invalid endpoint '" + Redaction.userInfo(endpoint) + "': not a URL ("
                        + e.getReason() + ")", e);
            }
        }

        public Builder region(String region) {
            this.region = region;
            return this;
        }

        public Builder pathStyle(boolean pathStyle) {
            this.pathStyle = pathStyle;
            return this;
        }

        public Builder profile(String profile) {
            this.profile = profile;
            return this;
        }

        public Builder credentials(String accessKeyId, String secretAccessKey) {
            this.accessKeyId = accessKeyId;
            this.secretAccessKey = secretAccessKey;
            return this;
        }

        public Builder checksumPolicy(ChecksumPolicy checksumPolicy) {
            this.checksumPolicy = checksumPolicy;
            return this;
        }

        public Builder storageClass(String storageClass) {
            this.storageClass = storageClass;
            return this;
        }

        public Builder encryption(Encryption encryption) {
            this.encryption = encryption;
            return this;
        }

        /** SSE-KMS with the given key (null for the account's default key). */
        public Builder kms(String kmsKeyId) {
            this.encryption = Encryption.KMS;
            this.kmsKeyId = kmsKeyId;
            return this;
        }

        public Builder maxConnections(int maxConnections) {
            this.maxConnections = maxConnections;
            return this;
        }

        public Builder apiCallTimeout(Duration apiCallTimeout) {
            this.apiCallTimeout = apiCallTimeout;
            return this;
        }

        public Builder apiCallAttemptTimeout(Duration apiCallAttemptTimeout) {
            this.apiCallAttemptTimeout = apiCallAttemptTimeout;
            return this;
        }

        public Builder socketTimeout(Duration socketTimeout) {
            this.socketTimeout = socketTimeout;
            return this;
        }

        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
            return this;
        }

        public Builder listPageSize(int listPageSize) {
            this.listPageSize = listPageSize;
            return this;
        }

        public Builder deleteCallTimeout(Duration deleteCallTimeout) {
            this.deleteCallTimeout = deleteCallTimeout;
            return this;
        }

        public Builder singlePutLimit(long singlePutLimit) {
            this.singlePutLimit = singlePutLimit;
            return this;
        }

        public Builder checkBucketOnOpen(boolean checkBucketOnOpen) {
            this.checkBucketOnOpen = checkBucketOnOpen;
            return this;
        }

        /** The CAs to trust for https instead of the JDK's (PEM); null: {@code AWS_CA_BUNDLE}, else the JDK's. */
        public Builder caBundle(Path caBundle) {
            this.caBundle = caBundle;
            return this;
        }

        public S3Options build() {
            return new S3Options(location, endpoint, region, pathStyle, profile, accessKeyId, secretAccessKey,
                    checksumPolicy, storageClass, encryption, kmsKeyId, maxConnections, apiCallTimeout,
                    apiCallAttemptTimeout, socketTimeout, maxAttempts, listPageSize, singlePutLimit, checkBucketOnOpen,
                    deleteCallTimeout, caBundle);
        }
    }
}
