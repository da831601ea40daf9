package dev.s3backup.cli;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.core.crypt.KeySlot;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;

/** Key files made for a new key slot: created once, readable by their owner only, never overwritten. */
final class KeyFiles {
    private KeyFiles() {
    }

    /**
     * Writes a new random key to {@code file} when it does not exist yet (mode 0600, created
     * exclusively, synced); returns whether it did. An existing file is used as it is.
     */
    static boolean createIfMissing(String file, Output output) {
        if (file == null) {
            return false;
        }
        Path path = Path.of(file);
        if (Files.exists(path)) {
            return false;
        }
        byte[] key = KeySlot.newKeyFileKey();
        try {
            Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (OutputStream out = Files.newOutputStream(path, StandardOpenOption.WRITE, StandardOpenOption.SYNC)) {
                out.write(KeySlot.encodeKeyFile(key).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            throw new BackupException(Reason.IO, "Cannot write key file " + path + ": " + e.getMessage(), e);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
        output.warn("wrote a new key file " + path + " (mode 0600): keep a copy away from this host; without it, or "
                + "another key slot, these backups cannot be read");
        return true;
    }

    /** Removes a key file made by {@link #createIfMissing} for a slot that was never stored. */
    static void removeUnused(String file) {
        try {
            Files.deleteIfExists(Path.of(file));
        } catch (IOException ignored) {
            // the key opens nothing; a stray file is harmless
        }
    }
}
