package dev.s3backup.s3;

import dev.s3backup.core.Redaction;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.regions.providers.AwsProfileRegionProvider;
import software.amazon.awssdk.regions.providers.AwsRegionProvider;
import software.amazon.awssdk.regions.providers.AwsRegionProviderChain;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.regions.providers.SystemSettingsRegionProvider;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * The region and credentials that the options (and the environment) give, resolved once the same
 * way for every AWS client this module builds: S3, and KMS for key slots.
 *
 * @param endpoint the endpoint override, null for AWS's own
 * @param regionKnown false when no region was configured anywhere and {@code region} is the default
 * @param credentials labelled: a failure to find them says where they were looked for
 * @param owned the provider to close with the client, null when there is nothing to close
 * @param caBundle the CAs that https connections trust instead of the JDK's, or null
 */
record AwsAccess(URI endpoint, String region, boolean regionKnown, AwsCredentialsProvider credentials,
                 SdkAutoCloseable owned, CaBundle caBundle) {

    static AwsAccess resolve(S3Options options, Map<String, String> env, URI endpoint) {
        boolean regionKnown = true;
        String region = options.region();
        if (region == null) {
            region = regionFromChain(options.profile(), endpoint != null);
            if (region == null) {
                region = S3ObjectStores.DEFAULT_REGION;
                regionKnown = false;
            }
        }
        AwsCredentialsProvider credentials;
        SdkAutoCloseable owned = null;
        String source;
        if (options.accessKeyId() != null) {
            credentials = StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(options.accessKeyId(), options.secretAccessKey()));
            source = "the configured access key";
        } else if (options.profile() == null && hasEnvironmentKeys(env)) {
            // What the default chain would find first, without building the chain (web identity,
            // profile files, container and instance metadata providers): measured start-up time.
            credentials = StaticCredentialsProvider.create(environmentKeys(env));
            source = "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";
        } else if (options.profile() != null) {
            ProfileCredentialsProvider profile = ProfileCredentialsProvider.builder()
                    .profileName(options.profile()).build();
            credentials = profile;
            owned = profile;
            source = "profile '" + options.profile() + "'";
        } else {
            DefaultCredentialsProvider chain = DefaultCredentialsProvider.builder().build();
            credentials = chain;
            owned = chain;
            source = "the default credential chain";
        }
        return new AwsAccess(endpoint, region, regionKnown, new LabelledCredentials(credentials, source), owned,
                CaBundle.resolve(options.caBundle(), env));
    }

    /** The HTTP client both AWS clients use: the benchmark's choice, the pool size, timeouts and trust. */
    SdkHttpClient.Builder<?> httpClient(S3Options options, Map<String, String> env) {
        return HttpClients.builder(HttpClients.fromEnvironment(env), options.maxConnections(), options.socketTimeout(),
                endpoint, caBundle);
    }

    /** Closes the credentials provider if this access owns one. */
    void close() {
        if (owned != null) {
            owned.close();
        }
    }

    /** Keys in the environment, which the default chain takes unless system properties (aws.accessKeyId) come first. */
    private static boolean hasEnvironmentKeys(Map<String, String> env) {
        return System.getProperty("aws.accessKeyId") == null && !isBlank(env.get("AWS_ACCESS_KEY_ID"))
                && !isBlank(env.get("AWS_SECRET_ACCESS_KEY"));
    }

    private static AwsCredentials environmentKeys(Map<String, String> env) {
        String id = env.get("AWS_ACCESS_KEY_ID").trim();
        String secret = env.get("AWS_SECRET_ACCESS_KEY").trim();
        String token = env.get("AWS_SESSION_TOKEN");
        return isBlank(token) ? AwsBasicCredentials.create(id, secret)
                : AwsSessionCredentials.create(id, secret, token.trim());
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }

    /** The first of the environment variables {@code names} that is set, as an endpoint URI; null when none is. */
    /** The call timeouts and profile of {@code options}, shared by the S3 and the KMS client. */
    static void applyCallSettings(software.amazon.awssdk.core.client.config.ClientOverrideConfiguration.Builder c,
                                  S3Options options) {
        if (options.apiCallTimeout() != null) {
            c.apiCallTimeout(options.apiCallTimeout());
        }
        if (options.apiCallAttemptTimeout() != null) {
            c.apiCallAttemptTimeout(options.apiCallAttemptTimeout());
        }
        if (options.profile() != null) {
            c.defaultProfileName(options.profile());
        }
    }

    static URI endpointFromEnv(Map<String, String> env, List<String> names) {
        for (String name : names) {
            String value = env.get(name);
            if (value != null && !value.isBlank()) {
                String shown = Redaction.userInfo(value.trim());
                if (Redaction.hasUserInfo(value.trim())) {
                    throw new IllegalArgumentException("Invalid " + name + " '" + shown + "': credentials in the "
                            + "endpoint URL are not used; give them as AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
                }
                try {
                    return new URI(value.trim());
                } catch (URISyntaxException e) {
                    // Not e.getMessage(): it repeats the whole value.
                    throw new IllegalArgumentException("Invalid " + name + " '" + shown + "': " + e.getReason(), e);
                }
            }
        }
        return null;
    }

    /**
     * The region from the SDK's chain, or null. With a custom endpoint the EC2 instance metadata
     * service is not asked: the server is not AWS, and the lookup would stall off EC2.
     */
    private static String regionFromChain(String profile, boolean customEndpoint) {
        AwsRegionProvider chain = customEndpoint
                ? new AwsRegionProviderChain(new SystemSettingsRegionProvider(), profile == null
                        ? new AwsProfileRegionProvider()
                        : new AwsProfileRegionProvider(ProfileFile::defaultProfileFile, profile))
                : DefaultAwsRegionProviderChain.builder().profileName(profile).build();
        try {
            return chain.getRegion().id();
        } catch (SdkClientException e) {
            return null;
        }
    }

    /** Makes every credential failure carry {@link S3Errors#CREDENTIALS_MARKER} and its source. */
    private record LabelledCredentials(AwsCredentialsProvider delegate, String source)
            implements AwsCredentialsProvider {
        @Override
        public AwsCredentials resolveCredentials() {
            try {
                return delegate.resolveCredentials();
            } catch (SdkException e) {
                if (S3Errors.isCredentialsFailure(e)) {
                    throw e;
                }
                throw SdkClientException.builder()
                        .message(S3Errors.CREDENTIALS_MARKER + " from " + source + ": " + e.getMessage())
                        .cause(e)
                        .build();
            }
        }
    }
}
