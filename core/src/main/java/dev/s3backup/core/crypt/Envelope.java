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

    /** What reading a header found: the envelope, or why there is none. */
    sealed interface Parsed permits Found, Damaged, NewerVersion {
    }

    record Found(Envelope envelope, byte[] bytes) implements Parsed {
    }

    record Damaged() implements Parsed {
    }

    record NewerVersion(int version) implements Parsed {
    }

    /** Reads exactly the header from {@code in}; I/O errors of the stream propagate. */
    static Parsed read(InputStream in) throws IOException {
        byte[] head = in.readNBytes(PLAIN_HEADER_LENGTH);
        if (head.length < PLAIN_HEADER_LENGTH || !Arrays.equals(head, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            return new Damaged();
        }
        int version = head[MAGIC.length] & 0xff;
        if (version != VERSION) {
            return version > VERSION ? new NewerVersion(version) : new Damaged();
        }
        int flags = head[MAGIC.length + 1] & 0xff;
        if ((flags & ~(ENCRYPTED | ZSTD)) != 0) {
            return new Damaged();
        }
        byte[] salt = null;
        if ((flags & ENCRYPTED) != 0) {
            salt = in.readNBytes(SALT_LENGTH);
            if (salt.length < SALT_LENGTH) {
                return new Damaged();
            }
        }
        Envelope envelope = new Envelope(flags, salt);
        return new Found(envelope, envelope.bytes());
    }
}
