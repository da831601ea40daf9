package dev.s3backup.s3;

import dev.s3backup.core.store.DeleteResult;
import dev.s3backup.core.store.ListPage;
import dev.s3backup.core.store.ObjectInfo;
import dev.s3backup.core.store.ObjectKeys;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.Payload;
import dev.s3backup.core.store.Retention;
import dev.s3backup.core.store.StoreException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Error;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * An {@link ObjectStore} over one bucket and key prefix, with the synchronous S3 client.
 *
 * <p>Request mapping: putIfAbsent is PutObject with {@code If-None-Match: *} (412 means the key
 * exists) and, when the payload carries one, its SHA-256 as {@code x-amz-checksum-sha256}, which
 * the server verifies (400 BadDigest on mismatch) and which stops the SDK from computing a
 * checksum of its own. get/getRange are GetObject (with {@code Range}); head is HeadObject; list
 * is ListObjectsV2; delete is DeleteObjects in quiet batches of 1,000. Retries are the SDK's
 * standard strategy, configured in {@link S3ObjectStores}; a GET body cut off after the SDK has
 * handed it over is resumed here with a ranged GET, see {@link ResumingBody}.
 *
 * <p>Object Lock: a payload with a retention is sent with {@code x-amz-object-lock-mode} and
 * {@code -retain-until-date} (and always a SHA-256, which S3 requires on such a PUT); head reports
 * the retain-until; extendRetention is PutObjectRetention. In a bucket with Object Lock (asked once,
 * on the first delete, with GetObjectLockConfiguration), versioning is on and a plain DELETE would
 * only add a delete marker that hides the object and frees nothing. There delete HEADs each key
 * for its version and retention, leaves objects still under retention in place (reported as
 * locked), and deletes the current version of the others permanently: it never writes a delete
 * marker.
 */
final class S3ObjectStore implements ObjectStore {

    private static final int DELETE_BATCH = 1000;
    /** S3's smallest part but the last; larger parts when 10,000 of these would not hold the payload. */
    private static final long MIN_PART_SIZE = 8L << 20;
    private static final int MAX_PARTS = 10_000;
    private static final String CONDITIONAL_CONFLICT = "ConditionalRequestConflict";

    private final S3Client s3;
    private final SdkAutoCloseable ownedCredentials;
    private final S3Options options;
    private final String bucket;
    private final String prefix;
    private final String description;
    private final S3Errors errors;
    private final RetryCounter retries;
    /** Null until the first delete asks whether the bucket has Object Lock. */
    private volatile Boolean objectLockBucket;
    private volatile ExecutorService lookupPool;

    S3ObjectStore(S3Client s3, SdkAutoCloseable ownedCredentials, S3Options options, String endpointForMessages,
                  RetryCounter retries) {
        this.s3 = s3;
        this.ownedCredentials = ownedCredentials;
        this.options = options;
        this.bucket = options.bucket();
        this.prefix = options.prefix();
        this.description = options.location() + (endpointForMessages == null ? "" : " at " + endpointForMessages);
        this.errors = new S3Errors(bucket, options.secretAccessKey(), endpointForMessages);
        this.retries = retries;
    }

