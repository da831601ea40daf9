package dev.s3backup.manifest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * Entry point of the manifest format: writes the current version, reads every known version.
 *
 * <p>Every manifest starts with the 8 bytes {@link #MAGIC} and the format version as an unsigned
 * LEB128 varint, both uncompressed, so a reader tells versions apart before decoding anything
 * else. See docs/FORMAT.md for the layout of each version.
 */
public final class ManifestCodec {
    /** The newest version this build writes and reads. */
    public static final int CURRENT_VERSION = ManifestFormat.VERSION_2;

    /** Every version this build can write and read, oldest first; codec tests run over all of them. */
    static final List<Integer> VERSIONS = List.of(ManifestFormat.VERSION_1, ManifestFormat.VERSION_2);

    private static final byte[] MAGIC = "S3BKMAN\n".getBytes(StandardCharsets.US_ASCII);

    private ManifestCodec() {
    }

    /**
     * Writes version 1, which every s3backup reads. A backup of a repository is written in the
     * version its config names ({@code RepositoryConfig.manifestVersion()}): use the overload
     * that takes it.
     *
     * @see #newWriter(OutputStream, ManifestHeader, int)
     */
    public static ManifestWriter newWriter(OutputStream out, ManifestHeader header) {
        return newWriter(out, header, ManifestFormat.VERSION_1);
    }

    /**
     * Writes the header immediately, in format {@code version} (1 or 2); the caller writes
     * entries, then calls finish(). In version 2 a file of several chunks (or none) must carry
     * {@link Entry#derivedIdentity} as its hash, since no other is stored.
     *
     * @return a writer that is not thread-safe; closing it closes {@code out}
     * @throws IllegalArgumentException if the header breaks a rule of the format (the id or parent
     *     is not a valid {@link BackupId}, a node is listed twice, a string is too long),
     *     or the version is not one this build writes
     * @throws UncheckedIOException if writing to {@code out} fails
     */
    public static ManifestWriter newWriter(OutputStream out, ManifestHeader header, int version) {
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(header, "header");
        try {
            if (VERSIONS.contains(version)) {
                return new ManifestEncoder(out, header, version);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write manifest header", e);
        }
        throw new IllegalArgumentException("Cannot write manifest: unknown format version " + version);
    }

    /**
     * Reads the magic and version, then the header, and returns a reader positioned at the first entry.
     *
     * @return a reader that is not thread-safe; closing it closes {@code in}
     * @throws ManifestFormatException if the stream is not a manifest, is of an unknown version,
     *     or its header is truncated or garbled
     * @throws UncheckedIOException if reading from {@code in} fails: a failing stream is not a
     *     corrupt manifest, so it is never reported as a ManifestFormatException
     */
    public static ManifestReader newReader(InputStream in) {
        Objects.requireNonNull(in, "in");
        try {
            byte[] magic = in.readNBytes(MAGIC.length);
            if (!Arrays.equals(magic, MAGIC)) {
                if (magic.length == 0) {
                    throw new ManifestFormatException("Cannot read manifest: it is empty");
                }
                if (magic.length < MAGIC.length && Arrays.equals(magic, 0, magic.length, MAGIC, 0, magic.length)) {
                    throw new ManifestFormatException("Cannot read manifest: truncated (the stream ends after "
                            + magic.length + " bytes)");
                }
                throw new ManifestFormatException("Cannot read manifest: not an s3backup manifest (it starts with 0x"
                        + HexFormat.of().formatHex(magic) + ")");
            }
            ByteArrayOutputStream prefix = new ByteArrayOutputStream(16);
            prefix.write(magic);
            int version = readVersion(in, prefix);
            if (VERSIONS.contains(version)) {
                return new ManifestDecoder(in, prefix.toByteArray(), version);
            }
            if (version > CURRENT_VERSION) {
                throw new ManifestFormatException("Cannot read manifest: format version " + version
                        + " is newer than this s3backup understands (" + CURRENT_VERSION + "); upgrade s3backup");
            }
            throw new ManifestFormatException("Cannot read manifest: format version " + version + " is not valid");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read manifest", e);
        }
    }

    /** The bytes every manifest of {@code version} starts with. */
    static byte[] prefix(int version) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16);
        out.writeBytes(MAGIC);
        int v = version;
        while ((v & ~0x7F) != 0) {
            out.write((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write(v);
        return out.toByteArray();
    }

    private static int readVersion(InputStream in, ByteArrayOutputStream prefix) throws IOException {
        long version = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            int b = in.read();
            if (b < 0) {
                throw new ManifestFormatException("Cannot read manifest: truncated (the stream ends inside the format version)");
            }
            prefix.write(b);
            version |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                if (version > Integer.MAX_VALUE) {
                    break;
                }
                return (int) version;
            }
        }
        throw new ManifestFormatException("Cannot read manifest: the format version field is garbled");
    }
}
