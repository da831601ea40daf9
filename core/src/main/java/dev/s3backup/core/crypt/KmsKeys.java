package dev.s3backup.core.crypt;

/**
 * AWS KMS as key slots need it; implemented in s3-sink ({@code KmsKeysClient}) with the SDK.
 * Failures are {@code BackupException}s: ACCESS_DENIED for a missing permission or a disabled
 * key, NOT_FOUND for an unknown key, INTEGRITY for a ciphertext KMS refuses, IO otherwise.
 */
public interface KmsKeys {

    /** A fresh data key: its plaintext (to use, then clear) and its ciphertext under the KMS key. */
    record DataKey(byte[] plaintext, byte[] ciphertext) {
        @Override
        public String toString() {
            return "DataKey[" + ciphertext.length + "-byte ciphertext]";
        }
    }

    /** GenerateDataKey with KeySpec AES_256. */
    DataKey generateDataKey(String kmsKeyId);

    /** Decrypt of a data key's ciphertext, under the KMS key named. */
    byte[] decrypt(byte[] ciphertext, String kmsKeyId);
}