    @Override
    public PutOutcome putIfAbsent(String key, Payload payload) {
        ObjectKeys.requireValidKey(key);
        String fullKey = prefix + key;
        if (payload.length() > options.singlePutLimit()) {
            return putMultipart(key, fullKey, payload);
        }
        PutObjectRequest.Builder request = PutObjectRequest.builder()
                .bucket(bucket)
                .key(fullKey)
                .ifNoneMatch("*")
                .contentLength(payload.length());
        byte[] sha256 = payload.sha256();
        if (sha256 == null && (payload.retention() != null || payload.length() == 0)) {
            // S3 refuses a PUT with Object Lock headers that carries no checksum of the body. An empty
            // body's costs nothing, and with it the PUT is not aws-chunked, which Ceph RGW refuses when empty.
            sha256 = sha256Of(payload, fullKey);
        }
        if (payload.retention() != null) {
            // x-amz-sdk-checksum-algorithm too: some servers (moto) look for it or Content-MD5 on a locked PUT.
            request.objectLockMode(payload.retention().mode().name())
                    .objectLockRetainUntilDate(payload.retention().until())
                    .checksumAlgorithm(ChecksumAlgorithm.SHA256);
        }
        if (sha256 != null) {
            // A precomputed x-amz-checksum-* header makes the SDK skip its own (CRC32) checksum.
            request.checksumSHA256(Base64.getEncoder().encodeToString(sha256));
        }
        if (options.storageClass() != null) {
            request.storageClass(options.storageClass());
        }
        switch (options.encryption()) {
            case AES256 -> request.serverSideEncryption(ServerSideEncryption.AES256);
            case KMS -> {
                request.serverSideEncryption(ServerSideEncryption.AWS_KMS);
                if (options.kmsKeyId() != null) {
                    request.ssekmsKeyId(options.kmsKeyId());
                }
            }
            case NONE -> { }
        }
        try {
            s3.putObject(request.build(), body(payload));
            return PutOutcome.CREATED;
        } catch (S3Exception e) {
            if (e.statusCode() == 412) {
                return PutOutcome.ALREADY_EXISTED;
            }
            if (e.statusCode() == 409 && CONDITIONAL_CONFLICT.equals(S3Errors.code(e))) {
                // Another conditional write of this key was in flight through all the SDK's retries.
                // If it has landed, the key exists; otherwise the caller may retry later.
                if (head(key).isPresent()) {
                    return PutOutcome.ALREADY_EXISTED;
                }
            }
            throw errors.map("write", url(fullKey), e);
        } catch (SdkException e) {
            throw errors.map("write", url(fullKey), e);
        }
    }

    @Override
    public long singlePutLimit() {
        return options.singlePutLimit();
    }

