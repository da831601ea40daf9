package dev.s3backup.manifest;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Buffered encoder of the manifest body: LEB128 varints, zigzag varints, length-prefixed bytes. */
final class VarOutput {
    private final OutputStream out;
    private final byte[] buf;
    private int pos;

    VarOutput(OutputStream out, int bufferSize) {
        this.out = out;
        this.buf = new byte[bufferSize];
    }

    void writeByte(int b) throws IOException {
        if (pos == buf.length) {
            flushBuffer();
        }
        buf[pos++] = (byte) b;
    }

    /** Unsigned LEB128: 7 bits a byte, low bits first, high bit set on all but the last byte. */
    void writeVarLong(long v) throws IOException {
        if (buf.length - pos < 10) {
            flushBuffer();
        }
        while ((v & ~0x7FL) != 0) {
            buf[pos++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[pos++] = (byte) v;
    }

    /** Zigzag maps small negative and positive numbers to small unsigned ones. */
    void writeZigZag(long v) throws IOException {
        writeVarLong((v << 1) ^ (v >> 63));
    }

    void writeBytes(byte[] b, int off, int len) throws IOException {
        if (len > buf.length - pos) {
            flushBuffer();
            if (len >= buf.length) {
                out.write(b, off, len);
                return;
            }
        }
        System.arraycopy(b, off, buf, pos, len);
        pos += len;
    }

    void writeBytes(byte[] b) throws IOException {
        writeBytes(b, 0, b.length);
    }

    void writeLengthPrefixed(byte[] b) throws IOException {
        writeVarLong(b.length);
        writeBytes(b);
    }

    /** Hands buffered bytes to the underlying stream, without flushing it. */
    void flushBuffer() throws IOException {
        if (pos > 0) {
            out.write(buf, 0, pos);
            pos = 0;
        }
    }

    /**
     * UTF-8 of {@code s}, refusing unpaired surrogates: String.getBytes would turn them into '?'
     * and the manifest would name a different file than the one read.
     */
    static byte[] strictUtf8(String s, String what) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException(what + " is not valid Unicode (unpaired surrogate at index " + i + ")");
            }
        }
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
