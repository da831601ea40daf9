package dev.s3backup.s3;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.scheme.AwsV4AuthScheme;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignRequest;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignedRequest;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;
import software.amazon.awssdk.identity.spi.IdentityProvider;
import software.amazon.awssdk.identity.spi.IdentityProviders;

/**
 * SigV4 that reuses the SHA-256 s3backup already computed for a body, instead of hashing it again.
 *
 * <p>Over plain HTTP the SDK's signer always signs the payload ("Use HTTPS for unsigned payloads"):
 * a PutObject goes out aws-chunked ({@code STREAMING-AWS4-HMAC-SHA256-PAYLOAD}), every byte hashed
 * once more and an HMAC per 128 KiB, and the SDK offers no way to hand it a payload hash already
 * known. A PUT over HTTP that carries {@code x-amz-checksum-sha256} (the chunk's SHA-256, computed
 * when the chunk was read) is signed here instead, with that hash in hex as
 * {@code x-amz-content-sha256} and the body sent as is. The server checks the body against the
 * signed hash (S3, Ceph RGW: 400 XAmzContentSHA256Mismatch), so a wrong body is refused even where
 * the checksum header is not verified.
 *
 * <p>Everything else goes to the SDK's signer: other requests, PUTs without a known hash, and every
 * request over HTTPS, where the SDK already sends {@code UNSIGNED-PAYLOAD} (TLS protects the body
 * in transit, and the signed {@code x-amz-checksum-sha256} lets S3 verify it) and hashes nothing.
 */
final class KnownPayloadSigner implements AwsV4HttpSigner {

    static final String CHECKSUM_HEADER = "x-amz-checksum-sha256";
    /** Headers a proxy or the HTTP client may change: the SDK leaves them unsigned too. */
    private static final Set<String> UNSIGNED_HEADERS = Set.of("connection", "user-agent", "expect",
            "x-amzn-trace-id", "transfer-encoding");
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final String ALGORITHM = "AWS4-HMAC-SHA256";

    private final AwsV4HttpSigner sdk;

    private KnownPayloadSigner(AwsV4HttpSigner sdk) {
        this.sdk = sdk;
    }

    /** The SDK's SigV4 scheme (same id, same identities) with this signer in front of the SDK's. */
    static AwsV4AuthScheme authScheme() {
        AwsV4AuthScheme standard = AwsV4AuthScheme.create();
        KnownPayloadSigner signer = new KnownPayloadSigner(standard.signer());
        return new AwsV4AuthScheme() {
            @Override
            public String schemeId() {
                return standard.schemeId();
            }

            @Override
            public IdentityProvider<AwsCredentialsIdentity> identityProvider(IdentityProviders providers) {
                return standard.identityProvider(providers);
            }

            @Override
            public AwsV4HttpSigner signer() {
                return signer;
            }
        };
    }

    @Override
    public SignedRequest sign(SignRequest<? extends AwsCredentialsIdentity> request) {
        String payloadHash = knownPayloadHash(request);
        if (payloadHash == null) {
            return sdk.sign(request);
        }
        AwsCredentialsIdentity credentials = request.identity();
        Clock clock = request.requireProperty(SIGNING_CLOCK, Clock.systemUTC());
        String amzDate = AMZ_DATE.format(clock.instant());
        String scope = amzDate.substring(0, 8) + "/" + request.requireProperty(REGION_NAME) + "/"
                + request.requireProperty(SERVICE_SIGNING_NAME) + "/aws4_request";

        SdkHttpRequest.Builder http = request.request().toBuilder()
                .removeHeader("Authorization")
                .putHeader("x-amz-date", amzDate)
                .putHeader("x-amz-content-sha256", payloadHash);
        if (credentials instanceof AwsSessionCredentialsIdentity session) {
            http.putHeader("x-amz-security-token", session.sessionToken());
        }
        if (http.firstMatchingHeader("Host").isEmpty()) {
            http.putHeader("Host", hostHeader(http));
        }

        TreeMap<String, List<String>> signed = new TreeMap<>();
        http.forEachHeader((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!UNSIGNED_HEADERS.contains(lower)) {
                signed.computeIfAbsent(lower, k -> new ArrayList<>()).addAll(values);
            }
        });
        StringBuilder canonicalHeaders = new StringBuilder();
        for (Map.Entry<String, List<String>> header : signed.entrySet()) {
            canonicalHeaders.append(header.getKey()).append(':');
            List<String> values = header.getValue();
            for (int i = 0; i < values.size(); i++) {
                canonicalHeaders.append(i == 0 ? "" : ",").append(values.get(i).trim().replaceAll(" +", " "));
            }
            canonicalHeaders.append('\n');
        }
        String signedHeaders = String.join(";", signed.keySet());
        // S3 signs the path as sent: no second URL-encoding, no normalisation (the SDK's settings for S3).
        String path = http.encodedPath() == null || http.encodedPath().isEmpty() ? "/" : http.encodedPath();
        String canonicalRequest = http.method().name() + "\n" + path + "\n" + canonicalQuery(http) + "\n"
                + canonicalHeaders + "\n" + signedHeaders + "\n" + payloadHash;
        String stringToSign = ALGORITHM + "\n" + amzDate + "\n" + scope + "\n"
                + HexFormat.of().formatHex(sha256(canonicalRequest));

