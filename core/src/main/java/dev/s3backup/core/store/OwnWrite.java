package dev.s3backup.core.store;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Tells "this key already exists" apart from "my own earlier attempt landed": when a create-only
 * write's answer is lost (the connection drops after the server stored the object) the client
 * retries, and the retry finds the key taken by the very bytes it is sending.
 */
public final class OwnWrite {
    private OwnWrite() {
    }

    /**
     * Whether {@code key} holds exactly the payload's bytes (one HEAD, then one GET when the sizes
     * agree). Store failures are thrown: unknown is not "ours".
     */
    public static boolean landed(ObjectStore store, String key, Payload payload) {
        Long size = store.head(key).map(ObjectInfo::size).orElse(null);
        if (size == null || size != payload.length()) {
            return false;
        }
        byte[] mine = new byte[64 << 10];
        byte[] stored = new byte[mine.length];
        try (InputStream expected = payload.open(); InputStream actual = store.get(key)) {
            while (true) {
                int n = expected.readNBytes(mine, 0, mine.length);
                int m = actual.readNBytes(stored, 0, n == 0 ? 1 : n);
                if (n != m || !Arrays.equals(mine, 0, n, stored, 0, m)) {
                    return false;
                }
                if (n == 0) {
                    return true;
                }
            }
        } catch (IOException e) {
            throw new StoreException(StoreException.Kind.IO, "Cannot read " + key + " back from " + store.describe()
                    + ": " + e.getMessage(), e);
        }
    }
}
