package dev.s3backup.s3;

import dev.s3backup.core.store.DeleteResult;
import dev.s3backup.core.store.ListPage;
import dev.s3backup.core.store.ObjectInfo;
import dev.s3backup.core.store.ObjectKeys;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.Payload;
import dev.s3backup.core.store.StoreException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
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
 */
final class S3ObjectStore implements ObjectStore {

    private static final int DELETE_BATCH = 1000;
    private static final String CONDITIONAL_CONFLICT = "ConditionalRequestConflict";

    private final S3Client s3;
    private final SdkAutoCloseable ownedCredentials;
    private final S3Options options;
    private final String bucket;
    private final String prefix;
    private final String description;
    private final S3Errors errors;
    private final RetryCounter retries;

    S3ObjectStore(S3Client s3, SdkAutoCloseable ownedCredentials, S3Options options, String endpointForMessages,
                  RetryCounter retries) {
        this.s3 = s3;
        this.ownedCredentials = ownedCredentials;
        this.options = options;
        this.bucket = options.bucket();
        this.prefix = options.prefix();
        this.description = options.location() + (endpointForMessages == null ? "" : " at " + endpointForMessages);
        this.errors = new S3Errors(bucket, options.secretAccessKey());
        this.retries = retries;
    }

    @Override
    public PutOutcome putIfAbsent(String key, Payload payload) {
        ObjectKeys.requireValidKey(key);
        String fullKey = prefix + key;
        PutObjectRequest.Builder request = PutObjectRequest.builder()
                .bucket(bucket)
                .key(fullKey)
                .ifNoneMatch("*")
                .contentLength(payload.length());
        byte[] sha256 = payload.sha256();
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
        return Optional.of(new ObjectInfo(key, response.contentLength(), response.lastModified()));
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
        boolean truncated = Boolean.TRUE.equals(response.isTruncated()) && response.nextContinuationToken() != null;
        return new ListPage(objects, truncated ? response.nextContinuationToken() : null);
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
        int deleted = 0;
        Map<String, String> failed = new LinkedHashMap<>();
        for (int from = 0; from < distinct.size(); from += DELETE_BATCH) {
            List<String> batch = distinct.subList(from, Math.min(distinct.size(), from + DELETE_BATCH));
            List<ObjectIdentifier> ids = new ArrayList<>(batch.size());
            batch.forEach(key -> ids.add(ObjectIdentifier.builder().key(prefix + key).build()));
            DeleteObjectsResponse response;
            try {
                response = s3.deleteObjects(b -> b.bucket(bucket).delete(d -> d.objects(ids).quiet(true)));
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
