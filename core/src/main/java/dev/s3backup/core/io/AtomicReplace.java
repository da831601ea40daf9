package dev.s3backup.core.io;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Puts a finished temporary file in place of a local state file (hash cache, resume journal). */
public final class AtomicReplace {
    private AtomicReplace() {
    }

    /**
     * Renames {@code temp} over {@code file}: atomically where the filesystem can, so a reader sees
     * the old or the new file whole; elsewhere a plain replace (both files are checksummed, so a
     * torn one is detected and ignored).
     */
    public static void move(Path temp, Path file) throws IOException {
        try {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
