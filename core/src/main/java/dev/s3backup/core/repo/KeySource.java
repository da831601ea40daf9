package dev.s3backup.core.repo;

import dev.s3backup.core.crypt.KmsKeys;
import java.util.function.Supplier;

/**
 * What the user gave to open an encrypted repository, or to make a new key slot of. Each secret is
 * read only when it is needed (a slot of its kind exists), in this order: the key file, the
 * passphrase given by file or command, the KMS slots (no secret to give), then an interactive prompt.
 *
 * @param keyFile the key file's key (null: none given)
 * @param passphrase a passphrase from a file or a command (null: none given)
 * @param kms a KMS client, made on first use (null: none available)
 * @param prompt asks the user at a terminal (null: no terminal)
 * @param kmsKeyId the KMS key a new slot wraps the master key under (init, key add); null for none
 */
public record KeySource(Supplier<byte[]> keyFile, Supplier<char[]> passphrase, Supplier<KmsKeys> kms,
                        Supplier<char[]> prompt, String kmsKeyId) {
    /** Nothing given: opens plain repositories only. */
    public static final KeySource NONE = new KeySource(null, null, null, null, null);

    public static KeySource passphrase(char[] passphrase) {
        return new KeySource(null, passphrase::clone, null, null, null);
    }

    public static KeySource keyFile(byte[] key) {
        return new KeySource(key::clone, null, null, null, null);
    }

    /** What a message lists as the ways to give a key. */
    static String howToGiveAKey() {
        return "give --password-file FILE (or $S3BACKUP_PASSWORD_FILE), --password-command CMD, or --key-file FILE";
    }
}
