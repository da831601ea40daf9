package dev.s3backup.s3;

import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.StoreException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.s3.LegacyMd5Plugin;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * The one way into this module: opens an {@link ObjectStore} over S3 or an S3-compatible
 * server, and creates buckets for tests and {@code init}.
 */
public final class S3ObjectStores {

    static final String DEFAULT_REGION = "us-east-1";
    /** Where an S3 endpoint is read from when the options name none, as the AWS CLI reads them. */
    static final List<String> S3_ENDPOINT_VARIABLES = List.of("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL");

    private S3ObjectStores() {
    }

    /**
     * Opens the repository location. Unless {@link S3Options#checkBucketOnOpen()} is off, sends one
     * HeadBucket first, so that a missing bucket ({@code NOT_FOUND}, "Cannot access s3://bucket:
     * bucket does not exist") or unusable credentials ({@code ACCESS_DENIED}) fail here.
     *
     * @throws StoreException when the check fails
     */
    public static ObjectStore open(S3Options options) {
        return open(options, System.getenv(), List.of());
    }

    /** {@link #open(S3Options)} with the environment and extra SDK interceptors given, for tests. */
    static ObjectStore open(S3Options options, Map<String, String> env, List<ExecutionInterceptor> interceptors) {
        Client client = Client.build(options, env, interceptors);
        S3ObjectStore store = new S3ObjectStore(client.s3, client.ownedCredentials, options, client.endpointLabel(),
                client.retries);
        if (options.checkBucketOnOpen()) {
            try {
                checkBucket(client);
            } catch (RuntimeException e) {
                store.close();
                throw e;
            }
        }
        return store;
    }

    /**
     * Creates the options' bucket unless it exists (in the options' region, with a location
     * constraint outside us-east-1).
     *
     * @return true when this call created the bucket
     * @throws StoreException when the bucket can be neither found nor created
     */
    public static boolean createBucketIfMissing(S3Options options) {
        try (Client client = Client.build(options, System.getenv(), List.of())) {
            try {
                checkBucket(client);
                return false;
            } catch (StoreException e) {
                if (e.kind() != StoreException.Kind.NOT_FOUND) {
                    throw e;
                }
            }
            String bucket = options.bucket();
            try {
                client.s3.createBucket(b -> {
                    b.bucket(bucket);
                    if (!DEFAULT_REGION.equals(client.region)) {
                        b.createBucketConfiguration(c -> c.locationConstraint(client.region));
                    }
                });
                return true;
            } catch (BucketAlreadyOwnedByYouException e) {
                return false;
            } catch (SdkException e) {
                throw client.errors.map("create", "bucket s3://" + bucket, e);
            }
        }
    }

    /**
     * Runs {@code action} with a client built exactly as {@link #open} builds one, for the
     * bucket-level helpers ({@link S3BucketPolicies}); closed afterwards.
     */
    static <T> T withClient(S3Options options, java.util.function.BiFunction<S3Client, S3Errors, T> action) {
        try (Client client = Client.build(options, System.getenv(), List.of())) {
            return action.apply(client.s3, client.errors);
        }
    }

