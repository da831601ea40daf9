package dev.s3backup.core.crypt;

import dev.s3backup.core.BackupException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * Seals object bodies into the envelope of docs/FORMAT.md "Sealed objects" and opens them again:
 * encrypted (AES-256-GCM segments under a per-object key) when made by
 * {@link RepositoryKeys#sealer}, compressed only when made by {@link #compressingOnly}. Thread-safe;
 * every call works on its own cipher.
 *
 * <p>An object's identity is the key it is stored under (see {@link #identityOf}); it is bound into
 * the object's key, so a body moved to another key does not open.
 */
public final class ObjectSealer {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String PENDING = "pending/";

    private final byte[] encryptionKey;
    private final Compression compression;

    private ObjectSealer(byte[] encryptionKey, Compression compression) {
        this.encryptionKey = encryptionKey;
        this.compression = Objects.requireNonNull(compression, "compression");
    }

    static ObjectSealer encrypting(byte[] encryptionKey, Compression compression) {
        return new ObjectSealer(encryptionKey, compression);
    }

    /** A sealer for a plain repository with compression: the envelope, no cipher. */
    public static ObjectSealer compressingOnly(Compression c) {
        return new ObjectSealer(null, c);
    }

    public boolean encrypts() {
        return encryptionKey != null;
    }

    public Compression compression() {
        return compression;
    }

    /**
     * The identity of the object stored under {@code key}: the key itself, except that a pending
     * manifest {@code pending/PUSH/ID} (or the older {@code pending/ID}) is {@code manifests/ID},
     * the key it is committed under with the same bytes.
     */
    public static String identityOf(String key) {
        if (key.startsWith(PENDING)) {
            return "manifests/" + key.substring(key.lastIndexOf('/') + 1);
        }
        return key;
    }

    /**
     * Seals {@code length} bytes of {@code data} for the object named {@code identity}.
     *
     * @param compress whether compression may be tried (chunks); false never compresses
     *                 (manifests are deflated already)
     */
    public byte[] seal(String identity, byte[] data, int offset, int length, boolean compress) {
        Sealed sealed = seal(identity, data, offset, length, compress, null);
        return sealed.length() == sealed.bytes().length ? sealed.bytes()
                : java.util.Arrays.copyOf(sealed.bytes(), sealed.length());
    }

    /** Sealed bytes: {@code bytes[0, length)}. */
    public record Sealed(byte[] bytes, int length) {
    }

    /**
     * As {@link #seal(String, byte[], int, int, boolean)}, into {@code reuse} when it is large
     * enough (else into a new array), so a caller that stores one object at a time on a thread
     * seals every chunk into the same buffer.
     */
    public Sealed seal(String identity, byte[] data, int offset, int length, boolean compress, byte[] reuse) {
        Objects.checkFromIndexSize(offset, length, data.length);
        if (compress && compression != Compression.OFF) {
            ZstdCodec.Compressed z = ZstdCodec.compress(data, offset, length, compression.level());
            if (z != null) {
                return sealBody(identity, z.bytes(), 0, z.length(), true, reuse);
            }
        }
        return sealBody(identity, data, offset, length, false, reuse);
    }

    /** The envelope around a body as given; {@code zstd} only sets the flag. Tests forge bodies with it. */
    byte[] sealBody(String identity, byte[] body, int offset, int length, boolean zstd) {
        Sealed sealed = sealBody(identity, body, offset, length, zstd, null);
        return sealed.bytes();
    }

    private Sealed sealBody(String identity, byte[] body, int offset, int length, boolean zstd, byte[] reuse) {
        int flags = (zstd ? Envelope.ZSTD : 0) | (encrypts() ? Envelope.ENCRYPTED : 0);
        if (!encrypts()) {
            byte[] header = new Envelope(flags, null).bytes();
            byte[] out = output(reuse, header.length + length);
            System.arraycopy(header, 0, out, 0, header.length);
            System.arraycopy(body, offset, out, header.length, length);
            return new Sealed(out, header.length + length);
        }
        Envelope envelope = new Envelope(flags, newSalt());
        byte[] header = envelope.bytes();
        ObjectKey key = new ObjectKey(encryptionKey, header, envelope.salt(), identity);
        long sealedLength = header.length + ObjectKey.sealedLength(length);
        if (sealedLength > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("Cannot seal " + identity + ": " + length + " bytes is too large for one array");
        }
        byte[] out = output(reuse, (int) sealedLength);
        System.arraycopy(header, 0, out, 0, header.length);
        int written = header.length;
        long segments = ObjectKey.segments(length);
        for (long i = 0; i < segments; i++) {
            int from = (int) (i * ObjectKey.SEGMENT);
            int n = Math.min(ObjectKey.SEGMENT, length - from);
            written += key.seal(i, i == segments - 1, body, offset + from, n, out, written);
        }
        return new Sealed(out, written);
    }

    private static byte[] output(byte[] reuse, int length) {
        return reuse != null && reuse.length >= length ? reuse : new byte[length];
    }

    /**
     * Streams the file {@code plain} into the sealed file {@code sealed} (created or replaced),
     * without compression, in bounded memory.
     */
    public void sealFile(String identity, Path plain, Path sealed) throws IOException {
        try (InputStream in = Files.newInputStream(plain); OutputStream out = Files.newOutputStream(sealed)) {
            if (!encrypts()) {
                out.write(new Envelope(0, null).bytes());
                in.transferTo(out);
                return;
            }
            Envelope envelope = new Envelope(Envelope.ENCRYPTED, newSalt());
            byte[] header = envelope.bytes();
            ObjectKey key = new ObjectKey(encryptionKey, header, envelope.salt(), identity);
            out.write(header);
            // One segment ahead: a segment is sealed as the last once the next read finds nothing.
            byte[] current = new byte[ObjectKey.SEGMENT];
            byte[] next = new byte[ObjectKey.SEGMENT];
            byte[] sealedSegment = new byte[ObjectKey.SEALED_SEGMENT];
            int currentLength = in.readNBytes(current, 0, current.length);
            for (long i = 0; ; i++) {
                int nextLength = currentLength < current.length ? 0 : in.readNBytes(next, 0, next.length);
                boolean last = nextLength == 0;
                out.write(sealedSegment, 0, key.seal(i, last, current, 0, currentLength, sealedSegment, 0));
                if (last) {
                    return;
                }
                byte[] swap = current;
                current = next;
                next = swap;
                currentLength = nextLength;
            }
        }
    }

    /**
     * The plaintext of a stored object. Encrypted objects are authenticated segment by segment:
     * {@code read()} and {@code close()} throw {@link BackupException} ({@code INTEGRITY}, "Cannot
     * read IDENTITY: it fails authentication (changed, truncated, swapped or sealed under another
     * key)") on any mismatch, including a body cut at a segment boundary and bytes after its end,
     * and never return a byte that did not authenticate. A compressed body never inflates beyond
     * 64 MiB. {@code close()} reads and checks what was not read yet, then closes {@code stored}.
     */
    public InputStream open(String identity, InputStream stored) {
        return new OpenedObject(stored, identity, encryptionKey);
    }

    private static byte[] newSalt() {
        byte[] salt = new byte[Envelope.SALT_LENGTH];
        RANDOM.nextBytes(salt);
        return salt;
    }

    @Override
    public String toString() {
        return "ObjectSealer[" + (encrypts() ? "aes-256-gcm" : "plain") + ", compression=" + compression + "]";
    }
}
