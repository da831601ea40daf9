package dev.s3backup.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/** The signature is the SDK's own, only without hashing the body again. */
class KnownPayloadSignerTest {

    private static final byte[] BODY = "a chunk's bytes".getBytes(StandardCharsets.UTF_8);
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-06T04:05:06Z"), ZoneOffset.UTC);

    @Test
    void overHttpTheKnownHashIsSignedExactlyAsTheSdkSignsTheBodysHash() throws Exception {
        for (AwsCredentialsIdentity identity : new AwsCredentialsIdentity[] {
                AwsCredentialsIdentity.create("AKIDEXAMPLE", "secret/with+chars"),
                AwsSessionCredentialsIdentity.create("ASIAEXAMPLE", "secret", "the-token")}) {
            SdkHttpRequest request = put("http://127.0.0.1:9000/bucket/repo/chunks/ab/a%20b~c?x-id=PutObject&z=1&a=");

            SignedRequest ours = KnownPayloadSigner.authScheme().signer().sign(signRequest(request, identity, null));
            // The SDK's signer, told to sign the payload without aws-chunked framing, hashes the body itself.
            SignedRequest sdks = AwsV4HttpSigner.create().sign(signRequest(request, identity, false));

            assertThat(ours.request().firstMatchingHeader("x-amz-content-sha256"))
                    .contains(HexFormat.of().formatHex(sha256(BODY)));
            assertThat(ours.request().firstMatchingHeader("Authorization"))
                    .isEqualTo(sdks.request().firstMatchingHeader("Authorization")).isPresent();
            assertThat(ours.request().headers()).isEqualTo(sdks.request().headers());
            assertThat(ours.payload().orElseThrow().newStream().readAllBytes()).isEqualTo(BODY);
        }
    }

    @Test
    void overHttpsTheSdkSendsUnsignedPayloadAndHashesNothing() {
        SdkHttpRequest request = put("https://s3.example.com/bucket/key");
        SignedRequest signed = KnownPayloadSigner.authScheme().signer().sign(
                signRequest(request, AwsCredentialsIdentity.create("AKIDEXAMPLE", "secret"), null)
                        .toBuilder().payload(() -> { throw new AssertionError("the body was read"); }).build());

        assertThat(signed.request().firstMatchingHeader("x-amz-content-sha256")).contains("UNSIGNED-PAYLOAD");
    }

    @Test
    void withoutAKnownHashTheSdkSignsAsBefore() {
        SdkHttpRequest request = put("http://127.0.0.1:9000/bucket/key").toBuilder()
                .removeHeader(KnownPayloadSigner.CHECKSUM_HEADER).build();
        SignedRequest signed = KnownPayloadSigner.authScheme().signer().sign(
                signRequest(request, AwsCredentialsIdentity.create("AKIDEXAMPLE", "secret"), null));

        assertThat(signed.request().firstMatchingHeader("x-amz-content-sha256"))
                .contains("STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
    }

    private static SdkHttpRequest put(String url) {
        try {
            return SdkHttpRequest.builder().method(SdkHttpMethod.PUT).uri(URI.create(url))
                    .putHeader("Content-Length", String.valueOf(BODY.length))
                    .putHeader("Content-Type", "application/octet-stream")
                    .putHeader("If-None-Match", "*")
                    .putHeader("x-amz-meta-note", "  two   spaces  ")
                    .putHeader(KnownPayloadSigner.CHECKSUM_HEADER, Base64.getEncoder().encodeToString(sha256(BODY)))
                    .build();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** As the S3 client asks for a PutObject signature; chunked = null leaves S3's default (true). */
    private static SignRequest<AwsCredentialsIdentity> signRequest(SdkHttpRequest request,
                                                                   AwsCredentialsIdentity identity, Boolean chunked) {
        ContentStreamProvider body = () -> new ByteArrayInputStream(BODY);
        return SignRequest.builder(identity)
                .request(request)
                .payload(body)
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
                .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false)
                .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, chunked == null ? false : true)
                .putProperty(AwsV4HttpSigner.CHUNK_ENCODING_ENABLED, chunked == null ? true : chunked)
                .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, CLOCK)
                .build();
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
