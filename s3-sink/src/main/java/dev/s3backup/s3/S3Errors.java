package dev.s3backup.s3;

import dev.s3backup.core.store.StoreException;
import java.security.cert.CertificateException;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Turns SDK exceptions into {@link StoreException}s with "Cannot &lt;verb&gt; &lt;thing&gt;: &lt;reason&gt;"
 * messages. Messages are built from the error code and the server's message, never from the
 * request, and the secret key (when one was configured) is masked as a last line of defence.
 */
final class S3Errors {

    /** Marks credential-provider failures; the mapper looks for it in SDK messages. */
    static final String CREDENTIALS_MARKER = "Unable to load credentials";

    private static final Set<String> ACCESS_CODES = Set.of("AccessDenied", "InvalidAccessKeyId",
            "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "TokenRefreshRequired", "AllAccessDisabled",
            "AccountProblem", "InvalidSecurity", "NotSignedUp", "RequestTimeTooSkewed");
    private static final Set<String> INTEGRITY_CODES = Set.of("BadDigest", "InvalidDigest",
            "XAmzContentSHA256Mismatch", "InvalidChecksum");

    private final String bucket;
    private final String secret;
    private final String endpoint;

    /** @param endpoint the endpoint override, for messages; null for AWS's own */
    S3Errors(String bucket, String secret, String endpoint) {
        this.bucket = bucket;
        this.secret = secret;
        this.endpoint = endpoint;
    }

    static String code(S3Exception e) {
        return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    }

    /** Whether the exception is S3's "no such object" (HEAD's 404 has no body, hence no code). */
    static boolean isNoSuchKey(S3Exception e) {
        String code = code(e);
        return "NoSuchKey".equals(code) || (e.statusCode() == 404 && !"NoSuchBucket".equals(code));
    }

    StoreException bucketMissing(Throwable cause) {
        return StoreException.locationMissing("Cannot access s3://" + bucket + ": bucket does not exist", cause);
    }