    /**
     * A payload over the single-PUT limit (a manifest of tens of millions of files):
     * CreateMultipartUpload, parts of at least {@value #MIN_PART_SIZE} bytes (at most
     * {@value #MAX_PARTS}) each with its SHA-256, then CompleteMultipartUpload with
     * {@code If-None-Match: *}, whose 412 means the key exists, as for a PutObject. A HEAD first
     * answers "exists" without uploading anything; on a server that ignores the condition on the
     * completion (Ceph RGW, see docs/STORAGE.md), it is the only check. The payload's own SHA-256 is
     * compared with the bytes sent before completing. An upload that does not complete is aborted.
     */
    private PutOutcome putMultipart(String key, String fullKey, Payload payload) {
        if (head(key).isPresent()) {
            return PutOutcome.ALREADY_EXISTED;
        }
        CreateMultipartUploadRequest.Builder create = CreateMultipartUploadRequest.builder().bucket(bucket).key(fullKey)
                .checksumAlgorithm(ChecksumAlgorithm.SHA256);
        if (payload.retention() != null) {
            create.objectLockMode(payload.retention().mode().name())
                    .objectLockRetainUntilDate(payload.retention().until());
        }
        if (options.storageClass() != null) {
            create.storageClass(options.storageClass());
        }
        switch (options.encryption()) {
            case AES256 -> create.serverSideEncryption(ServerSideEncryption.AES256);
            case KMS -> {
                create.serverSideEncryption(ServerSideEncryption.AWS_KMS);
                if (options.kmsKeyId() != null) {
                    create.ssekmsKeyId(options.kmsKeyId());
                }
            }
            case NONE -> { }
        }
        String uploadId;
        try {
            uploadId = s3.createMultipartUpload(create.build()).uploadId();
        } catch (SdkException e) {
            throw errors.map("write", url(fullKey), e);
        }
        boolean completed = false;
        try (InputStream in = payload.open()) {
            long length = payload.length();
            long partSize = Math.max(MIN_PART_SIZE, (length + MAX_PARTS - 1) / MAX_PARTS);
            MessageDigest whole = MessageDigest.getInstance("SHA-256");
            List<CompletedPart> parts = new ArrayList<>();
            for (long offset = 0; offset < length; offset += partSize) {
                byte[] part = in.readNBytes((int) Math.min(partSize, length - offset));
                if (part.length == 0) {
                    throw new IOException("the body ended after " + offset + " of " + length + " bytes");
                }
                whole.update(part);
                String partSha = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(part));
                int number = parts.size() + 1;
                var uploaded = s3.uploadPart(UploadPartRequest.builder().bucket(bucket).key(fullKey).uploadId(uploadId)
                        .partNumber(number).contentLength((long) part.length).checksumSHA256(partSha).build(),
                        RequestBody.fromContentProvider(() -> new ByteArrayInputStream(part), part.length,
                                "application/octet-stream"));
                parts.add(CompletedPart.builder().partNumber(number).eTag(uploaded.eTag()).checksumSHA256(partSha).build());
            }
            byte[] expected = payload.sha256();
            if (expected != null && !java.util.Arrays.equals(expected, whole.digest())) {
                throw new StoreException(StoreException.Kind.INTEGRITY, "Cannot write " + url(fullKey)
                        + ": the body does not match its SHA-256");
            }
            s3.completeMultipartUpload(CompleteMultipartUploadRequest.builder().bucket(bucket).key(fullKey)
                    .uploadId(uploadId).ifNoneMatch("*")
                    .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build()).build());
            completed = true;
            return PutOutcome.CREATED;
        } catch (S3Exception e) {
            if (e.statusCode() == 412) {
                return PutOutcome.ALREADY_EXISTED;
            }
            if (e.statusCode() == 409 && CONDITIONAL_CONFLICT.equals(S3Errors.code(e)) && head(key).isPresent()) {
                return PutOutcome.ALREADY_EXISTED;
            }
            throw errors.map("write", url(fullKey), e);
        } catch (SdkException e) {
            throw errors.map("write", url(fullKey), e);
        } catch (IOException e) {
            throw new StoreException(StoreException.Kind.IO, "Cannot write " + url(fullKey) + ": cannot read the body: "
                    + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } finally {
            if (!completed) {
                abortQuietly(fullKey, uploadId);
            }
        }
    }

    /** Parts of an upload that did not complete are billed until aborted. */
    private void abortQuietly(String fullKey, String uploadId) {
        try {
            s3.abortMultipartUpload(AbortMultipartUploadRequest.builder().bucket(bucket).key(fullKey).uploadId(uploadId)
                    .build());
        } catch (SdkException e) {
            // The bucket's AbortIncompleteMultipartUpload rule (docs/RETENTION.md) removes it later.
        }
    }

    private static RequestBody body(Payload payload) {
        if (payload.file() != null) {
            return RequestBody.fromFile(payload.file());
        }
        byte[] array = payload.array();
        int offset = payload.arrayOffset();
        int length = (int) payload.length();
        // A provider over the caller's array: no copy, and a fresh stream for each retry.
        return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(array, offset, length), length,
                "application/octet-stream");
    }

    @Override
    public InputStream get(String key) {
        ObjectKeys.requireValidKey(key);
        String fullKey = prefix + key;
        try {
            return openBody(fullKey, 0, -1);
        } catch (SdkException e) {
            throw errors.map("read", url(fullKey), e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>A range reaching past the end stops at the end; one starting at or after the end is empty
     * (S3 answers it with 416).
     */
    @Override
    public InputStream getRange(String key, long offset, long length) {
        ObjectKeys.requireValidKey(key);
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("Invalid range: offset " + offset + ", length " + length);
        }
        String fullKey = prefix + key;
        if (length == 0) {
            // "bytes=n-(n-1)" is not a valid range and S3 would answer with the whole object.
            if (head(key).isEmpty()) {
                throw new StoreException(StoreException.Kind.NOT_FOUND, "Cannot read " + url(fullKey) + ": no such object");
            }
            return InputStream.nullInputStream();
        }
        long last = offset + length - 1 < offset ? Long.MAX_VALUE : offset + length - 1;
        try {
            return openBody(fullKey, offset, last);
        } catch (S3Exception e) {
            if (e.statusCode() == 416) {
                return InputStream.nullInputStream();
            }
            throw errors.map("read", url(fullKey), e);
        } catch (SdkException e) {
            throw errors.map("read", url(fullKey), e);
        }
    }

    @Override
    public Optional<ObjectInfo> head(String key) {
        ObjectKeys.requireValidKey(key);
        String fullKey = prefix + key;
        HeadObjectResponse response;
        try {
            response = s3.headObject(b -> b.bucket(bucket).key(fullKey));
        } catch (S3Exception e) {
            if (S3Errors.isNoSuchKey(e)) {
                return Optional.empty();
            }
            throw errors.map("read", url(fullKey), e);
        } catch (SdkException e) {
            throw errors.map("read", url(fullKey), e);
        }
        if (response.lastModified() == null || response.contentLength() == null) {
            // A missing time must not read as "old": retention would take the object for garbage.
            throw new StoreException(StoreException.Kind.IO,
                    "Cannot read " + url(fullKey) + ": the server sent no Last-Modified or Content-Length");
        }
        return Optional.of(new ObjectInfo(key, response.contentLength(), response.lastModified(),
                response.objectLockRetainUntilDate()));
    }

    /**
     * {@inheritDoc}
     *
     * <p>PutObjectRetention. S3 refuses to shorten a retention (COMPLIANCE always, GOVERNANCE
     * without the bypass permission, which this store never asks for); on a refusal, a HEAD tells
     * whether the object is already retained long enough.
     */
    @Override
    public Instant extendRetention(String key, Retention retention) {
        ObjectKeys.requireValidKey(key);
        String fullKey = prefix + key;
        try {
            s3.putObjectRetention(b -> b.bucket(bucket).key(fullKey).retention(r -> r
                    .mode(retention.mode().name()).retainUntilDate(retention.until())));
            return retention.until();
        } catch (S3Exception e) {
            if (!S3Errors.isNoSuchKey(e) && (e.statusCode() == 403 || e.statusCode() == 400)) {
                Instant current = head(key).map(ObjectInfo::retainUntil).orElse(null);
                if (current != null && !current.isBefore(retention.until())) {
                    return current;
                }
            }
            throw errors.map("set the retention of", url(fullKey), e);
        } catch (SdkException e) {
            throw errors.map("set the retention of", url(fullKey), e);
        }
    }

    @Override
    public ListPage list(String listPrefix, String continuation) {
        ObjectKeys.requireValidPrefix(listPrefix);
        ListObjectsV2Request request = ListObjectsV2Request.builder()
                .bucket(bucket)
                .prefix(prefix + listPrefix)
                .maxKeys(options.listPageSize())
                .continuationToken(continuation)
                .build();
        ListObjectsV2Response response;
        try {
            response = s3.listObjectsV2(request);
        } catch (SdkException e) {
            throw errors.map("list", url(prefix + listPrefix), e);
        }
        List<ObjectInfo> objects = new ArrayList<>(response.contents().size());
        for (S3Object object : response.contents()) {
            String key = object.key().substring(prefix.length());
            // Folder markers ("dir/") and foreign keys the layout cannot contain are not objects here.
            if (!ObjectKeys.isValidKey(key)) {
                continue;
            }
            if (object.lastModified() == null || object.size() == null) {
                throw new StoreException(StoreException.Kind.IO, "Cannot list " + url(prefix + listPrefix)
                        + ": the server sent no LastModified or Size for " + object.key());
            }
            objects.add(new ObjectInfo(key, object.size(), object.lastModified()));
        }
        if (!Boolean.TRUE.equals(response.isTruncated())) {
            return new ListPage(objects, null);
        }
        String next = response.nextContinuationToken();
        // Taking such a page for the last would make gc's mark miss the manifests beyond it.
        if (next == null || next.isEmpty()) {
            throw new StoreException(StoreException.Kind.IO, "Cannot list " + url(prefix + listPrefix)
                    + ": the server says the listing is truncated but sent no continuation token");
        }
        return new ListPage(objects, next);
    }

    /**
     * {@inheritDoc}
     *
     * <p>A request that fails as a whole is thrown when no key has been deleted yet (nothing is
     * partial then, and the kind tells why); after that, its keys are reported as failed.
     */
    @Override
    public DeleteResult delete(Collection<String> keys) {
        keys.forEach(ObjectKeys::requireValidKey);
        List<String> distinct = new ArrayList<>(new LinkedHashSet<>(keys));
        if (distinct.isEmpty()) {
            return new DeleteResult(0, Map.of());
        }
        boolean firstAsk = objectLockBucket == null;
        if (objectLockBucket()) {
            return deleteVersions(distinct, firstAsk ? 1 : 0);
        }
        int deleted = 0;
        Map<String, String> failed = new LinkedHashMap<>();
        for (int from = 0; from < distinct.size(); from += DELETE_BATCH) {
            List<String> batch = distinct.subList(from, Math.min(distinct.size(), from + DELETE_BATCH));
            List<ObjectIdentifier> ids = new ArrayList<>(batch.size());
            batch.forEach(key -> ids.add(ObjectIdentifier.builder().key(prefix + key).build()));
            DeleteObjectsResponse response;
            try {
                response = s3.deleteObjects(b -> b.bucket(bucket).delete(d -> d.objects(ids).quiet(true))
                        .overrideConfiguration(o -> o.apiCallTimeout(options.deleteCallTimeout())));
            } catch (SdkException e) {
                StoreException mapped = errors.map("delete", "objects in " + options.location(), e);
                if (deleted == 0 && failed.isEmpty()) {
                    throw mapped;
                }
                batch.forEach(key -> failed.put(key, mapped.getMessage()));
                continue;
            }
            int errorsInBatch = 0;
            for (S3Error error : response.errors()) {
                // Some servers report a missing key; it is absent, which is what was asked.
                if ("NoSuchKey".equals(error.code())) {
                    continue;
                }
                String key = error.key() != null && error.key().startsWith(prefix)
                        ? error.key().substring(prefix.length()) : error.key();
                failed.put(key, error.code() + ": " + error.message());
                errorsInBatch++;
            }
            deleted += batch.size() - errorsInBatch;
        }
        return new DeleteResult(deleted, failed);
    }

    /** Whether the bucket has Object Lock, asked once; a server that does not know the call has none. */
    private boolean objectLockBucket() {
        Boolean known = objectLockBucket;
        if (known != null) {
            return known;
        }
        boolean enabled;
        try {
            enabled = "Enabled".equals(s3.getObjectLockConfiguration(b -> b.bucket(bucket))
                    .objectLockConfiguration().objectLockEnabledAsString());
        } catch (S3Exception e) {
            int status = e.statusCode();
            if (status == 403) {
                // Not allowed to ask: take the careful path, which works on any bucket (a HEAD per key).
                enabled = true;
            } else if (status == 404 && "NoSuchBucket".equals(S3Errors.code(e))) {
                throw errors.bucketMissing(e);
            } else if (status == 404 || status == 400 || status == 405 || status == 501) {
                enabled = false; // ObjectLockConfigurationNotFoundError, or a server without Object Lock
            } else {
                throw errors.map("read the Object Lock configuration of", "s3://" + bucket, e);
            }
        } catch (SdkException e) {
            throw errors.map("read the Object Lock configuration of", "s3://" + bucket, e);
        }
        objectLockBucket = enabled;
        return enabled;
    }

    /** The current version of a key, and its retain-until. */
    private record Version(String key, String versionId, Instant retainUntil, String error) {
    }

    /** Deletes in an Object Lock bucket: by version, never a delete marker, never a locked object. */
    private DeleteResult deleteVersions(List<String> keys, int lookups) {
        List<Future<Version>> futures = new ArrayList<>(keys.size());
        ExecutorService pool = lookupPool();
        for (String key : keys) {
            futures.add(pool.submit(() -> currentVersion(key)));
        }
        int deleted = 0;
        Map<String, String> failed = new LinkedHashMap<>();
        Map<String, Instant> locked = new LinkedHashMap<>();
        Map<String, Instant> retainOf = new HashMap<>();
        List<ObjectIdentifier> ids = new ArrayList<>();
        Instant now = Instant.now();
        for (Future<Version> future : futures) {
            Version v;
            try {
                v = future.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StoreException(StoreException.Kind.IO, "Cannot delete objects in " + options.location()
                        + ": interrupted", e);
            } catch (ExecutionException e) {
                throw new StoreException(StoreException.Kind.IO, "Cannot delete objects in " + options.location()
                        + ": " + e.getCause(), e.getCause());
            }
            lookups++;
            if (v.error() != null) {
                failed.put(v.key(), v.error());
            } else if (v.versionId() == null && v.retainUntil() == null) {
                deleted++; // absent already (or hidden by someone else's delete marker)
            } else if (v.retainUntil() != null && v.retainUntil().isAfter(now)) {
                locked.put(v.key(), v.retainUntil());
            } else {
                retainOf.put(prefix + v.key(), v.retainUntil());
                ids.add(ObjectIdentifier.builder().key(prefix + v.key()).versionId(v.versionId()).build());
            }
        }
        for (int from = 0; from < ids.size(); from += DELETE_BATCH) {
            List<ObjectIdentifier> batch = ids.subList(from, Math.min(ids.size(), from + DELETE_BATCH));
            DeleteObjectsResponse response;
            try {
                response = s3.deleteObjects(b -> b.bucket(bucket).delete(d -> d.objects(batch).quiet(true))
                        .overrideConfiguration(o -> o.apiCallTimeout(options.deleteCallTimeout())));
            } catch (SdkException e) {
                StoreException mapped = errors.map("delete", "objects in " + options.location(), e);
                if (deleted == 0 && failed.isEmpty() && locked.isEmpty()) {
                    throw mapped;
                }
                batch.forEach(id -> failed.put(id.key().substring(prefix.length()), mapped.getMessage()));
                continue;
            }
            int errorsInBatch = 0;
            for (S3Error error : response.errors()) {
                if ("NoSuchKey".equals(error.code()) || "NoSuchVersion".equals(error.code())) {
                    continue;
                }
                String key = error.key() != null && error.key().startsWith(prefix)
                        ? error.key().substring(prefix.length()) : error.key();
                Instant until = retainOf.get(error.key());
                if ("AccessDenied".equals(error.code()) && until != null) {
                    // Its retention ended by this host's clock but not yet by the server's.
                    locked.put(key, until);
                } else {
                    failed.put(key, error.code() + ": " + error.message());
                }
                errorsInBatch++;
            }
            deleted += batch.size() - errorsInBatch;
        }
        return new DeleteResult(deleted, failed, locked, lookups);
    }

    private Version currentVersion(String key) {
        String fullKey = prefix + key;
        try {
            HeadObjectResponse response = s3.headObject(b -> b.bucket(bucket).key(fullKey));
            // An object written before versioning was enabled has the version id "null".
            String version = response.versionId() == null ? "null" : response.versionId();
            return new Version(key, version, response.objectLockRetainUntilDate(), null);
        } catch (S3Exception e) {
            if (S3Errors.isNoSuchKey(e)) {
                return new Version(key, null, null, null);
            }
            return new Version(key, null, null, errors.map("delete", url(fullKey), e).getMessage());
        } catch (SdkException e) {
            return new Version(key, null, null, errors.map("delete", url(fullKey), e).getMessage());
        }
    }

    private ExecutorService lookupPool() {
        ExecutorService pool = lookupPool;
        if (pool == null) {
            synchronized (this) {
                pool = lookupPool;
                if (pool == null) {
                    pool = Executors.newFixedThreadPool(8, r -> {
                        Thread t = new Thread(r, "s3backup-delete-lookup");
                        t.setDaemon(true);
                        return t;
                    });
                    lookupPool = pool;
                }
            }
        }
        return pool;
    }

    private static byte[] sha256Of(Payload payload, String fullKey) {
        try (InputStream in = payload.open()) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                digest.update(buffer, 0, n);
            }
            return digest.digest();
        } catch (IOException e) {
            throw new StoreException(StoreException.Kind.IO, "Cannot write " + fullKey + ": cannot read the body: "
                    + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public long retries() {
        return retries.total();
    }

    @Override
    public void close() {
        if (lookupPool != null) {
            lookupPool.shutdownNow();
        }
        s3.close();
        if (ownedCredentials != null) {
            ownedCredentials.close();
        }
    }

    @Override
    public String toString() {
        return "S3ObjectStore[" + description + "]";
    }

    /** Sends the first GET (bytes {@code offset..last}, or all with -1); SDK exceptions are the caller's to map. */
    private InputStream openBody(String fullKey, long offset, long last) {
        ResponseInputStream<GetObjectResponse> response = s3.getObject(r -> {
            r.bucket(bucket).key(fullKey);
            if (last >= 0) {
                r.range("bytes=" + offset + "-" + last);
            }
        });
        return new ResumingBody(fullKey, offset, last, response);
    }

    private String url(String fullKey) {
        return "s3://" + bucket + "/" + fullKey;
    }

    /**
     * A GET's body that survives being cut off: when the connection closes early, resets or times
     * out mid-body (the SDK has returned by then and cannot retry), the rest is fetched again with
     * a ranged GET conditional on the first response's ETag, up to {@code maxAttempts - 1} times per
     * body. Each re-fetch is counted as a retry; the re-fetch itself goes through the SDK's retry
     * strategy. When the attempts are spent, or the object changed, reading fails with a
     * {@link StoreException} of kind IO: never a silently short body. SDK failures while reading
     * (a response checksum mismatch) are mapped to {@link StoreException}s too.
     */
    private final class ResumingBody extends InputStream {
        private final String fullKey;
        /** Inclusive last byte wanted, or -1 for the end of the object. */
        private final long last;
        private final String etag;
        private ResponseInputStream<GetObjectResponse> in;
        private long position;
        /** Exclusive end of the current response's bytes, or -1 when the server did not say. */
        private long end;
        private int refetches;
        private final byte[] one = new byte[1];
        private boolean finished;

        private ResumingBody(String fullKey, long position, long last, ResponseInputStream<GetObjectResponse> in) {
            this.fullKey = fullKey;
            this.position = position;
            this.last = last;
            this.etag = in.response().eTag();
            use(in);
        }

        private void use(ResponseInputStream<GetObjectResponse> response) {
            in = response;
            Long length = response.response().contentLength();
            end = length == null ? -1 : position + length;
        }

        @Override
        public int read() throws IOException {
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (true) {
                int n;
                try {
                    n = in.read(b, off, len);
                } catch (SdkException e) {
                    throw errors.map("read", url(fullKey), e);
                } catch (IOException e) {
                    refetch(e.toString());
                    continue;
                }
                if (n > 0) {
                    position += n;
                    return n;
                }
                if (n < 0 && end >= 0 && position < end) {
                    refetch("the body ended after " + position + " of " + end + " bytes");
                    continue;
                }
                finished = n < 0;
                return n;
            }
        }

        private void refetch(String why) {
            in.abort();
            if (refetches >= options.maxAttempts() - 1) {
                throw new StoreException(StoreException.Kind.IO, "Cannot read " + url(fullKey) + ": " + why
                        + " (the body was cut off " + (refetches + 1) + " times; giving up)");
            }
            refetches++;
            retries.countRefetch();
            String range = "bytes=" + position + "-" + (last < 0 ? "" : String.valueOf(last));
            try {
                use(s3.getObject(r -> {
                    r.bucket(bucket).key(fullKey).range(range);
                    if (etag != null) {
                        r.ifMatch(etag);
                    }
                }));
            } catch (S3Exception e) {
                if (e.statusCode() == 412) {
                    throw new StoreException(StoreException.Kind.IO, "Cannot read " + url(fullKey)
                            + ": the object changed while it was being read", e);
                }
                throw errors.map("read", url(fullKey), e);
            } catch (SdkException e) {
                throw errors.map("read", url(fullKey), e);
            }
        }

        /**
         * Drops the connection when bytes are left unread (a header read from a large object
         * must not download the rest), and never fails: an error while discarding the unread
         * rest, such as that rest being cut off, loses nothing the caller read.
         */
        @Override
        public void close() {
            if (end >= 0 ? position < end : !finished) {
                in.abort();
            }
            try {
                in.close();
            } catch (IOException | SdkException e) {
                // only unread bytes were at stake
            }
        }
    }
}