    private static void checkBucket(Client client) {
        String bucket = client.options.bucket();
        try {
            client.s3.headBucket(b -> b.bucket(bucket));
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw client.errors.bucketMissing(e);
            }
            if (e.statusCode() == 403 && listsItsPrefix(client)) {
                // A least-privilege policy grants ListBucket for the repository's prefix only (docs/IAM.md).
                return;
            }
            throw client.errors.map("access", "s3://" + bucket, e);
        } catch (SdkException e) {
            throw client.errors.map("access", "s3://" + bucket, e);
        }
    }

    /** Whether listing the repository's own prefix is allowed, where HeadBucket (the whole bucket) was not. */
    private static boolean listsItsPrefix(Client client) {
        try {
            client.s3.listObjectsV2(b -> b.bucket(client.options.bucket()).prefix(client.options.prefix()).maxKeys(1));
            return true;
        } catch (SdkException e) {
            return false;
        }
    }

    /** An S3 client and what was resolved to build it. */
    private static final class Client implements AutoCloseable {
        final S3Options options;
        final S3Client s3;
        final SdkAutoCloseable ownedCredentials;
        final URI endpoint;
        final String region;
        final S3Errors errors;
        final RetryCounter retries;

        private Client(S3Options options, S3Client s3, SdkAutoCloseable ownedCredentials, URI endpoint, String region,
                       RetryCounter retries) {
            this.options = options;
            this.s3 = s3;
            this.ownedCredentials = ownedCredentials;
            this.endpoint = endpoint;
            this.region = region;
            this.errors = new S3Errors(options.bucket(), options.secretAccessKey(), endpointLabel());
            this.retries = retries;
        }

        String endpointLabel() {
            return endpoint == null ? null : endpoint.toString();
        }

        static Client build(S3Options options, Map<String, String> env, List<ExecutionInterceptor> interceptors) {
            AwsAccess access = AwsAccess.resolve(options, env, options.endpoint() != null ? options.endpoint()
                    : AwsAccess.endpointFromEnv(env, S3_ENDPOINT_VARIABLES));
            URI endpoint = access.endpoint();
            String region = access.region();
            S3Options.ChecksumPolicy policy = options.checksumPolicy() != null ? options.checksumPolicy()
                    : endpoint == null ? S3Options.ChecksumPolicy.WHEN_SUPPORTED : S3Options.ChecksumPolicy.WHEN_REQUIRED;

            // The standard strategy retries throttling (503 SlowDown), 5xx, I/O errors (connection reset,
            // a body cut short before the SDK returned) and timeouts, with exponential backoff and full jitter.
            RetryStrategy retry = AwsRetryStrategy.standardRetryStrategy().toBuilder()
                    .maxAttempts(options.maxAttempts())
                    // S3 answers concurrent conditional writes of one key with 409 and asks for a retry.
                    .retryOnException(Client::isConditionalConflict)
                    .build();

            RetryCounter retries = new RetryCounter();
            S3Client s3;
            try {
                s3 = builder(options, env, interceptors, access, policy, retry, retries).build();
            } catch (RuntimeException e) {
                access.close();
                throw e;
            }
            return new Client(options, s3, access.owned(), endpoint, region, retries);
        }

        private static S3ClientBuilder builder(S3Options options, Map<String, String> env,
                                               List<ExecutionInterceptor> interceptors, AwsAccess access,
                                               S3Options.ChecksumPolicy policy, RetryStrategy retry,
                                               RetryCounter retries) {
            URI endpoint = access.endpoint();
            S3ClientBuilder builder = S3Client.builder()
                    .httpClientBuilder(access.httpClient(options, env))
                    .region(Region.of(access.region()))
                    .credentialsProvider(access.credentials())
                    .forcePathStyle(options.pathStyle())
                    // Over plain HTTP, a PUT whose SHA-256 is known is signed with it rather than hashed again.
                    .putAuthScheme(KnownPayloadSigner.authScheme())
                    .requestChecksumCalculation(policy == S3Options.ChecksumPolicy.WHEN_REQUIRED
                            ? RequestChecksumCalculation.WHEN_REQUIRED : RequestChecksumCalculation.WHEN_SUPPORTED)
                    .responseChecksumValidation(policy == S3Options.ChecksumPolicy.WHEN_REQUIRED
                            ? ResponseChecksumValidation.WHEN_REQUIRED : ResponseChecksumValidation.WHEN_SUPPORTED)
                    .overrideConfiguration(c -> {
                        c.retryStrategy(retry);
                        c.addMetricPublisher(retries);
                        AwsAccess.applyCallSettings(c, options);
                        interceptors.forEach(c::addExecutionInterceptor);
                    });
            if (endpoint != null) {
                builder.endpointOverride(endpoint);
            } else if (!access.regionKnown()) {
                // No region configured anywhere: let the SDK follow S3's redirect to the bucket's region.
                builder.crossRegionAccessEnabled(true);
            }
            if (policy == S3Options.ChecksumPolicy.WHEN_REQUIRED) {
                // Older S3-compatible servers demand Content-MD5 on DeleteObjects, which SDK 2.30+ dropped.
                builder.addPlugin(LegacyMd5Plugin.create());
            }
            return builder;
        }

        private static boolean isConditionalConflict(Throwable t) {
            return t instanceof S3Exception e && e.statusCode() == 409
                    && "ConditionalRequestConflict".equals(S3Errors.code(e));
        }

        @Override
        public void close() {
            s3.close();
            if (ownedCredentials != null) {
                ownedCredentials.close();
            }
        }
    }
}
