package dev.s3backup.core.repo;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.core.crypt.KeySlot;
import dev.s3backup.core.crypt.KmsKeys;
import dev.s3backup.core.crypt.RepositoryKeys;
import dev.s3backup.core.store.ObjectInfo;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.Payload;
import dev.s3backup.core.store.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * The key slots of an encrypted repository (objects {@code keys/ID}, each wrapping the master key
 * under one passphrase, key file or KMS key): reading them, unlocking one with what the user gave,
 * and adding and removing them (docs/SECURITY.md, "Keys").
 */
public final class KeySlots {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_SLOT_BYTES = 64 << 10;

    private KeySlots() {
    }

    /** The master key and the slot that opened it. */
    public record Unlocked(RepositoryKeys keys, KeySlot slot) {
        @Override
        public String toString() {
            return "Unlocked[slot=" + slot.id() + "]";
        }
    }

    /** Every key slot, in key order. A slot that cannot be decoded is an INTEGRITY failure naming it. */
    public static List<KeySlot> read(ObjectStore store) {
        List<KeySlot> slots = new ArrayList<>();
        for (Iterator<ObjectInfo> it = store.listAll(RepositoryLayout.KEYS); it.hasNext(); ) {
            String key = it.next().key();
            String id = key.substring(RepositoryLayout.KEYS.length());
            byte[] bytes;
            try (InputStream in = store.get(key)) {
                bytes = in.readNBytes(MAX_SLOT_BYTES);
            } catch (StoreException e) {
                if (e.kind() == StoreException.Kind.NOT_FOUND) {
                    continue; // removed by 'key remove' while we listed
                }
                throw e;
            } catch (IOException e) {
                throw new BackupException(Reason.IO, "Cannot read key slot " + id + ": " + e.getMessage(), e);
            }
            slots.add(KeySlot.decode(id, bytes));
        }
        return slots;
    }

    /**
     * Opens the master key with what the user gave, trying sources in the order {@link KeySource}
     * names. A source given explicitly that opens no slot is the answer (ACCESS_DENIED), not a
     * reason to try the next: the user meant it.
     */
    public static Unlocked unlock(ObjectStore store, RepositoryConfig config, KeySource source) {
        String where = store.describe();
        List<KeySlot> slots = read(store);
        if (slots.isEmpty()) {
            throw new BackupException(Reason.INTEGRITY, "Cannot open repository " + where + ": it is encrypted but has "
                    + "no key slots (" + RepositoryLayout.KEYS + " is empty), so no key can open it");
        }
        String repoId = config.repositoryId();
        if (source.keyFile() != null) {
            byte[] fileKey = source.keyFile().get();
            try {
                for (KeySlot slot : ofKind(slots, KeySlot.Kind.KEY_FILE)) {
                    Optional<RepositoryKeys> keys = slot.unlock(repoId, fileKey);
                    if (keys.isPresent()) {
                        return new Unlocked(keys.get(), slot);
                    }
                }
            } finally {
                Arrays.fill(fileKey, (byte) 0);
            }
            throw denied(where, "the key file opens none of its " + count(slots, KeySlot.Kind.KEY_FILE)
                    + " key-file slot(s): it belongs to another repository, or its slot was removed");
        }
        if (source.passphrase() != null) {
            return withPassphrase(slots, repoId, source.passphrase().get(), where);
        }
        List<KeySlot> kmsSlots = ofKind(slots, KeySlot.Kind.KMS);
        BackupException kmsFailure = null;
        if (!kmsSlots.isEmpty() && source.kms() != null) {
            KmsKeys kms = source.kms().get();
            for (KeySlot slot : kmsSlots) {
                try {
                    Optional<RepositoryKeys> keys = slot.unlock(repoId, kms);
                    if (keys.isPresent()) {
                        return new Unlocked(keys.get(), slot);
                    }
                } catch (BackupException e) {
                    kmsFailure = kmsFailure == null ? e : kmsFailure;
                }
            }
        }
        if (source.prompt() != null && count(slots, KeySlot.Kind.PASSPHRASE) > 0) {
            return withPassphrase(slots, repoId, source.prompt().get(), where);
        }
        if (kmsFailure != null) {
            throw kmsFailure;
        }
        throw denied(where, "it is encrypted; " + KeySource.howToGiveAKey() + " (its key slots: " + kinds(slots) + ")");
    }

