package dev.s3backup.s3;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.core.crypt.KmsKeys;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.KmsClientBuilder;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.DisabledException;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyResponse;
import software.amazon.awssdk.services.kms.model.IncorrectKeyException;
import software.amazon.awssdk.services.kms.model.InvalidCiphertextException;
import software.amazon.awssdk.services.kms.model.KmsInvalidStateException;
import software.amazon.awssdk.services.kms.model.NotFoundException;

/**
 * {@link KmsKeys} over AWS KMS (GenerateDataKey and Decrypt), for the KMS key slots of encrypted
 * repositories. Built from the repository's {@link S3Options}: the same region, credentials,
 * timeouts and retries as its S3 client. The endpoint is {@code AWS_ENDPOINT_URL_KMS} when set,
 * else the options' endpoint (S3-compatible test servers such as moto serve KMS on the same port),
 * else {@code AWS_ENDPOINT_URL}, else AWS's.
 *
 * <p>Failures are {@link BackupException}s, "Cannot unlock the repository with KMS key K: ...":
 * ACCESS_DENIED for a missing permission, missing credentials or a disabled key, NOT_FOUND for an
 * unknown key, INTEGRITY for a ciphertext KMS refuses, IO for the rest.
 */
public final class KmsKeysClient implements KmsKeys, AutoCloseable {

    private static final Set<String> ACCESS_CODES = Set.of("AccessDeniedException", "UnrecognizedClientException",
            "InvalidSignatureException", "IncompleteSignature", "ExpiredTokenException", "MissingAuthenticationToken",
            "InvalidClientTokenId", "AccessDenied");

    private final KmsClient kms;
    private final AwsAccess access;
    private final S3Errors redaction;

    private KmsKeysClient(KmsClient kms, AwsAccess access, S3Options options) {
        this.kms = kms;
        this.access = access;
        this.redaction = new S3Errors(options.bucket(), options.secretAccessKey(),
                access.endpoint() == null ? null : access.endpoint().toString());
    }

    /** A client for the KMS of the repository these options open; close it when done. */
    public static KmsKeysClient open(S3Options options) {
        return open(options, System.getenv());
    }

    static KmsKeysClient open(S3Options options, Map<String, String> env) {
        URI endpoint = AwsAccess.endpointFromEnv(env, List.of("AWS_ENDPOINT_URL_KMS"));
        if (endpoint == null) {
            endpoint = options.endpoint() != null ? options.endpoint()
                    : AwsAccess.endpointFromEnv(env, List.of("AWS_ENDPOINT_URL"));
        }
        AwsAccess access = AwsAccess.resolve(options, env, endpoint);
        try {
            KmsClientBuilder builder = KmsClient.builder()
                    .httpClientBuilder(access.httpClient(options, env))
                    .region(Region.of(access.region()))
                    .credentialsProvider(access.credentials())
                    .overrideConfiguration(c -> {
                        c.retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                                .maxAttempts(options.maxAttempts()).build());
                        AwsAccess.applyCallSettings(c, options);
                    });
            if (endpoint != null) {
                builder.endpointOverride(endpoint);
            }
            return new KmsKeysClient(builder.build(), access, options);
        } catch (RuntimeException e) {
            access.close();
            throw e;
        }
    }

    @Override
    public DataKey generateDataKey(String kmsKeyId) {
        try {
            GenerateDataKeyResponse response = kms.generateDataKey(r -> r.keyId(kmsKeyId).keySpec(DataKeySpec.AES_256));
            return new DataKey(response.plaintext().asByteArray(), response.ciphertextBlob().asByteArray());
        } catch (SdkException e) {
            throw map("add a key slot with", kmsKeyId, e);
        }
    }

    @Override
    public byte[] decrypt(byte[] ciphertext, String kmsKeyId) {
        try {
            return kms.decrypt(r -> r.keyId(kmsKeyId).ciphertextBlob(SdkBytes.fromByteArray(ciphertext)))
                    .plaintext().asByteArray();
        } catch (SdkException e) {
            throw map("unlock the repository with", kmsKeyId, e);
        }
    }

    /** "Cannot VERB KMS key K: reason", with the reason the exit code follows from. */
    BackupException map(String verb, String kmsKeyId, SdkException e) {
        String head = "Cannot " + verb + " KMS key " + kmsKeyId + ": ";
        if (e instanceof AwsServiceException service) {
            String code = service.awsErrorDetails() == null ? null : service.awsErrorDetails().errorCode();
            String message = service.awsErrorDetails() == null ? null : service.awsErrorDetails().errorMessage();
            String detail = (code == null ? "HTTP " + service.statusCode() : code)
                    + (message == null || message.isBlank() ? "" : ": " + message);
            if (e instanceof DisabledException || e instanceof KmsInvalidStateException) {
                return failure(Reason.ACCESS_DENIED, head + "the key cannot be used in its state (" + detail
                        + "); enable it, or unlock with another key slot", e);
            }
            if (e instanceof NotFoundException) {
                return failure(Reason.NOT_FOUND, head + "no such key (" + detail + ")", e);
            }
            if (e instanceof InvalidCiphertextException || e instanceof IncorrectKeyException) {
                return failure(Reason.INTEGRITY, head + "KMS refuses the key slot's ciphertext (" + detail
                        + "); the slot is damaged or names another key", e);
            }
            if (service.statusCode() == 403 || code != null && ACCESS_CODES.contains(code)) {
                return failure(Reason.ACCESS_DENIED, head + "access denied (" + detail + "); check the key policy and"
                        + " the credentials' kms:GenerateDataKey and kms:Decrypt permissions", e);
            }
            return failure(Reason.IO, head + detail, e);
        }
        String tls = S3Errors.tlsFailure(e, access.endpoint() == null ? null : access.endpoint().toString());
        if (tls != null) {
            return failure(Reason.IO, head + tls, e);
        }
        if (S3Errors.isCredentialsFailure(e)) {
            return failure(Reason.ACCESS_DENIED, head + "no AWS credentials found: set AWS_ACCESS_KEY_ID and "
                    + "AWS_SECRET_ACCESS_KEY, pass --profile NAME, or configure ~/.aws/credentials", e);
        }
        return failure(Reason.IO, head + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
    }

    private BackupException failure(Reason reason, String message, Throwable cause) {
        return new BackupException(reason, redaction.redact(message), cause);
    }

    @Override
    public void close() {
        kms.close();
        access.close();
    }

    @Override
    public String toString() {
        return "KmsKeysClient[" + access.region() + (access.endpoint() == null ? "" : ", " + access.endpoint()) + "]";
    }
}
