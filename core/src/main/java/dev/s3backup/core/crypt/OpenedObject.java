package dev.s3backup.core.crypt;

import dev.s3backup.core.BackupException;
import java.io.IOException;
import java.io.InputStream;

/**
 * The plaintext stream {@link ObjectSealer#open} returns. The header is read on the first read,
 * which then decides the layers: authenticated segments when encrypted, zstd when compressed.
 */
final class OpenedObject extends InputStream {

    private final InputStream stored;
    private final String identity;
    private final byte[] encryptionKey;
    private InputStream body;
    private BackupException failure;

    /** @param encryptionKey null for a sealer that does not encrypt */
    OpenedObject(InputStream stored, String identity, byte[] encryptionKey) {
        this.stored = stored;
        this.identity = identity;
        this.encryptionKey = encryptionKey;
    }

    private InputStream body() throws IOException {
        if (failure != null) {
            throw new BackupException(failure.reason(), failure.getMessage(), failure);
        }
        if (body == null) {
            try {
                body = layers();
            } catch (BackupException e) {
                failure = e;
                throw e;
            }
        }
        return body;
    }

    private InputStream layers() throws IOException {
        Envelope.Read found = Envelope.read(stored);
        if (found == null) {
            throw damaged();
        }
        Envelope envelope = found.envelope();
        InputStream plain;
        if (encryptionKey != null) {
            // A plain object where encrypted ones belong is a substitution, whatever it holds.
            if (!envelope.encrypted()) {
                throw SegmentReader.authenticationFailure(identity);
            }
            plain = new SegmentReader(stored, new ObjectKey(encryptionKey, found.bytes(), envelope.salt(), identity),
                    identity);
        } else if (envelope.encrypted()) {
            throw new BackupException(BackupException.Reason.INTEGRITY,
                    "Cannot read " + identity + ": it is encrypted, and this repository is not");
        } else {
            plain = stored;
        }
        return envelope.zstd() ? ZstdCodec.inflating(plain, identity) : plain;
    }

    private BackupException damaged() {
        return encryptionKey != null ? SegmentReader.authenticationFailure(identity)
                : new BackupException(BackupException.Reason.INTEGRITY,
                        "Cannot read " + identity + ": it is not a sealed object (its header is damaged)");
    }

    @Override
    public int read() throws IOException {
        return body().read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        return body().read(b, off, len);
    }

    @Override
    public void close() throws IOException {
        if (body != null) {
            body.close();
        } else {
            stored.close();
        }
    }
}
