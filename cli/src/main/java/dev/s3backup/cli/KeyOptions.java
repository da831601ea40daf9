package dev.s3backup.cli;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.core.crypt.KeySlot;
import dev.s3backup.core.crypt.KmsKeys;
import dev.s3backup.core.repo.KeySource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Where the key of an encrypted repository comes from, as restic users know it: a passphrase from a
 * file or from a command's output, a key file, the KMS slots (nothing to give), or a prompt at a
 * terminal. Never a passphrase on the command line or in an environment variable: both leak into
 * process listings, shell history and every child process.
 */
final class KeyOptions {
    private static final int MAX_SECRET_BYTES = 64 << 10;
    private static final long COMMAND_TIMEOUT_SECONDS = 60;

    private KeyOptions() {
    }

    /** What the options and environment give; {@code kmsKeyId} only when a new slot is to be made. */
    static KeySource source(RepoOptions o, String kmsKeyId, boolean confirmPrompt) {
        Supplier<byte[]> keyFile = o.keyFile == null ? null : () -> readKeyFile(Path.of(o.keyFile));
        Supplier<char[]> passphrase = null;
        if (o.passwordFile != null && o.passwordCommand != null) {
            throw new BackupException(Reason.INVALID_INPUT,
                    "Give one of --password-file and --password-command (or $S3BACKUP_PASSWORD_FILE, $S3BACKUP_PASSWORD_COMMAND)");
        }
        if (o.passwordFile != null) {
            passphrase = () -> passphraseFromFile(Path.of(o.passwordFile));
        } else if (o.passwordCommand != null) {
            passphrase = () -> passphraseFromCommand(o.passwordCommand);
        }
        Supplier<KmsKeys> kms = () -> S3Stores.kms(o);
        return new KeySource(keyFile, passphrase, kms, terminalPrompt(confirmPrompt), kmsKeyId);
    }

    /** Asks for a passphrase at the terminal (twice when {@code confirm}); null when there is no terminal. */
    static Supplier<char[]> terminalPrompt(boolean confirm) {
        java.io.Console console = System.console();
        return console == null ? null : () -> prompt(console, confirm);
    }

    static byte[] readKeyFile(Path file) {
        try {
            return KeySlot.decodeKeyFile(readBounded(Files.newInputStream(file), "key file " + file));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new BackupException(Reason.NOT_FOUND, "Cannot read key file " + file + ": no such file");
        } catch (IOException e) {
            throw new BackupException(Reason.IO, "Cannot read key file " + file + ": " + e.getMessage(), e);
        }
    }

    /** The file's content without one trailing newline (as {@code echo secret > file} writes it). */
    static char[] passphraseFromFile(Path file) {
        try {
            return decode(stripNewline(readBounded(Files.newInputStream(file), "password file " + file)),
                    "password file " + file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new BackupException(Reason.NOT_FOUND, "Cannot read password file " + file + ": no such file");
        } catch (IOException e) {
            throw new BackupException(Reason.IO, "Cannot read password file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The first line a command prints (sh -c, stdin closed, stderr to ours, 60 s at most), e.g.
     * {@code pass show backups/s3backup}. A failing command is an error, never an empty passphrase.
     */
    static char[] passphraseFromCommand(String command) {
        Process p;
        try {
            p = new ProcessBuilder(List.of("sh", "-c", command))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new BackupException(Reason.IO, "Cannot run --password-command: " + e.getMessage(), e);
        }
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = readBounded(in, "the output of --password-command");
            if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new BackupException(Reason.IO, "Cannot read a passphrase: --password-command did not end within "
                        + COMMAND_TIMEOUT_SECONDS + " s");
            }
        } catch (IOException e) {
            p.destroyForcibly();
            throw new BackupException(Reason.IO, "Cannot read the output of --password-command: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new BackupException(Reason.IO, "Cannot read a passphrase: interrupted while --password-command ran");
        }
        if (p.exitValue() != 0) {
            Arrays.fill(out, (byte) 0);
            throw new BackupException(Reason.ACCESS_DENIED, "Cannot read a passphrase: --password-command exited with "
                    + p.exitValue());
        }
        int end = 0;
        while (end < out.length && out[end] != '\n') {
            end++;
        }
        byte[] line = stripNewline(Arrays.copyOf(out, Math.min(out.length, end + 1)));
        Arrays.fill(out, (byte) 0);
        if (line.length == 0) {
            throw new BackupException(Reason.ACCESS_DENIED, "Cannot read a passphrase: --password-command printed nothing");
        }
        return decode(line, "the output of --password-command");
    }

    private static char[] prompt(java.io.Console console, boolean confirm) {
        char[] first = console.readPassword("Repository passphrase: ");
        if (first == null) {
            throw new BackupException(Reason.ACCESS_DENIED, "Cannot read a passphrase: no input");
        }
        if (confirm) {
            char[] again = console.readPassword("The same passphrase again: ");
            boolean same = again != null && Arrays.equals(first, again);
            if (again != null) {
                Arrays.fill(again, '\0');
            }
            if (!same) {
                Arrays.fill(first, '\0');
                throw new BackupException(Reason.INVALID_INPUT, "Cannot make a key slot: the two passphrases differ");
            }
        }
        return first;
    }

    private static byte[] readBounded(InputStream stream, String what) throws IOException {
        try (InputStream in = stream) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[4096];
            int n;
            while ((n = in.read(buffer)) > 0) {
                if (out.size() + n > MAX_SECRET_BYTES) {
                    throw new BackupException(Reason.INVALID_INPUT, "Cannot read " + what + ": larger than 64 KiB");
                }
                out.write(buffer, 0, n);
            }
            Arrays.fill(buffer, (byte) 0);
            return out.toByteArray();
        }
    }

    private static byte[] stripNewline(byte[] b) {
        int n = b.length;
        if (n > 0 && b[n - 1] == '\n') {
            n--;
            if (n > 0 && b[n - 1] == '\r') {
                n--;
            }
        }
        if (n == b.length) {
            return b;
        }
        byte[] stripped = Arrays.copyOf(b, n);
        Arrays.fill(b, (byte) 0);
        return stripped;
    }

    private static char[] decode(byte[] bytes, String what) {
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            char[] result = new char[chars.remaining()];
            chars.get(result);
            Arrays.fill(chars.array(), '\0');
            return result;
        } catch (CharacterCodingException e) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot read " + what + ": it is not UTF-8 text");
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }
}
