package dev.s3backup.core.io;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads at most {@code remaining} bytes of the stream underneath, then reports end of stream:
 * a byte range of an object file, or the body of a file whose last bytes are its checksum.
 */
public final class LimitedInputStream extends InputStream {
    private final InputStream in;
    private long remaining;

    public LimitedInputStream(InputStream in, long remaining) {
        this.in = in;
        this.remaining = remaining;
    }

    @Override
    public int read() throws IOException {
        if (remaining <= 0) {
            return -1;
        }
        int b = in.read();
        if (b >= 0) {
            remaining--;
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (remaining <= 0) {
            return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n > 0) {
            remaining -= n;
        }
        return n;
    }

    @Override
    public int available() throws IOException {
        return (int) Math.min(in.available(), remaining);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
