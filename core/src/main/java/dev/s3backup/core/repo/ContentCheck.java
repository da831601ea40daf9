package dev.s3backup.core.repo;

import dev.s3backup.manifest.ChunkRef;
import dev.s3backup.manifest.Entry;
import dev.s3backup.manifest.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * How a file's bytes are checked against its manifest entry, hashing each byte once where the
 * manifest allows it. Every chunk is always checked against its address; what the file's own
 * hash adds depends on what the entry's hash is:
 * <ul>
 *   <li>the address of its one whole chunk, or the identity derived from its chunk list
 *       (manifest version 2): checking every chunk checks the file, nothing more to hash;</li>
 *   <li>a packed file: the address of its bytes, a slice of a pack;</li>
 *   <li>any other file (a multi-chunk file of manifest version 1): the plain SHA-256 of its bytes.</li>
 * </ul>
 */
public final class ContentCheck {
    private ContentCheck() {
    }

    /** Whether checking each chunk of {@code e} against its address also checks the whole file. */
    public static boolean chunksCheckTheFile(Entry e) {
        if (e.packed()) {
            return false;
        }
        boolean oneWholeChunk = e.chunks().size() == 1 && e.chunks().get(0).length() == e.size()
                && e.chunks().get(0).hash().equals(e.sha256());
        return oneWholeChunk || e.identityDerived();
    }

    /**
     * A digest to feed the file's bytes, whose result must equal the entry's hash; null when
     * {@link #chunksCheckTheFile} and the bytes need no second hash.
     */
    public static MessageDigest fileDigest(Repository repository, Entry e) {
        if (chunksCheckTheFile(e)) {
            return null;
        }
        return e.packed() ? repository.newAddressDigest() : Sha256.newDigest();
    }

    /**
     * Whether {@code in} holds exactly the content of file entry {@code e} (a restored file read
     * back, or one already in a restore's target): hashed once, chunk by chunk where the entry's
     * identity comes from its chunks, else whole.
     *
     * @param buffer scratch space; larger is faster (the SHA-256 intrinsic pays off on big blocks)
     */
    public static boolean matches(Repository repository, Entry e, InputStream in, byte[] buffer) throws IOException {
        MessageDigest whole = fileDigest(repository, e);
        if (whole != null) {
            long total = 0;
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                whole.update(buffer, 0, n);
                total += n;
            }
            return total == e.size() && Sha256.of(whole.digest()).equals(e.sha256());
        }
        MessageDigest digest = repository.newAddressDigest();
        for (ChunkRef c : e.chunks()) {
            long left = c.length();
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    return false;
                }
                digest.update(buffer, 0, n);
                left -= n;
            }
            if (!Sha256.of(digest.digest()).equals(c.hash())) {
                return false;
            }
        }
        return in.read() < 0;
    }
}
