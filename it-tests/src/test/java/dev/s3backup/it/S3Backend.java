package dev.s3backup.it;

import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.s3.S3ObjectStores;
import dev.s3backup.s3.S3Options;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bucket on an S3 server. The CLI runs in this JVM and takes credentials from the SDK's
 * default chain, whose first link is the aws.accessKeyId / aws.secretAccessKey system properties.
 */
public final class S3Backend implements Backend {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private final String name;
    private final URI endpoint;
    private final String region;
    private final String bucket;
    private final S3Options.Builder baseOptions;
    private final Map<String, String> childEnvironment;

    /** @param baseOptions endpoint, region, path style and credentials for the server; the bucket is set here */
    public S3Backend(String name, URI endpoint, String region, String bucket, String accessKey, String secretKey,
              S3Options.Builder baseOptions) {
        this.name = name;
        this.endpoint = endpoint;
        this.region = region;
        this.bucket = bucket;
        this.baseOptions = baseOptions;
        this.childEnvironment = accessKey == null || secretKey == null ? Map.of()
                : Map.of("AWS_ACCESS_KEY_ID", accessKey, "AWS_SECRET_ACCESS_KEY", secretKey);
        useCredentials(accessKey, secretKey);
        S3ObjectStores.createBucketIfMissing(baseOptions.bucket(bucket).build());
    }

    /** Static credentials for the CLI in this JVM; none (null) leaves the default chain to find them. */
    public static void useCredentials(String accessKey, String secretKey) {
        if (accessKey == null || secretKey == null) {
            return;
        }
        System.setProperty("aws.accessKeyId", accessKey);
        System.setProperty("aws.secretAccessKey", secretKey);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String newRepoUrl(String label) {
        return "s3://" + bucket + "/" + label + "-" + System.currentTimeMillis() + "-" + COUNTER.incrementAndGet();
    }

    @Override
    public List<String> connectionArgs() {
        if (endpoint == null) {
            return List.of("--region", region);
        }
        return List.of("--endpoint", endpoint.toString(), "--path-style", "--region", region,
                "--checksum-mode", "when-required");
    }

    @Override
    public ObjectStore openStore(String repoUrl) {
        String prefix = repoUrl.substring(("s3://" + bucket + "/").length());
        return S3ObjectStores.open(baseOptions.bucket(bucket).prefix(prefix).build());
    }

    @Override
    public Map<String, String> childEnvironment() {
        return childEnvironment;
    }

    @Override
    public String missingLocationUrl() {
        return "s3://no-such-bucket-" + System.nanoTime() + "/repo";
    }

    @Override
    public String missingLocationReason() {
        return "bucket does not exist";
    }
}
