package dev.s3backup.core.cache;

import dev.s3backup.core.io.AtomicReplace;
import dev.s3backup.manifest.ChunkRef;
import dev.s3backup.manifest.Sha256;
import dev.s3backup.manifest.Sha256Set;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * The chunks a push has stored so far, appended to a local file as each upload completes, so
 * that a push killed midway and run again need not upload them again. One file per repository
 * ({@code REPOSITORY-ID.resume} beside the hash cache); a successful commit removes the records its
 * backup names.
 *
 * <p>A hint, never proof: gc may have deleted any of these chunks since, so a later push confirms
 * one against the store (a HEAD, after taking its lease) only when it is about to upload that very
 * chunk ({@link #mayHold}); chunks of the journal the push does not need cost nothing. A commit
 * keeps the records the push did not use, so the journal of an interrupted push survives an
 * unrelated push in between; see docs/DECISIONS.md §12. Each record carries its own CRC32C: a record torn by a crash, or any
 * damage, ends the readable part, and what came before is still used.
 *
 * <p>Format: the header {@code "S3BKRJ\n"}, version (int), repository id (modified UTF-8), then
 * records of 40 bytes: SHA-256 (32), length (int), CRC32C of those 36 bytes (int).
 */
public final class ResumeJournal implements AutoCloseable {
    private static final byte[] MAGIC = "S3BKRJ\n".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final int RECORD = 40;

    private final Path file;
    private final String repositoryId;
    private final Consumer<String> warnings;
    private final List<ChunkRef> previous;
    private final Sha256Set index = new Sha256Set();
    private FileChannel channel;
    private boolean failed;
    private long records;

    private ResumeJournal(Path file, String repositoryId, Consumer<String> warnings, List<ChunkRef> previous) {
        this.file = file;
        this.repositoryId = repositoryId;
        this.warnings = warnings;
        this.previous = previous;
        previous.forEach(c -> index.add(c.hash()));
    }

    /** A journal that remembers nothing (dry runs, {@code --no-cache}). */
    public static ResumeJournal disabled() {
        return new ResumeJournal(null, "", w -> { }, List.of());
    }

    /** Reads what an earlier push that did not commit left; a foreign or damaged file is ignored with a warning. */
    public static ResumeJournal open(Path file, String repositoryId, Consumer<String> warnings) {
        List<ChunkRef> previous = new ArrayList<>();
        try {
            read(file, repositoryId, previous);
        } catch (NoSuchFileException e) {
            // the last push committed (or none ran from this host)
        } catch (IOException | RuntimeException e) {
            warnings.accept("ignoring the rest of resume journal " + file + " (" + e.getMessage() + ")");
        }
        return new ResumeJournal(file, repositoryId, warnings, List.copyOf(previous));
    }

    public static Path fileFor(Path directory, String repositoryId) {
        return directory.resolve(repositoryId + ".resume");
    }

    /** Chunks an earlier push recorded as stored: unconfirmed, they may have been collected since. */
    public List<ChunkRef> previous() {
        return previous;
    }

    /** Whether an earlier push recorded this chunk as stored (unconfirmed: ask the store before relying on it). */
    public boolean mayHold(Sha256 hash) {
        return index.contains(hash);
    }

    /** Records in the file now: those carried over at {@link #start} and those recorded since. */
    public synchronized long size() {
        return records;
    }

    /**
     * Starts this push's journal with the given records (atomically replacing the earlier file),
     * and keeps it open for {@link #record}. A push starts with {@link #previous()}: still
     * unconfirmed, they stay for a later push if this one stops too.
     */
    public synchronized void start(Collection<ChunkRef> confirmed) {
        if (file == null) {
            return;
        }
        try {
            Files.createDirectories(file.getParent());
            Path temp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
            try {
                try (OutputStream out = Files.newOutputStream(temp, StandardOpenOption.WRITE)) {
                    DataOutputStream data = new DataOutputStream(out);
                    data.write(MAGIC);
                    data.writeInt(VERSION);
                    data.writeUTF(repositoryId);
                    for (ChunkRef c : confirmed) {
                        data.write(encode(c.hash(), c.length()).array());
                    }
                    data.flush();
                }
                AtomicReplace.move(temp, file);
            } finally {
                Files.deleteIfExists(temp);
            }
            records = confirmed.size();
            channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            giveUp(e);
        }
    }

    /**
     * Records a chunk the store now holds. Never fails the push: a journal that cannot be
     * written only means a re-run after a crash uploads more.
     */
    public synchronized void record(Sha256 hash, int length) {
        if (channel == null || failed) {
            return;
        }
        try {
            ByteBuffer buffer = encode(hash, length);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            records++;
        } catch (IOException e) {
            giveUp(e);
        }
    }

    /** After a commit whose backup names every chunk recorded here: nothing left to say. */
    public synchronized void clear() {
        keepOnly(List.of());
    }

    /**
     * After a commit: keeps only the given earlier records (those the committed push did not use,
     * left by another, interrupted push), or removes the file when there are none.
     */
    public synchronized void keepOnly(List<ChunkRef> leftOver) {
        close();
        if (file == null) {
            return;
        }
        if (!leftOver.isEmpty()) {
            start(leftOver);
            close();
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            warnings.accept("could not delete resume journal " + file + ": " + e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // appends went to the page cache already; a crash-consistent hint needs no more
            }
            channel = null;
        }
    }

    private void giveUp(IOException e) {
        failed = true;
        close();
        warnings.accept("cannot write resume journal " + file + " (" + e.getMessage()
                + "); an interrupted push would upload again what it stored");
    }

    private static ByteBuffer encode(Sha256 hash, int length) {
        ByteBuffer buffer = ByteBuffer.allocate(RECORD);
        buffer.put(hash.bytes()).putInt(length);
        CRC32C crc = new CRC32C();
        crc.update(buffer.array(), 0, RECORD - 4);
        buffer.putInt((int) crc.getValue());
        return buffer.flip();
    }

    private static void read(Path file, String repositoryId, List<ChunkRef> into) throws IOException {
        try (InputStream raw = Files.newInputStream(file)) {
            DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw, 1 << 16));
            try {
                if (!Arrays.equals(in.readNBytes(MAGIC.length), MAGIC)) {
                    throw new IOException("not a resume journal");
                }
                int version = in.readInt();
                if (version != VERSION) {
                    throw new IOException("journal format " + version + " is not " + VERSION);
                }
                if (!in.readUTF().equals(repositoryId)) {
                    throw new IOException("written for another repository");
                }
            } catch (EOFException e) {
                throw new IOException("truncated header", e);
            }
            byte[] bytes = new byte[RECORD];
            while (true) {
                int n = in.readNBytes(bytes, 0, RECORD);
                if (n < RECORD) {
                    return; // the end, or a record torn by a crash: nothing after it was written
                }
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                CRC32C crc = new CRC32C();
                crc.update(bytes, 0, RECORD - 4);
                if (buffer.getInt(RECORD - 4) != (int) crc.getValue()) {
                    throw new IOException("damaged record after " + into.size() + " good ones");
                }
                byte[] hash = Arrays.copyOf(bytes, 32);
                int length = buffer.getInt(32);
                if (length < 0) {
                    throw new IOException("damaged record after " + into.size() + " good ones");
                }
                into.add(new ChunkRef(Sha256.of(hash), length));
            }
        }
    }
}