    /**
     * @param verb what was attempted ("read", "write", "list", "delete", "access")
     * @param target the object or location, as an {@code s3://} URL
     */
    StoreException map(String verb, String target, Throwable e) {
        String head = "Cannot " + verb + " " + target + ": ";
        if (e instanceof S3Exception s3) {
            String code = code(s3);
            int status = s3.statusCode();
            String detail = detail(s3);
            if ("NoSuchBucket".equals(code)) {
                return bucketMissing(e);
            }
            if (isNoSuchKey(s3)) {
                return new StoreException(StoreException.Kind.NOT_FOUND, head + "no such object", e);
            }
            if (status == 403 || (code != null && ACCESS_CODES.contains(code))) {
                return new StoreException(StoreException.Kind.ACCESS_DENIED,
                        redact(head + "access denied (" + detail + "); check the credentials, the region and"
                                + " the bucket policy"), e);
            }
            if ((code != null && INTEGRITY_CODES.contains(code)) || (status == 400 && mentionsChecksumHeader(s3))) {
                return new StoreException(StoreException.Kind.INTEGRITY,
                        redact(head + "the server rejected the content's checksum (" + detail + ")"), e);
            }
            if (status == 301 || "PermanentRedirect".equals(code) || "AuthorizationHeaderMalformed".equals(code)) {
                String region = s3.awsErrorDetails() == null || s3.awsErrorDetails().sdkHttpResponse() == null ? null
                        : s3.awsErrorDetails().sdkHttpResponse().firstMatchingHeader("x-amz-bucket-region").orElse(null);
                return new StoreException(StoreException.Kind.IO, redact(head + "the bucket is in "
                        + (region == null ? "another region" : "region " + region) + "; set the region ("
                        + detail + ")"), e);
            }
            return new StoreException(StoreException.Kind.IO, redact(head + detail), e);
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        String tls = tlsFailure(e, endpoint);
        if (tls != null) {
            return new StoreException(StoreException.Kind.IO, redact(head + tls), e);
        }
        if (e instanceof SdkClientException && message.contains(CREDENTIALS_MARKER)) {
            return new StoreException(StoreException.Kind.ACCESS_DENIED,
                    // The SDK's message lists every provider it tried; --debug shows it with the cause.
                    redact(head + "no AWS credentials found" + profileHint(message) + ": set AWS_ACCESS_KEY_ID and "
                            + "AWS_SECRET_ACCESS_KEY, pass --profile NAME, or configure ~/.aws/credentials"), e);
        }
        if (e instanceof SdkClientException && message.toLowerCase(Locale.ROOT).contains("different checksum")) {
            return new StoreException(StoreException.Kind.INTEGRITY,
                    redact(head + "the data read does not match the server's checksum (" + message + ")"), e);
        }
        return new StoreException(StoreException.Kind.IO, redact(head + message), e);
    }

    /**
     * What went wrong when {@code e} is a failed TLS handshake, saying how to trust a private CA;
     * null for any other failure. Retrying does not help: the operator must act.
     *
     * @param endpoint the endpoint, for the message; null for AWS's own
     */
    static String tlsFailure(Throwable e, String endpoint) {
        SSLException ssl = null;
        for (Throwable t = e; t != null && ssl == null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SSLHandshakeException || t instanceof SSLPeerUnverifiedException) {
                ssl = (SSLException) t;
            }
        }
        if (ssl == null) {
            return null;
        }
        String why;
        if (ssl instanceof SSLPeerUnverifiedException) {
            // Apache's hostname verifier: "Certificate for <host> doesn't match any of the subject alternative names"
            why = "the server's certificate is not for this host (" + ssl.getMessage() + ")";
        } else if (hasCause(ssl, CertificateException.class) || String.valueOf(ssl.getMessage()).contains("PKIX")) {
            why = "the server's certificate is not signed by a trusted CA";
        } else {
            why = "the TLS handshake failed (" + ssl.getMessage() + ")";
        }
        return why + " at " + (endpoint == null ? "the AWS endpoint" : endpoint) + "; if the server uses a private CA,"
                + " pass --ca-bundle FILE or set AWS_CA_BUNDLE (PEM certificates)";
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /**
     * S3Mock answers a SHA-256 mismatch with 400 BadRequest "Value for x-amz-checksum-sha256 header
     * is invalid" (AWS uses that text for a malformed value, which this store never sends).
     */
    private static boolean mentionsChecksumHeader(S3Exception e) {
        String message = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
        return message != null && message.toLowerCase(Locale.ROOT).contains("x-amz-checksum-");
    }

    private static String detail(S3Exception e) {
        String code = code(e);
        String message = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
        StringBuilder out = new StringBuilder();
        out.append(code == null ? "HTTP " + e.statusCode() : code + ", HTTP " + e.statusCode());
        if (message != null && !message.isBlank()) {
            out.append(": ").append(message);
        }
        return out.toString();
    }

    /** True for an SDK exception about missing credentials, so callers can map it themselves. */
    static boolean isCredentialsFailure(SdkException e) {
        return e instanceof SdkClientException && e.getMessage() != null && e.getMessage().contains(CREDENTIALS_MARKER);
    }

    String redact(String message) {
        // A real secret key is 40 characters; masking a short test value would mangle every message.
        if (secret == null || secret.length() < 8 || message == null) {
            return message;
        }
        return message.replace(secret, "****");
    }

    private static final java.util.regex.Pattern PROFILE = java.util.regex.Pattern.compile("profile '([^']+)'");

    /** Names a profile the user chose but that holds no credentials, the one detail worth keeping. */
    private static String profileHint(String message) {
        java.util.regex.Matcher m = PROFILE.matcher(message);
        if (!m.find() || m.group(1).equals("default")) {
            return "";
        }
        String name = m.group(1);
        boolean known;
        try {
            known = software.amazon.awssdk.profiles.ProfileFile.defaultProfileFile().profile(name).isPresent();
        } catch (RuntimeException e) {
            known = true; // cannot tell: say the less surprising thing
        }
        return known ? " (profile '" + name + "' has no credentials)"
                : " (there is no profile '" + name + "' in ~/.aws/config or ~/.aws/credentials)";
    }
}
