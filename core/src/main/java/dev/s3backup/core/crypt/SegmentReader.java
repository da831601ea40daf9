package dev.s3backup.core.crypt;

import dev.s3backup.core.BackupException;
import java.io.IOException;
import java.io.InputStream;
import javax.crypto.AEADBadTagException;

/**
 * The plaintext of an encrypted body, one authenticated segment at a time: a segment's bytes are
 * returned only once its tag checked. Whether a segment is the last is known by reading one byte
 * past it, so a body cut at a segment boundary, or one with bytes after its last segment, fails.
 */
final class SegmentReader extends InputStream {

    private final InputStream stored;
    private final ObjectKey key;
    private final String identity;
    private final byte[] sealed = new byte[ObjectKey.SEALED_SEGMENT + 1];
    private final byte[] plain = new byte[ObjectKey.SEGMENT];
    private int held;
    private int position;
    private int available;
    private long index;
    private boolean lastOpened;
    private boolean failed;

    SegmentReader(InputStream stored, ObjectKey key, String identity) {
        this.stored = stored;
        this.key = key;
        this.identity = identity;
    }

    static BackupException authenticationFailure(String identity) {
        return new BackupException(BackupException.Reason.INTEGRITY, "Cannot read " + identity
                + ": it fails authentication (changed, truncated, swapped or sealed under another key)");
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (position == available) {
            if (!nextSegment()) {
                return -1;
            }
        }
        int n = Math.min(len, available - position);
        System.arraycopy(plain, position, b, off, n);
        position += n;
        return n;
    }

    private boolean nextSegment() throws IOException {
        if (failed) {
            throw authenticationFailure(identity);
        }
        if (lastOpened) {
            return false;
        }
        while (held < sealed.length) {
            int n = stored.read(sealed, held, sealed.length - held);
            if (n < 0) {
                break;
            }
            held += n;
        }
        boolean last = held <= ObjectKey.SEALED_SEGMENT;
        int length = last ? held : ObjectKey.SEALED_SEGMENT;
        if (length < ObjectKey.TAG) {
            throw fail();
        }
        try {
            available = key.open(index, last, sealed, 0, length, plain, 0);
        } catch (AEADBadTagException e) {
            throw fail();
        }
        position = 0;
        index++;
        if (last) {
            lastOpened = true;
            held = 0;
        } else {
            sealed[0] = sealed[ObjectKey.SEALED_SEGMENT];
            held = 1;
        }
        return true;
    }

    private BackupException fail() {
        failed = true;
        available = 0;
        position = 0;
        return authenticationFailure(identity);
    }

    /** Authenticates what was not read yet (an extra or missing segment fails here too), then closes. */
    @Override
    public void close() throws IOException {
        try {
            if (!failed) {
                while (nextSegment()) {
                    position = available;
                }
            }
        } finally {
            stored.close();
        }
    }
}