    private static Unlocked withPassphrase(List<KeySlot> slots, String repoId, char[] passphrase, String where) {
        try {
            for (KeySlot slot : ofKind(slots, KeySlot.Kind.PASSPHRASE)) {
                Optional<RepositoryKeys> keys = slot.unlock(repoId, passphrase);
                if (keys.isPresent()) {
                    return new Unlocked(keys.get(), slot);
                }
            }
        } finally {
            Arrays.fill(passphrase, '\0');
        }
        throw denied(where, "wrong passphrase: it opens none of its " + count(slots, KeySlot.Kind.PASSPHRASE)
                + " passphrase slot(s)");
    }

    /**
     * A new slot wrapping {@code keys} under what {@code source} gives, first of: a KMS key id, a key
     * file, a passphrase (file, command or prompt). INVALID_INPUT when it gives none.
     */
    public static KeySlot create(RepositoryKeys keys, String repositoryId, KeySource source) {
        String id = newSlotId();
        if (source.kmsKeyId() != null) {
            if (source.kms() == null) {
                throw new BackupException(Reason.INVALID_INPUT, "Cannot use KMS key " + source.kmsKeyId()
                        + ": no KMS client (KMS needs AWS credentials and a region)");
            }
            return KeySlot.kms(id, keys, repositoryId, source.kms().get(), source.kmsKeyId());
        }
        if (source.keyFile() != null) {
            byte[] fileKey = source.keyFile().get();
            try {
                return KeySlot.keyFile(id, keys, repositoryId, fileKey);
            } finally {
                Arrays.fill(fileKey, (byte) 0);
            }
        }
        java.util.function.Supplier<char[]> passphrase = source.passphrase() != null ? source.passphrase() : source.prompt();
        if (passphrase == null) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot make a key slot: " + KeySource.howToGiveAKey()
                    + ", or --kms-key-id KEY");
        }
        char[] chars = passphrase.get();
        try {
            if (chars.length == 0) {
                throw new BackupException(Reason.INVALID_INPUT, "Cannot make a key slot: the passphrase is empty");
            }
            return KeySlot.passphrase(id, keys, repositoryId, chars);
        } finally {
            Arrays.fill(chars, '\0');
        }
    }

    /** Stores a new slot, create-only. */
    public static void write(ObjectStore store, KeySlot slot) {
        if (store.putIfAbsent(RepositoryLayout.keySlotKey(slot.id()), Payload.of(slot.encode()))
                == ObjectStore.PutOutcome.ALREADY_EXISTED) {
            throw new BackupException(Reason.IO, "Cannot add key slot " + slot.id() + ": a slot with this id exists");
        }
    }

    /**
     * Removes a slot, never the last one: without a slot, nobody could ever read the repository
     * again. Two removals at once could each see the other's slot; the message of {@code key
     * remove} says to remove one at a time.
     */
    public static void remove(ObjectStore store, String slotId) {
        List<KeySlot> slots = read(store);
        if (slots.stream().noneMatch(s -> s.id().equals(slotId))) {
            throw new BackupException(Reason.NOT_FOUND, "Cannot remove key slot " + slotId + ": there is no such slot "
                    + "(see 's3backup key list')");
        }
        if (slots.size() == 1) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot remove key slot " + slotId + ": it is the last one, "
                    + "and without it nobody could read this repository again; add another first ('s3backup key add')");
        }
        var result = store.delete(List.of(RepositoryLayout.keySlotKey(slotId)));
        if (!result.failed().isEmpty()) {
            throw new BackupException(Reason.IO, "Cannot remove key slot " + slotId + ": the store did not delete it");
        }
    }

    static String newSlotId() {
        byte[] b = new byte[4];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static List<KeySlot> ofKind(List<KeySlot> slots, KeySlot.Kind kind) {
        return slots.stream().filter(s -> s.kind() == kind).toList();
    }

    private static long count(List<KeySlot> slots, KeySlot.Kind kind) {
        return ofKind(slots, kind).size();
    }

    private static String kinds(List<KeySlot> slots) {
        List<String> parts = new ArrayList<>();
        for (KeySlot.Kind kind : KeySlot.Kind.values()) {
            long n = count(slots, kind);
            if (n > 0) {
                parts.add(n + " " + kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '));
            }
        }
        return String.join(", ", parts);
    }

    private static BackupException denied(String where, String why) {
        return new BackupException(Reason.ACCESS_DENIED, "Cannot open repository " + where + ": " + why);
    }
}
