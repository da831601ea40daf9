package dev.s3backup.core.crypt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3backup.core.BackupException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class KeySlotTest {

    private static final Argon2Params TINY = new Argon2Params(64, 1, 1);
    private static final String REPO = "6f1c2f1e-8a41-4a35-9f0b-0d5d2b8f1a77";
    private static final char[] PASSPHRASE = "correct horse battery staple".toCharArray();

    private final RepositoryKeys keys = RepositoryKeys.generate();

    @Test
    void aPassphraseSlotUnlocksWithItsPassphraseOnly() {
        KeySlot slot = KeySlot.decode("p1", KeySlot.passphrase("p1", keys, REPO, PASSPHRASE, TINY).encode());
        assertThat(slot.kind()).isEqualTo(KeySlot.Kind.PASSPHRASE);
        assertThat(slot.unlock(REPO, PASSPHRASE)).hasValueSatisfying(k -> assertThat(k.keyId()).isEqualTo(keys.keyId()));
        assertThat(slot.unlock(REPO, "correct horse battery stapler".toCharArray())).isEmpty();
        assertThat(slot.unlock(REPO, KeySlot.newKeyFileKey())).isEmpty();
        assertThat(slot.describe()).isEqualTo("passphrase (argon2id, 64 KiB, 1 pass)");
    }

    @Test
    void theDefaultPassphraseCostIsStoredAndDescribed() {
        KeySlot slot = KeySlot.passphrase("default", keys, REPO, PASSPHRASE);
        assertThat(slot.describe()).isEqualTo("passphrase (argon2id, 64 MiB, 3 passes)");
        assertThat(new String(slot.encode(), StandardCharsets.UTF_8)).contains("argon2-memory-kib=65536\n",
                "argon2-passes=3\n", "argon2-lanes=1\n");
        assertThat(KeySlot.decode("default", slot.encode()).unlock(REPO, PASSPHRASE)).isPresent();
    }

    @Test
    void aKeyFileSlotUnlocksWithItsKeyFileOnly() {
        byte[] fileKey = KeySlot.newKeyFileKey();
        byte[] file = KeySlot.encodeKeyFile(fileKey).getBytes(StandardCharsets.UTF_8);
        KeySlot slot = KeySlot.decode("f", KeySlot.keyFile("f", keys, REPO, fileKey).encode());
        assertThat(slot.kind()).isEqualTo(KeySlot.Kind.KEY_FILE);
        assertThat(slot.describe()).isEqualTo("key file");
        assertThat(slot.unlock(REPO, KeySlot.decodeKeyFile(file))).hasValueSatisfying(
                k -> assertThat(k.keyId()).isEqualTo(keys.keyId()));
        assertThat(slot.unlock(REPO, KeySlot.newKeyFileKey())).isEmpty();
        assertThat(slot.unlock(REPO, PASSPHRASE)).isEmpty();
    }

    @Test
    void aKmsSlotUnlocksThroughKmsDecrypt() {
        FakeKms kms = new FakeKms();
        String arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        KeySlot slot = KeySlot.decode("k", KeySlot.kms("k", keys, REPO, kms, arn).encode());
        assertThat(slot.kind()).isEqualTo(KeySlot.Kind.KMS);
        assertThat(slot.describe()).isEqualTo("kms " + arn);
        assertThat(slot.unlock(REPO, kms)).hasValueSatisfying(k -> assertThat(k.keyId()).isEqualTo(keys.keyId()));
        assertThat(kms.decrypts).isEqualTo(1);
        assertThat(slot.unlock(REPO, PASSPHRASE)).isEmpty();

        kms.denied = true;
        assertThatThrownBy(() -> slot.unlock(REPO, kms)).isInstanceOfSatisfying(BackupException.class,
                e -> assertThat(e.reason()).isEqualTo(BackupException.Reason.ACCESS_DENIED));
    }

    @Test
    void aSlotCopiedIntoAnotherRepositoryOrRenamedDoesNotUnlock() {
        byte[] fileKey = KeySlot.newKeyFileKey();
        FakeKms kms = new FakeKms();
        KeySlot passphrase = KeySlot.passphrase("p", keys, REPO, PASSPHRASE, TINY);
        KeySlot file = KeySlot.keyFile("f", keys, REPO, fileKey);
        KeySlot viaKms = KeySlot.kms("k", keys, REPO, kms, "alias/backup");
        String other = "00000000-0000-0000-0000-000000000000";

        assertThat(passphrase.unlock(other, PASSPHRASE)).isEmpty();
        assertThat(file.unlock(other, fileKey)).isEmpty();
        assertThat(viaKms.unlock(other, kms)).isEmpty();

        assertThat(KeySlot.decode("p2", passphrase.encode()).unlock(REPO, PASSPHRASE)).isEmpty();
        assertThat(KeySlot.decode("f2", file.encode()).unlock(REPO, fileKey)).isEmpty();
        assertThat(KeySlot.decode("k2", viaKms.encode()).unlock(REPO, kms)).isEmpty();

        // The same slots under their own names still open: the failures above were the moves.
        assertThat(KeySlot.decode("p", passphrase.encode()).unlock(REPO, PASSPHRASE)).isPresent();
        assertThat(KeySlot.decode("f", file.encode()).unlock(REPO, fileKey)).isPresent();
        assertThat(KeySlot.decode("k", viaKms.encode()).unlock(REPO, kms)).isPresent();
    }

    @Test
    void aSlotWhoseKindWasChangedDoesNotUnlock() {
        byte[] fileKey = KeySlot.newKeyFileKey();
        String text = new String(KeySlot.keyFile("f", keys, REPO, fileKey).encode(), StandardCharsets.UTF_8);
        String asPassphrase = text.replace("kind=key-file\n", "kind=passphrase\nkdf=argon2id\nargon2-memory-kib=64\n"
                + "argon2-passes=1\nargon2-lanes=1\n");
        KeySlot forged = KeySlot.decode("f", asPassphrase.getBytes(StandardCharsets.UTF_8));
        assertThat(forged.unlock(REPO, PASSPHRASE)).isEmpty();
    }

    @Test
    void garbageIsAnIntegrityFailureNamingTheSlot() {
        String good = new String(KeySlot.passphrase("p", keys, REPO, PASSPHRASE, TINY).encode(), StandardCharsets.UTF_8);
        Map<String, String> bad = new HashMap<>();
        bad.put("", "it does not start with s3backup-key-slot-v1");
        bad.put("hello", "it does not start with s3backup-key-slot-v1");
        bad.put(good.replace("kind=passphrase", "kind=yubikey"), "unknown kind 'yubikey'");
        bad.put(good.replaceAll("nonce=[^\n]*", "nonce=AAAA"), "'nonce' has 3 bytes, not 12");
        bad.put(good.replaceAll("wrapped-key=[^\n]*\n", ""), "'wrapped-key' is missing");
        bad.put(good.replace("argon2-memory-kib=64", "argon2-memory-kib=8388608"),
                "Argon2 memory must be 8 to 4194304 KiB: 8388608");
        bad.put(good.replace("argon2-passes=1", "argon2-passes=x"), "'argon2-passes' is not a number");
        bad.put(good + "salt=AAAA\n", "line 11 is not a single key=value");
        for (Map.Entry<String, String> e : bad.entrySet()) {
            assertThatThrownBy(() -> KeySlot.decode("p", e.getKey().getBytes(StandardCharsets.UTF_8)))
                    .as(e.getKey())
                    .isInstanceOfSatisfying(BackupException.class, x -> assertThat(x.reason())
                            .isEqualTo(BackupException.Reason.INTEGRITY))
                    .hasMessageStartingWith("Cannot read key slot keys/p: " + e.getValue());
        }
        assertThatThrownBy(() -> KeySlot.decode("../x", good.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(BackupException.class).hasMessageStartingWith("Cannot read key slot keys/../x: Invalid");
    }

    @Test
    void aKeyFileIsTextWithAFirstLineNamingIt() {
        byte[] key = KeySlot.newKeyFileKey();
        String text = KeySlot.encodeKeyFile(key);
        assertThat(text).startsWith("s3backup-key-file-v1\n").endsWith("\n");
        assertThat(KeySlot.decodeKeyFile(text.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8))).isEqualTo(key);
        String secret = Base64.getEncoder().encodeToString(key);
        for (String bad : new String[] {secret, "s3backup-key-file-v1\n" + secret.substring(4),
                "s3backup-key-file-v1\n%%%%\n", "s3backup-key-file-v1\n" + secret + "\nmore\n"}) {
            assertThatThrownBy(() -> KeySlot.decodeKeyFile(bad.getBytes(StandardCharsets.UTF_8)))
                    .isInstanceOfSatisfying(BackupException.class, e -> assertThat(e.reason())
                            .isEqualTo(BackupException.Reason.INVALID_INPUT))
                    .hasMessageStartingWith("Cannot read the key file: ")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(secret.substring(4, 20)));
        }
    }

    @Test
    void noSecretIsInToStringOrDescribe() {
        byte[] fileKey = KeySlot.newKeyFileKey();
        FakeKms kms = new FakeKms();
        byte[] master = keys.master();
        for (KeySlot slot : new KeySlot[] {KeySlot.passphrase("p", keys, REPO, PASSPHRASE, TINY),
                KeySlot.keyFile("f", keys, REPO, fileKey), KeySlot.kms("k", keys, REPO, kms, "alias/backup")}) {
            String shown = slot + " " + slot.describe();
            String stored = new String(slot.encode(), StandardCharsets.UTF_8);
            for (String secret : new String[] {new String(PASSPHRASE), HexFormat.of().formatHex(master).substring(0, 12),
                    Base64.getEncoder().encodeToString(master).substring(0, 12),
                    Base64.getEncoder().encodeToString(fileKey).substring(0, 12),
                    Base64.getEncoder().encodeToString(kms.lastPlaintext).substring(0, 12)}) {
                assertThat(shown).doesNotContain(secret);
                assertThat(stored).doesNotContain(secret);
            }
            String wrapped = stored.substring(stored.indexOf("wrapped-key=") + 12, stored.indexOf("wrapped-key=") + 24);
            assertThat(shown).doesNotContain(wrapped).startsWith("KeySlot[" + slot.id() + ", ");
        }
        assertThat(new KmsKeys.DataKey(new byte[32], new byte[40]).toString()).isEqualTo("DataKey[40-byte ciphertext]");
    }

    @Test
    void slotIdsAreSafeObjectNames() {
        for (String id : new String[] {"", "../up", "a/b", ".hidden", "x".repeat(65), "a b"}) {
            assertThatThrownBy(() -> KeySlot.keyFile(id, keys, REPO, KeySlot.newKeyFileKey()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("Invalid key slot id");
        }
        assertThat(KeySlot.keyFile("2026-12-06_ops.1", keys, REPO, KeySlot.newKeyFileKey()).id())
                .isEqualTo("2026-12-06_ops.1");
    }

    /** KMS in memory: data keys sealed with AES-GCM under a key per KMS key id. */
    static final class FakeKms implements KmsKeys {
        private final Map<String, byte[]> keysById = new HashMap<>();
        private final SecureRandom random = new SecureRandom();
        int decrypts;
        boolean denied;
        byte[] lastPlaintext;

        @Override
        public DataKey generateDataKey(String kmsKeyId) {
            byte[] plaintext = new byte[32];
            random.nextBytes(plaintext);
            lastPlaintext = plaintext.clone();
            byte[] nonce = new byte[12];
            random.nextBytes(nonce);
            byte[] sealed = crypt(Cipher.ENCRYPT_MODE, kmsKeyId, nonce, plaintext);
            byte[] blob = Arrays.copyOf(nonce, 12 + sealed.length);
            System.arraycopy(sealed, 0, blob, 12, sealed.length);
            return new DataKey(plaintext, blob);
        }

        @Override
        public byte[] decrypt(byte[] ciphertext, String kmsKeyId) {
            if (denied) {
                throw new BackupException(BackupException.Reason.ACCESS_DENIED,
                        "Cannot unlock the repository with KMS key " + kmsKeyId + ": access denied");
            }
            decrypts++;
            return crypt(Cipher.DECRYPT_MODE, kmsKeyId, Arrays.copyOf(ciphertext, 12),
                    Arrays.copyOfRange(ciphertext, 12, ciphertext.length));
        }

        private byte[] crypt(int mode, String kmsKeyId, byte[] nonce, byte[] input) {
            byte[] key = keysById.computeIfAbsent(kmsKeyId, k -> {
                byte[] fresh = new byte[32];
                random.nextBytes(fresh);
                return fresh;
            });
            try {
                Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
                cipher.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
                return cipher.doFinal(input);
            } catch (GeneralSecurityException e) {
                throw new BackupException(BackupException.Reason.INTEGRITY, "Cannot decrypt with KMS key " + kmsKeyId, e);
            }
        }
    }
}
