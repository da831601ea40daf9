package dev.s3backup.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.kms.model.DisabledException;
import software.amazon.awssdk.services.kms.model.IncorrectKeyException;
import software.amazon.awssdk.services.kms.model.KmsException;
import software.amazon.awssdk.services.kms.model.KmsInvalidStateException;
import software.amazon.awssdk.services.kms.model.NotFoundException;

/** KMS's answers as the exit codes they become; no server needed (the client is never called). */
class KmsErrorMappingTest {

    private static final String KEY = "arn:aws:kms:eu-west-1:111122223333:key/abcd";
    private static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    private static BackupException map(SdkException e) {
        S3Options options = S3Options.builder().bucket("b").endpoint(URI.create("http://127.0.0.1:9"))
                .region("eu-west-1").credentials("AKIDEXAMPLE", SECRET).build();
        try (KmsKeysClient kms = KmsKeysClient.open(options, Map.of())) {
            return kms.map("unlock the repository with", KEY, e);
        }
    }

    private static <B extends KmsException.Builder> KmsException service(B builder, String code, int status) {
        return (KmsException) builder.statusCode(status).awsErrorDetails(AwsErrorDetails.builder().errorCode(code)
                .errorMessage("said " + code + " with " + SECRET).build()).build();
    }

    @Test
    void eachAnswerHasItsReason() {
        assertThat(map(service(DisabledException.builder(), "DisabledException", 400)))
                .hasMessageStartingWith("Cannot unlock the repository with KMS key " + KEY + ": the key cannot be used"
                        + " in its state (DisabledException: said DisabledException")
                .satisfies(e -> assertThat(e.reason()).isEqualTo(Reason.ACCESS_DENIED));
        assertThat(map(service(KmsInvalidStateException.builder(), "KMSInvalidStateException", 400)).reason())
                .isEqualTo(Reason.ACCESS_DENIED);
        assertThat(map(service(KmsException.builder(), "AccessDeniedException", 400)))
                .hasMessageContaining(": access denied (AccessDeniedException")
                .satisfies(e -> assertThat(e.reason()).isEqualTo(Reason.ACCESS_DENIED));
        assertThat(map(service(KmsException.builder(), "SomethingElse", 403)).reason()).isEqualTo(Reason.ACCESS_DENIED);
        assertThat(map(service(NotFoundException.builder(), "NotFoundException", 400)).reason())
                .isEqualTo(Reason.NOT_FOUND);
        assertThat(map(service(IncorrectKeyException.builder(), "IncorrectKeyException", 400)).reason())
                .isEqualTo(Reason.INTEGRITY);
        assertThat(map(service(KmsException.builder(), "KMSInternalException", 500)).reason()).isEqualTo(Reason.IO);
        assertThat(map(SdkClientException.create(S3Errors.CREDENTIALS_MARKER + " from the default chain")))
                .hasMessageContaining(": no AWS credentials found")
                .satisfies(e -> assertThat(e.reason()).isEqualTo(Reason.ACCESS_DENIED));
        assertThat(map(SdkClientException.create("Connection refused")).reason()).isEqualTo(Reason.IO);
    }

    @Test
    void theSecretKeyIsMasked() {
        assertThat(map(service(KmsException.builder(), "KMSInternalException", 500)).getMessage())
                .doesNotContain(SECRET).contains("****");
    }
}
