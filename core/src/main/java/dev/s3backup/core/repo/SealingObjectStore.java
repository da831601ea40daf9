package dev.s3backup.core.repo;

import dev.s3backup.core.crypt.ObjectSealer;
import dev.s3backup.core.store.ForwardingObjectStore;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.Payload;
import dev.s3backup.manifest.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Seals object bodies on their way into the store and opens them on their way out, so that every
 * command above works on plaintext unchanged (docs/SECURITY.md). In an encrypted repository every
 * object but the config and the key slots is sealed; in a plain repository with compression only
 * chunks are (an envelope saying whether the chunk is compressed). The SHA-256 sent with each put is
 * that of the sealed bytes, so the server still checks what it stores.
 *
 * <p>Keys, listings, deletes, retention and LastModified pass through: the protocols of gc and push
 * depend on them and they reveal nothing the object count does not. Sizes are those of the stored,
 * sealed objects; {@link #plausibleSize} tells whether one can hold a given plaintext length.
 */
final class SealingObjectStore extends ForwardingObjectStore {
    private volatile ObjectSealer sealer;
    /** Each uploading thread seals into one buffer of its own, kept between puts (a chunk's size). */
    private static final ThreadLocal<byte[]> OUTPUT = new ThreadLocal<>();
    /**
     * Buffers up to 16 MiB (the default 8 MiB chunks, sealed) are kept; larger chunks (up to 64 MiB)
     * are sealed into a new array each time, so eight upload threads never hold 8 x 64 MiB.
     */
    private static final int KEPT_OUTPUT_BYTES = 16 << 20;

    SealingObjectStore(ObjectStore store, ObjectSealer sealer) {
        super(store);
        this.sealer = sealer;
    }

    /** Seals new objects with {@code next} from now on (another compression; the same keys). */
    void useSealer(ObjectSealer next) {
        this.sealer = next;
    }

    /** Whether the object under {@code key} is sealed in a repository whose sealer is {@code sealer}. */
    static boolean isSealed(String key, ObjectSealer sealer) {
        if (key.equals(RepositoryLayout.CONFIG) || key.startsWith(RepositoryLayout.KEYS)) {
            return false;
        }
        return sealer.encrypts() || key.startsWith(RepositoryLayout.CHUNKS);
    }

    /**
     * Whether a sealed object of {@code storedSize} bytes can hold {@code plainLength} bytes: at most
     * the envelope's overhead above it (a chunk stored uncompressed), anything down to one byte
     * (compressed). A chunk listed with a larger size is not this chunk.
     */
    static boolean plausibleSize(long storedSize, long plainLength) {
        long segments = plainLength / SEGMENT + 1;
        return storedSize > 0 && storedSize <= plainLength + ENVELOPE_MAX_HEADER + segments * TAG;
    }

    private static final long SEGMENT = 64 << 10;
    private static final long TAG = 16;
    private static final long ENVELOPE_MAX_HEADER = 64;

    private boolean sealed(String key) {
        return isSealed(key, sealer);
    }

    @Override
    public PutOutcome putIfAbsent(String key, Payload payload) {
        if (!sealed(key)) {
            return store.putIfAbsent(key, payload);
        }
        String identity = ObjectSealer.identityOf(key);
        if (payload.file() == null) {
            // put returns once the store is done with the body: the thread's buffer is free again after it
            ObjectSealer.Sealed body = sealer.seal(identity, payload.array(), payload.arrayOffset(),
                    (int) payload.length(), key.startsWith(RepositoryLayout.CHUNKS), OUTPUT.get());
            if (body.bytes().length <= KEPT_OUTPUT_BYTES) {
                OUTPUT.set(body.bytes());
            }
            Payload stored = Payload.of(body.bytes(), 0, body.length(),
                    Sha256.digest(body.bytes(), 0, body.length()).bytes()).withRetention(payload.retention());
            return store.putIfAbsent(key, stored);
        }
        Path sealedFile = null;
        try {
            sealedFile = Files.createTempFile(payload.file().toAbsolutePath().getParent(), ".sealed-", ".tmp");
            sealer.sealFile(identity, payload.file(), sealedFile);
            Payload stored = Payload.ofFile(sealedFile, sha256Of(sealedFile)).withRetention(payload.retention());
            return store.putIfAbsent(key, stored);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot seal " + key + ": " + e.getMessage(), e);
        } finally {
            if (sealedFile != null) {
                try {
                    Files.deleteIfExists(sealedFile);
                } catch (IOException ignored) {
                    // a temporary file in the spool directory, which is removed with it
                }
            }
        }
    }

    private static byte[] sha256Of(Path file) throws IOException {
        java.security.MessageDigest digest = Sha256.newDigest();
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        }
        return digest.digest();
    }

    @Override
    public InputStream get(String key) {
        InputStream in = store.get(key);
        return sealed(key) ? sealer.open(ObjectSealer.identityOf(key), in) : in;
    }

    /** A sealed object is authenticated whole, so a range is read through from its start. */
    @Override
    public InputStream getRange(String key, long offset, long length) {
        if (!sealed(key)) {
            return store.getRange(key, offset, length);
        }
        InputStream in = get(key);
        try {
            in.skipNBytes(offset);
        } catch (IOException e) {
            try {
                in.close();
            } catch (IOException ignored) {
                // the failure to skip is reported
            }
            throw new UncheckedIOException("Cannot read " + key + " from offset " + offset + ": " + e.getMessage(), e);
        }
        return new dev.s3backup.core.io.LimitedInputStream(in, length);
    }
}
