package dev.s3backup.it;

import dev.s3backup.s3.S3Options;
import java.net.URI;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

/**
 * The end-to-end suite on an external S3 endpoint (AWS, MinIO, Ceph...), when these variables
 * are set: S3BACKUP_IT_BUCKET (an existing bucket the tests may write to), and optionally
 * S3BACKUP_IT_ENDPOINT, S3BACKUP_IT_REGION (default us-east-1), S3BACKUP_IT_PATH_STYLE=true,
 * S3BACKUP_IT_ACCESS_KEY / S3BACKUP_IT_SECRET_KEY. Skipped with a notice otherwise.
 */
class ExternalEndToEndTest extends EndToEndSuite {
    private static S3Backend backend;
    private static String accessKey;
    private static String secretKey;

    @BeforeAll
    static void connect() {
        String bucket = System.getenv("S3BACKUP_IT_BUCKET");
        if (bucket == null || bucket.isBlank()) {
            System.err.println("NOTICE: S3BACKUP_IT_BUCKET is not set: external-endpoint end-to-end suite skipped");
        }
        Assumptions.assumeTrue(bucket != null && !bucket.isBlank(), "S3BACKUP_IT_BUCKET not set: external suite skipped");
        String endpoint = System.getenv("S3BACKUP_IT_ENDPOINT");
        String region = System.getenv().getOrDefault("S3BACKUP_IT_REGION", "us-east-1");
        accessKey = System.getenv("S3BACKUP_IT_ACCESS_KEY");
        secretKey = System.getenv("S3BACKUP_IT_SECRET_KEY");
        S3Options.Builder options = S3Options.builder().region(region)
                .pathStyle(Boolean.parseBoolean(System.getenv("S3BACKUP_IT_PATH_STYLE")));
        if (endpoint != null && !endpoint.isBlank()) {
            options.endpoint(endpoint).checksumPolicy(S3Options.ChecksumPolicy.WHEN_REQUIRED);
        }
        if (accessKey != null && secretKey != null) {
            options.credentials(accessKey, secretKey);
        }
        backend = new S3Backend("external", endpoint == null || endpoint.isBlank() ? null : URI.create(endpoint), region,
                bucket, accessKey, secretKey, options);
    }

    @Override
    Backend backend() {
        return backend;
    }
}
