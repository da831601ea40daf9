package dev.s3backup.core.crypt;

import dev.s3backup.core.BackupException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * One key slot: the master key wrapped (AES-256-GCM) under a key derived from a passphrase
 * (Argon2id), a key file (HKDF) or an AWS KMS data key. Stored as the object {@code keys/ID}, text
 * as docs/FORMAT.md "Key slots" shows. The wrapping's associated data names the repository, the
 * slot id and its kind, so a slot copied into another repository or renamed does not unlock.
 * Immutable; nothing secret is in {@link #toString()} or {@link #describe()}.
 */
public final class KeySlot {

    public enum Kind {
        PASSPHRASE("passphrase"),
        KEY_FILE("key-file"),
        KMS("kms");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        /** The name the slot's text uses. */
        public String label() {
            return label;
        }

        static Kind ofLabel(String label) {
            for (Kind k : values()) {
                if (k.label.equals(label)) {
                    return k;
                }
            }
            return null;
        }
    }

    static final String FIRST_LINE = "s3backup-key-slot-v1";
    static final String KEY_FILE_FIRST_LINE = "s3backup-key-file-v1";
    static final int KEY_FILE_KEY_LENGTH = 32;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final int SALT_LENGTH = 16;
    private static final int NONCE_LENGTH = 12;
    private static final int WRAPPED_LENGTH = RepositoryKeys.MASTER_KEY_LENGTH + 16;
    private static final int MAX_KMS_CIPHERTEXT = 6144;
    private static final int MAX_SLOT_BYTES = 64 * 1024;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String id;
    private final Kind kind;
    private final Instant created;
    private final Argon2Params argon2;
    private final byte[] salt;
    private final String kmsKeyId;
    private final byte[] kmsCiphertext;
    private final byte[] nonce;
    private final byte[] wrapped;

    private KeySlot(String id, Kind kind, Instant created, Argon2Params argon2, byte[] salt, String kmsKeyId,
                    byte[] kmsCiphertext, byte[] nonce, byte[] wrapped) {
        this.id = id;
        this.kind = kind;
        this.created = created;
        this.argon2 = argon2;
        this.salt = salt;
        this.kmsKeyId = kmsKeyId;
        this.kmsCiphertext = kmsCiphertext;
        this.nonce = nonce;
        this.wrapped = wrapped;
    }

    /** A slot unlocked by {@code passphrase} through Argon2id at the default cost (64 MiB, 3 passes, 1 lane). */
    public static KeySlot passphrase(String id, RepositoryKeys keys, String repositoryId, char[] passphrase) {
        return passphrase(id, keys, repositoryId, passphrase, Argon2Params.DEFAULT);
    }

    /** {@link #passphrase(String, RepositoryKeys, String, char[])} at another cost: tests use tiny ones. */
    static KeySlot passphrase(String id, RepositoryKeys keys, String repositoryId, char[] passphrase,
                              Argon2Params argon2) {
        byte[] salt = random(SALT_LENGTH);
        byte[] wrapKey = argon2.derive(passphrase, salt);
        return wrap(id, Kind.PASSPHRASE, keys, repositoryId, wrapKey, argon2, salt, null, null);
    }

    /** A slot unlocked by a key file's key ({@link #newKeyFileKey()}). */
    public static KeySlot keyFile(String id, RepositoryKeys keys, String repositoryId, byte[] fileKey) {
        requireFileKey(fileKey);
        byte[] salt = random(SALT_LENGTH);
        return wrap(id, Kind.KEY_FILE, keys, repositoryId, keyFileWrapKey(fileKey, salt), null, salt, null, null);
    }

    /** A slot unlocked by AWS KMS: the master key wrapped under a fresh data key of {@code kmsKeyId}. */
    public static KeySlot kms(String id, RepositoryKeys keys, String repositoryId, KmsKeys kms, String kmsKeyId) {
        requireText(kmsKeyId, "KMS key id");
        KmsKeys.DataKey dataKey = kms.generateDataKey(kmsKeyId);
        if (dataKey.plaintext().length != 32 || dataKey.ciphertext().length == 0
                || dataKey.ciphertext().length > MAX_KMS_CIPHERTEXT) {
            throw new BackupException(BackupException.Reason.IO, "Cannot add key slot " + id + " with KMS key "
                    + kmsKeyId + ": KMS returned a data key of " + dataKey.plaintext().length + " bytes and a ciphertext of "
                    + dataKey.ciphertext().length + " bytes, not an AES-256 key");
        }
        return wrap(id, Kind.KMS, keys, repositoryId, dataKey.plaintext(), null, null, kmsKeyId,
                dataKey.ciphertext().clone());
    }

    private static KeySlot wrap(String id, Kind kind, RepositoryKeys keys, String repositoryId, byte[] wrapKey,
                                Argon2Params argon2, byte[] salt, String kmsKeyId, byte[] kmsCiphertext) {
        requireId(id);
        requireText(repositoryId, "repository id");
        byte[] nonce = random(NONCE_LENGTH);
        byte[] master = keys.master();
        try {
            Cipher cipher = cipher(Cipher.ENCRYPT_MODE, wrapKey, nonce, associatedData(repositoryId, id, kind));
            byte[] wrapped = cipher.doFinal(master);
            return new KeySlot(id, kind, Instant.now().truncatedTo(ChronoUnit.SECONDS), argon2, salt, kmsKeyId,
                    kmsCiphertext, nonce, wrapped);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot wrap the master key: " + e.getMessage(), e);
        } finally {
            Arrays.fill(master, (byte) 0);
            Arrays.fill(wrapKey, (byte) 0);
        }
    }

    /** The repository's keys, or empty when the passphrase is wrong or this is not a passphrase slot. */
    public Optional<RepositoryKeys> unlock(String repositoryId, char[] passphrase) {
        if (kind != Kind.PASSPHRASE) {
            return Optional.empty();
        }
        return unwrap(repositoryId, argon2.derive(passphrase, salt));
    }

    /** The repository's keys, or empty when the key is not this slot's or this is not a key-file slot. */
    public Optional<RepositoryKeys> unlock(String repositoryId, byte[] fileKey) {
        if (kind != Kind.KEY_FILE || fileKey == null || fileKey.length != KEY_FILE_KEY_LENGTH) {
            return Optional.empty();
        }
        return unwrap(repositoryId, keyFileWrapKey(fileKey, salt));
    }

    /**
     * The repository's keys through KMS Decrypt, or empty when this is not a KMS slot or the data
     * key does not unwrap it. KMS failures propagate as {@link BackupException}s.
     */
    public Optional<RepositoryKeys> unlock(String repositoryId, KmsKeys kms) {
        if (kind != Kind.KMS) {
            return Optional.empty();
        }
        byte[] dataKey = kms.decrypt(kmsCiphertext.clone(), kmsKeyId);
        if (dataKey == null || dataKey.length != 32) {
            return Optional.empty();
        }
        return unwrap(repositoryId, dataKey);
    }

    private Optional<RepositoryKeys> unwrap(String repositoryId, byte[] wrapKey) {
        byte[] master = null;
        try {
            Cipher cipher = cipher(Cipher.DECRYPT_MODE, wrapKey, nonce, associatedData(repositoryId, id, kind));
            master = cipher.doFinal(wrapped);
            return Optional.of(RepositoryKeys.fromMaster(master));
        } catch (AEADBadTagException e) {
            return Optional.empty();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot unwrap the master key: " + e.getMessage(), e);
        } finally {
            Arrays.fill(wrapKey, (byte) 0);
            if (master != null) {
                Arrays.fill(master, (byte) 0);
            }
        }
    }

    private static Cipher cipher(int mode, byte[] key, byte[] nonce, byte[] ad) throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
        cipher.updateAAD(ad);
        return cipher;
    }

    /** "s3backup-key-slot-v1" 0 repository id 0 slot id 0 kind: NUL-separated, so no two tuples share bytes. */
    private static byte[] associatedData(String repositoryId, String id, Kind kind) {
        return (FIRST_LINE + '\0' + repositoryId + '\0' + id + '\0' + kind.label()).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] keyFileWrapKey(byte[] fileKey, byte[] salt) {
        return Hkdf.derive(fileKey, salt, Hkdf.info("s3backup-key-file-slot-v1"), 32);
    }

    /** The slot as stored in {@code keys/ID}: UTF-8 text, {@code key=value} lines after the first. */
    public byte[] encode() {
        Base64.Encoder b64 = Base64.getEncoder();
        StringBuilder text = new StringBuilder(FIRST_LINE).append('\n');
        text.append("kind=").append(kind.label()).append('\n');
        text.append("created=").append(created).append('\n');
        if (argon2 != null) {
            text.append("kdf=argon2id\n");
            text.append("argon2-memory-kib=").append(argon2.memoryKib()).append('\n');
            text.append("argon2-passes=").append(argon2.passes()).append('\n');
            text.append("argon2-lanes=").append(argon2.lanes()).append('\n');
        }
        if (salt != null) {
            text.append("salt=").append(b64.encodeToString(salt)).append('\n');
        }
        if (kmsKeyId != null) {
            text.append("kms-key-id=").append(kmsKeyId).append('\n');
            text.append("kms-ciphertext=").append(b64.encodeToString(kmsCiphertext)).append('\n');
        }
        text.append("nonce=").append(b64.encodeToString(nonce)).append('\n');
        text.append("wrapped-key=").append(b64.encodeToString(wrapped)).append('\n');
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The slot stored as {@code keys/ID}.
     *
     * @throws BackupException INTEGRITY when the bytes are not a slot this version can read
     */
    public static KeySlot decode(String id, byte[] bytes) {
        try {
            requireId(id);
            if (bytes.length > MAX_SLOT_BYTES) {
                throw new IllegalArgumentException(bytes.length + " bytes is too large for a key slot");
            }
            String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n");
            if (lines.length == 0 || !FIRST_LINE.equals(lines[0].strip())) {
                throw new IllegalArgumentException("it does not start with " + FIRST_LINE);
            }
            Map<String, String> fields = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                String line = lines[i].strip();
                if (line.isEmpty()) {
                    continue;
                }
                int eq = line.indexOf('=');
                if (eq <= 0 || fields.put(line.substring(0, eq), line.substring(eq + 1)) != null) {
                    throw new IllegalArgumentException("line " + (i + 1) + " is not a single key=value");
                }
            }
            Kind kind = Kind.ofLabel(field(fields, "kind"));
            if (kind == null) {
                throw new IllegalArgumentException("unknown kind '" + fields.get("kind") + "'");
            }
            Instant created = Instant.parse(field(fields, "created"));
            byte[] nonce = base64(fields, "nonce", NONCE_LENGTH);
            byte[] wrapped = base64(fields, "wrapped-key", WRAPPED_LENGTH);
            return switch (kind) {
                case PASSPHRASE -> {
                    if (!"argon2id".equals(field(fields, "kdf"))) {
                        throw new IllegalArgumentException("unknown kdf '" + fields.get("kdf") + "'");
                    }
                    Argon2Params argon2 = new Argon2Params(integer(fields, "argon2-memory-kib"),
                            integer(fields, "argon2-passes"), integer(fields, "argon2-lanes"));
                    yield new KeySlot(id, kind, created, argon2, base64(fields, "salt", SALT_LENGTH), null, null,
                            nonce, wrapped);
                }
                case KEY_FILE -> new KeySlot(id, kind, created, null, base64(fields, "salt", SALT_LENGTH), null, null,
                        nonce, wrapped);
                case KMS -> {
                    byte[] ciphertext = Base64.getDecoder().decode(field(fields, "kms-ciphertext"));
                    if (ciphertext.length == 0 || ciphertext.length > MAX_KMS_CIPHERTEXT) {
                        throw new IllegalArgumentException("kms-ciphertext has " + ciphertext.length + " bytes");
                    }
                    yield new KeySlot(id, kind, created, null, null, field(fields, "kms-key-id"), ciphertext, nonce,
                            wrapped);
                }
            };
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw new BackupException(BackupException.Reason.INTEGRITY,
                    "Cannot read key slot keys/" + id + ": " + e.getMessage(), e);
        }
    }

    private static String field(Map<String, String> fields, String name) {
        String value = fields.get(name);
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("'" + name + "' is missing");
        }
        return value;
    }

    private static int integer(Map<String, String> fields, String name) {
        try {
            return Integer.parseInt(field(fields, name));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + name + "' is not a number");
        }
    }

    private static byte[] base64(Map<String, String> fields, String name, int length) {
        byte[] value = Base64.getDecoder().decode(field(fields, name));
        if (value.length != length) {
            throw new IllegalArgumentException("'" + name + "' has " + value.length + " bytes, not " + length);
        }
        return value;
    }

    public String id() {
        return id;
    }

    public Kind kind() {
        return kind;
    }

    public Instant created() {
        return created;
    }

    /** What unlocks the slot, for {@code key list}: "passphrase (argon2id, 64 MiB, 3 passes)", "key file", "kms ARN". */
    public String describe() {
        return switch (kind) {
            case PASSPHRASE -> "passphrase (" + argon2.describe() + ")";
            case KEY_FILE -> "key file";
            case KMS -> "kms " + kmsKeyId;
        };
    }

    @Override
    public String toString() {
        return "KeySlot[" + id + ", " + describe() + ", created " + created + "]";
    }

    /** A new random key for a key file: 32 bytes. */
    public static byte[] newKeyFileKey() {
        return random(KEY_FILE_KEY_LENGTH);
    }

    /** The text of a key file: a first line naming it, then the key in base64. */
    public static String encodeKeyFile(byte[] key) {
        requireFileKey(key);
        return KEY_FILE_FIRST_LINE + "\n" + Base64.getEncoder().encodeToString(key) + "\n";
    }

    /**
     * The key in a key file's bytes.
     *
     * @throws BackupException INVALID_INPUT when they are not a key file (the message shows none of them)
     */
    public static byte[] decodeKeyFile(byte[] fileBytes) {
        String[] lines = new String(fileBytes, StandardCharsets.UTF_8).strip().split("\\R");
        if (lines.length != 2 || !KEY_FILE_FIRST_LINE.equals(lines[0].strip())) {
            throw new BackupException(BackupException.Reason.INVALID_INPUT,
                    "Cannot read the key file: it is not an s3backup key file (expected a first line '"
                            + KEY_FILE_FIRST_LINE + "' and one line of base64)");
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(lines[1].strip());
        } catch (IllegalArgumentException e) {
            throw new BackupException(BackupException.Reason.INVALID_INPUT,
                    "Cannot read the key file: its key is not valid base64");
        }
        if (key.length != KEY_FILE_KEY_LENGTH) {
            throw new BackupException(BackupException.Reason.INVALID_INPUT, "Cannot read the key file: its key has "
                    + key.length + " bytes, not " + KEY_FILE_KEY_LENGTH);
        }
        return key;
    }

    private static void requireFileKey(byte[] key) {
        if (key == null || key.length != KEY_FILE_KEY_LENGTH) {
            throw new IllegalArgumentException("A key file's key has " + KEY_FILE_KEY_LENGTH + " bytes");
        }
    }

    private static void requireId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("Invalid key slot id '" + id + "': expected 1 to 64 of A-Z a-z 0-9 . _ -,"
                    + " starting with a letter or digit");
        }
    }

    private static void requireText(String value, String what) {
        if (value == null || value.isBlank() || value.indexOf('\n') >= 0 || value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("Invalid " + what + " '" + value + "'");
        }
    }

    private static byte[] random(int length) {
        byte[] bytes = new byte[length];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeySlot other && Arrays.equals(encode(), other.encode()) && id.equals(other.id);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, Arrays.hashCode(wrapped));
    }
}
