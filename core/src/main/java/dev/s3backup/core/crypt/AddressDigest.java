package dev.s3backup.core.crypt;

import java.security.MessageDigest;
import javax.crypto.Mac;

/**
 * HMAC-SHA256 under a repository's address key, shaped as a {@link MessageDigest} so that the
 * code that hashes chunks (and its caches) takes it where it took SHA-256.
 */
final class AddressDigest extends MessageDigest {

    private final Mac mac;

    AddressDigest(byte[] addressKey) {
        super("HmacSHA256-address");
        this.mac = Hkdf.mac(addressKey);
    }

    @Override
    protected int engineGetDigestLength() {
        return Hkdf.HASH_LENGTH;
    }

    @Override
    protected void engineUpdate(byte input) {
        mac.update(input);
    }

    @Override
    protected void engineUpdate(byte[] input, int offset, int len) {
        mac.update(input, offset, len);
    }

    @Override
    protected void engineUpdate(java.nio.ByteBuffer input) {
        mac.update(input);
    }

    @Override
    protected byte[] engineDigest() {
        return mac.doFinal();
    }

    @Override
    protected void engineReset() {
        mac.reset();
    }

    @Override
    public String toString() {
        return "AddressDigest[HmacSHA256]";
    }
}
