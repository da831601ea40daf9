package dev.s3backup.core.crypt;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The repository's secret keys, all derived (HKDF-SHA256) from one random 64-byte master key
 * (docs/FORMAT.md "Sealed objects"): the address key that content addresses are an HMAC under,
 * the encryption key that per-object keys are derived from, and a key id that is not secret.
 * Immutable and safe to share between threads; {@link #toString()} shows only the key id.
 */
public final class RepositoryKeys {

    public static final int MASTER_KEY_LENGTH = 64;
    private static final byte[] SALT = Hkdf.info("s3backup-repository-keys-v1");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] master;
    private final byte[] addressKey;
    private final byte[] encryptionKey;
    private final String keyId;

    private RepositoryKeys(byte[] master) {
        this.master = master;
        byte[] prk = Hkdf.extract(SALT, master);
        try {
            this.addressKey = Hkdf.expand(prk, Hkdf.info("address"), 32);
            this.encryptionKey = Hkdf.expand(prk, Hkdf.info("encryption"), 32);
            this.keyId = HexFormat.of().formatHex(Hkdf.expand(prk, Hkdf.info("key-id"), 8));
        } finally {
            Arrays.fill(prk, (byte) 0);
        }
    }

    /** A new random master key (SecureRandom). */
    public static RepositoryKeys generate() {
        byte[] master = new byte[MASTER_KEY_LENGTH];
        RANDOM.nextBytes(master);
        return new RepositoryKeys(master);
    }

    /** The keys of this master key, which is copied. */
    public static RepositoryKeys fromMaster(byte[] master) {
        if (master == null || master.length != MASTER_KEY_LENGTH) {
            throw new IllegalArgumentException("A master key has " + MASTER_KEY_LENGTH + " bytes, not "
                    + (master == null ? "none" : master.length));
        }
        return new RepositoryKeys(master.clone());
    }

    /**
     * 16 hex digits derived from the master key: tells "another key" apart (config, key slots,
     * messages). Not secret: it reveals nothing of the keys.
     */
    public String keyId() {
        return keyId;
    }

    /**
     * A new HMAC-SHA256 under the address key, as a {@link MessageDigest} (32-byte digests,
     * {@code reset()} works, not cloneable): content addresses that only this repository can compute.
     */
    public MessageDigest newAddressDigest() {
        return new AddressDigest(addressKey);
    }

    /** A sealer that encrypts every object, and compresses chunks as {@code compression} says. */
    public ObjectSealer sealer(Compression compression) {
        return ObjectSealer.encrypting(encryptionKey, compression);
    }

    /** The master key itself, for key slots to wrap; a copy the caller should clear. */
    byte[] master() {
        return master.clone();
    }

    @Override
    public String toString() {
        return "RepositoryKeys[keyId=" + keyId + "]";
    }
}
