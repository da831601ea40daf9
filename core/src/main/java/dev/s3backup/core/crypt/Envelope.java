package dev.s3backup.core.crypt;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * The header of a sealed object (docs/FORMAT.md "Sealed objects"): magic, version, flags and,
 * when encrypted, the object's random salt. Its bytes are the associated data of every segment.
 */
record Envelope(int flags, byte[] salt) {

    static final byte[] MAGIC = {'S', '3', 'B', 'O'};
    static final int VERSION = 1;
    static final int ENCRYPTED = 1;
    static final int ZSTD = 2;
    static final int SALT_LENGTH = 16;
    static final int PLAIN_HEADER_LENGTH = MAGIC.length + 2;

    Envelope {
        if ((flags & ~(ENCRYPTED | ZSTD)) != 0) {
            throw new IllegalArgumentException("Unknown envelope flags: " + flags);
        }
        if (((flags & ENCRYPTED) != 0) != (salt != null) || salt != null && salt.length != SALT_LENGTH) {
            throw new IllegalArgumentException("An encrypted envelope has a " + SALT_LENGTH + "-byte salt, a plain one none");
        }
    }

    boolean encrypted() {
        return (flags & ENCRYPTED) != 0;
    }

    boolean zstd() {
        return (flags & ZSTD) != 0;
    }

    byte[] bytes() {
        byte[] out = new byte[PLAIN_HEADER_LENGTH + (salt == null ? 0 : SALT_LENGTH)];
        System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
        out[MAGIC.length] = VERSION;
        out[MAGIC.length + 1] = (byte) flags;
        if (salt != null) {
            System.arraycopy(salt, 0, out, PLAIN_HEADER_LENGTH, SALT_LENGTH);
        }
        return out;
    }

    /** A header read from a stored object: the envelope and its exact bytes (the associated data). */
    record Read(Envelope envelope, byte[] bytes) {
    }

    /**
     * Reads exactly the header from {@code in}; null when it is damaged. An unknown version counts
     * as damage: a repository whose objects use a newer envelope has a newer config format-version,
     * which is refused before any object is read. I/O errors of the stream propagate.
     */
    static Read read(InputStream in) throws IOException {
        byte[] head = in.readNBytes(PLAIN_HEADER_LENGTH);
        if (head.length < PLAIN_HEADER_LENGTH || !Arrays.equals(head, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            return null;
        }
        int flags = head[MAGIC.length + 1] & 0xff;
        if ((head[MAGIC.length] & 0xff) != VERSION || (flags & ~(ENCRYPTED | ZSTD)) != 0) {
            return null;
        }
        byte[] salt = null;
        if ((flags & ENCRYPTED) != 0) {
            salt = in.readNBytes(SALT_LENGTH);
            if (salt.length < SALT_LENGTH) {
                return null;
            }
        }
        Envelope envelope = new Envelope(flags, salt);
        return new Read(envelope, envelope.bytes());
    }
}
