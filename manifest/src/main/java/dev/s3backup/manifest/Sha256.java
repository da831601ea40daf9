package dev.s3backup.manifest;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/** A SHA-256 digest as a value: the content address of a chunk and the identity of a file. */
public final class Sha256 implements Comparable<Sha256> {
    public static final int BYTES = 32;
    private static final HexFormat HEX = HexFormat.of();

    private final byte[] bytes;

    private Sha256(byte[] bytes) {
        this.bytes = bytes;
    }

    public static Sha256 of(byte[] digest) {
        if (digest == null || digest.length != BYTES) {
            throw new IllegalArgumentException("SHA-256 must be " + BYTES + " bytes, got "
                    + (digest == null ? "null" : digest.length));
        }
        return new Sha256(digest.clone());
    }

    public static Sha256 fromHex(String hex) {
        if (hex == null || hex.length() != 2 * BYTES) {
            throw new IllegalArgumentException("SHA-256 hex must be 64 characters: " + hex);
        }
        return new Sha256(HEX.parseHex(hex));
    }

    /** Digest of the given bytes. */
    public static Sha256 digest(byte[] data, int offset, int length) {
        MessageDigest md = newDigest();
        md.update(data, offset, length);
        return new Sha256(md.digest());
    }

    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }

    /** A copy of the 32 digest bytes. */
    public byte[] bytes() {
        return bytes.clone();
    }

    public String hex() {
        return HEX.formatHex(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Sha256 other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        // The digest is uniformly distributed: its first bytes are a good hash already.
        return (bytes[0] & 0xff) << 24 | (bytes[1] & 0xff) << 16 | (bytes[2] & 0xff) << 8 | (bytes[3] & 0xff);
    }

    @Override
    public int compareTo(Sha256 o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    @Override
    public String toString() {
        return hex();
    }
}