        byte[] key = hmac(("AWS4" + credentials.secretAccessKey()).getBytes(StandardCharsets.UTF_8), amzDate.substring(0, 8));
        key = hmac(key, request.requireProperty(REGION_NAME));
        key = hmac(key, request.requireProperty(SERVICE_SIGNING_NAME));
        key = hmac(key, "aws4_request");
        String signature = HexFormat.of().formatHex(hmac(key, stringToSign));
        http.putHeader("Authorization", ALGORITHM + " Credential=" + credentials.accessKeyId() + "/" + scope
                + ", SignedHeaders=" + signedHeaders + ", Signature=" + signature);
        return SignedRequest.builder().request(http.build()).payload(request.payload().orElse(null)).build();
    }

    @Override
    public CompletableFuture<AsyncSignedRequest> signAsync(AsyncSignRequest<? extends AwsCredentialsIdentity> request) {
        return sdk.signAsync(request); // s3backup's client is synchronous
    }

    /**
     * The body's SHA-256 in hex when this signer should sign: a PUT with a body over plain HTTP,
     * signed with real credentials and carrying its SHA-256; otherwise null.
     */
    private static String knownPayloadHash(SignRequest<? extends AwsCredentialsIdentity> request) {
        SdkHttpRequest http = request.request();
        if (!"http".equals(http.protocol()) || !"PUT".equals(http.method().name()) || request.payload().isEmpty()
                || request.property(AUTH_LOCATION) == AuthLocation.QUERY_STRING
                || request.identity().accessKeyId() == null || request.identity().secretAccessKey() == null) {
            return null;
        }
        String base64 = http.firstMatchingHeader(CHECKSUM_HEADER).orElse(null);
        if (base64 == null) {
            return null;
        }
        byte[] sha256;
        try {
            sha256 = Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            return null; // not ours to judge: the SDK's signer sends it, the server refuses it
        }
        return sha256.length == 32 ? HexFormat.of().formatHex(sha256) : null;
    }

    private static String hostHeader(SdkHttpRequest.Builder http) {
        int port = http.port() == null ? -1 : http.port();
        boolean standard = port == -1 || ("http".equals(http.protocol()) && port == 80)
                || ("https".equals(http.protocol()) && port == 443);
        return standard ? http.host() : http.host() + ":" + port;
    }

    /** Names and values RFC 3986-encoded, sorted by name then value; a name without value gets "=". */
    private static String canonicalQuery(SdkHttpRequest.Builder http) {
        TreeMap<String, List<String>> params = new TreeMap<>();
        http.forEachRawQueryParameter((name, values) -> {
            List<String> encoded = params.computeIfAbsent(encode(name), k -> new ArrayList<>());
            if (values.isEmpty()) {
                encoded.add("");
            }
            values.forEach(v -> encoded.add(encode(v == null ? "" : v)));
        });
        StringBuilder query = new StringBuilder();
        params.forEach((name, values) -> values.stream().sorted().forEach(v ->
                query.append(query.length() == 0 ? "" : "&").append(name).append('=').append(v)));
        return query.toString();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A")
                .replace("%7E", "~");
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }
}
