package dev.s3backup.manifest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decoder of a zlib-compressed body that hashes the compressed bytes it consumes, so the reader
 * can check a SHA-256 over the stream exactly as stored. Hashing the stored bytes rather than the
 * decompressed ones is what makes every flipped bit count: deflate ignores the padding bits of its
 * last byte and zlib's level bits, so a check over decompressed data would miss flips there.
 *
 * <p>Every problem with the data is a {@link ManifestFormatException}; an {@link IOException} is a
 * failure of the underlying stream itself.
 */
final class InflatingInput implements AutoCloseable {
    private static final int BUFFER = 64 * 1024;

    private final InputStream raw;
    private final MessageDigest digest;
    private final Inflater inflater = new Inflater();
    private final byte[] rawBuf = new byte[BUFFER];
    private int rawLen;
    private long rawTotal;
    private final byte[] buf = new byte[BUFFER];
    private int pos;
    private int limit;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);

    /** {@code digest} has already seen the bytes before the compressed body. */
    InflatingInput(InputStream raw, MessageDigest digest, long rawBytesBefore) {
        this.raw = raw;
        this.digest = digest;
        this.rawTotal = rawBytesBefore;
    }

    static ManifestFormatException format(String problem) {
        return new ManifestFormatException("Cannot read manifest: " + ManifestPaths.printableText(problem));
    }

    int readByte() throws IOException {
        if (pos == limit) {
            fill();
        }
        return buf[pos++] & 0xFF;
    }

    /** Unsigned LEB128, at most 10 bytes; a value above 2^63-1 comes back negative. */
    long readVarLong() throws IOException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = readByte();
            if (shift == 63 && b > 1) {
                throw format("a number is longer than 64 bits");
            }
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new AssertionError("unreachable: the 10th byte either ends the number or fails above");
    }

    /** A varint in [0, max]; checked before the caller allocates anything by it. */
    long readVarLong(String what, long max) throws IOException {
        long v = readVarLong();
        if (v < 0 || v > max) {
            throw format(what + " is " + Long.toUnsignedString(v) + ", more than " + max);
        }
        return v;
    }

    int readVarInt(String what, int max) throws IOException {
        return (int) readVarLong(what, max);
    }

    long readZigZag() throws IOException {
        long v = readVarLong();
        return (v >>> 1) ^ -(v & 1);
    }

    void readFully(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            if (pos == limit) {
                fill();
            }
            int n = Math.min(len, limit - pos);
            System.arraycopy(buf, pos, b, off, n);
            pos += n;
            off += n;
            len -= n;
        }
    }

    byte[] readBytes(int len) throws IOException {
        byte[] b = new byte[len];
        readFully(b, 0, len);
        return b;
    }

    /** A length-prefixed UTF-8 string of at most {@code maxBytes}. */
    String readString(String what, int maxBytes) throws IOException {
        int len = readVarInt("length of " + what, maxBytes);
        return decode(readBytes(len), what);
    }

    /** Strict UTF-8: malformed bytes are an error, never silently replaced. */
    String decode(byte[] b, String what) {
        boolean ascii = true;
        for (byte x : b) {
            if (x < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return new String(b, StandardCharsets.US_ASCII);
        }
        try {
            return utf8.decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw format(what + " is not valid UTF-8");
        }
    }

    /**
     * Called after the last field of the body: checks that the compressed stream ends exactly
     * there, then reads the stored SHA-256 that follows it and compares it, then checks that
     * nothing follows.
     */
    void verifyEnd() throws IOException {
        if (pos < limit) {
            throw format("unexpected data after the trailer");
        }
        while (!inflater.finished()) {
            if (inflate() > 0) {
                throw format("unexpected data after the trailer");
            }
        }
        int remaining = inflater.getRemaining();
        digest.update(rawBuf, 0, rawLen - remaining);
        byte[] expected = digest.digest();
        byte[] stored = new byte[Sha256.BYTES];
        int fromBuf = Math.min(remaining, stored.length);
        System.arraycopy(rawBuf, rawLen - remaining, stored, 0, fromBuf);
        int n = raw.readNBytes(stored, fromBuf, stored.length - fromBuf);
        if (fromBuf + n < stored.length) {
            throw format("truncated (the stream ends inside the checksum)");
        }
        if (remaining > stored.length || raw.read() >= 0) {
            throw format("unexpected data after the end of the manifest");
        }
        if (!MessageDigest.isEqual(expected, stored)) {
            throw format("checksum mismatch: the manifest is corrupt");
        }
    }

    @Override
    public void close() {
        inflater.end();
    }

    private void fill() throws IOException {
        pos = 0;
        limit = 0;
        while (limit == 0) {
            if (inflater.finished()) {
                throw format("the compressed body ends before its trailer");
            }
            limit = inflate();
        }
    }

    /** One step of decompression into buf: 0 bytes when it only consumed input. */
    private int inflate() throws IOException {
        try {
            int n = inflater.inflate(buf);
            if (n > 0 || inflater.finished()) {
                return n;
            }
        } catch (DataFormatException e) {
            throw format("corrupt compressed data (" + e.getMessage() + ")");
        }
        if (inflater.needsDictionary()) {
            throw format("corrupt compressed data (asks for a preset dictionary)");
        }
        if (!inflater.needsInput()) {
            throw format("corrupt compressed data (no progress)");
        }
        // The inflater consumed the whole buffer, so all of it counts towards the checksum.
        digest.update(rawBuf, 0, rawLen);
        int n;
        do {
            n = raw.read(rawBuf, 0, rawBuf.length);
        } while (n == 0);
        if (n < 0) {
            rawLen = 0;
            throw format("truncated (the stream ends after " + rawTotal + " bytes)");
        }
        rawLen = n;
        rawTotal += n;
        inflater.setInput(rawBuf, 0, n);
        return 0;
    }
}
