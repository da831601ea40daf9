package dev.s3backup.core.crypt;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The AES-256-GCM key of one sealed object, HKDF(encryption key, salt, "s3backup-object-v1" 0
 * identity), and the segment scheme under it: nonce = 11-byte big-endian segment index and a
 * last-segment byte, associated data = the envelope header. Not thread-safe (one Cipher).
 */
final class ObjectKey {

    static final int SEGMENT = 64 * 1024;
    static final int TAG = 16;
    static final int SEALED_SEGMENT = SEGMENT + TAG;
    private static final byte[] INFO = "s3backup-object-v1\0".getBytes(StandardCharsets.US_ASCII);

    private final SecretKeySpec key;
    private final byte[] header;
    private final Cipher cipher;
    private final byte[] nonce = new byte[12];

    ObjectKey(byte[] encryptionKey, byte[] header, byte[] salt, String identity) {
        byte[] id = identity.getBytes(StandardCharsets.UTF_8);
        byte[] info = new byte[INFO.length + id.length];
        System.arraycopy(INFO, 0, info, 0, INFO.length);
        System.arraycopy(id, 0, info, INFO.length, id.length);
        this.key = new SecretKeySpec(Hkdf.derive(encryptionKey, salt, info, 32), "AES");
        this.header = header;
        try {
            this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("The JDK lacks AES/GCM/NoPadding", e);
        }
    }

    /** Number of segments of a body of {@code length} bytes: at least one, so that an empty body is authenticated. */
    static long segments(long length) {
        return Math.max(1, (length + SEGMENT - 1) / SEGMENT);
    }

    static long sealedLength(long length) {
        return length + segments(length) * TAG;
    }

    /** Encrypts one segment into {@code out}; returns the bytes written (length + tag). */
    int seal(long index, boolean last, byte[] in, int offset, int length, byte[] out, int outOffset) {
        try {
            init(Cipher.ENCRYPT_MODE, index, last);
            return cipher.doFinal(in, offset, length, out, outOffset);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot encrypt a segment: " + e.getMessage(), e);
        }
    }

    /** Decrypts and authenticates one segment into {@code out}; nothing is written unless it authenticates. */
    int open(long index, boolean last, byte[] in, int offset, int length, byte[] out, int outOffset)
            throws AEADBadTagException {
        try {
            init(Cipher.DECRYPT_MODE, index, last);
            return cipher.doFinal(in, offset, length, out, outOffset);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot decrypt a segment: " + e.getMessage(), e);
        }
    }

    private void init(int mode, long index, boolean last) throws GeneralSecurityException {
        // Bytes 0-2 of the 11-byte counter stay zero: an object has far fewer than 2^63 segments.
        for (int i = 0; i < 8; i++) {
            nonce[3 + i] = (byte) (index >>> (56 - 8 * i));
        }
        nonce[11] = (byte) (last ? 1 : 0);
        cipher.init(mode, key, new GCMParameterSpec(TAG * 8, nonce));
        cipher.updateAAD(header);
    }
}
