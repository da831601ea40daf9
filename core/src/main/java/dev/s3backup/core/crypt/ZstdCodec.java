package dev.s3backup.core.crypt;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdIOException;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import dev.s3backup.core.BackupException;
import dev.s3backup.core.repo.RepositoryConfig;
import java.io.IOException;
import java.io.InputStream;

/** zstd for chunks: the "does it shrink?" sample, and decompression bounded by the chunk size limit. */
final class ZstdCodec {

    /** The sample: the chunk's first 64 KiB at level 1 (~1 ms), kept only below 90 % of its size. */
    static final int SAMPLE = 64 * 1024;
    static final double SAMPLE_RATIO = 0.90;
    /** The whole chunk is stored compressed only when that saves at least 5 %. */
    static final double KEEP_RATIO = 0.95;
    /** No sealed chunk inflates beyond the largest chunk size a repository may have. */
    static final long MAX_INFLATED = RepositoryConfig.MAX_CHUNK_SIZE;
    /** 2^26 = 64 MiB: a frame asking for a larger window (decoder memory) is refused. */
    private static final int WINDOW_LOG_MAX = 26;

    record Compressed(byte[] bytes, int length) {
    }

    private ZstdCodec() {
    }

    /**
     * Why zstd's native library cannot be loaded here (zstd-jni unpacks it into java.io.tmpdir,
     * which may be mounted noexec), or null when it loads. Checked once.
     */
    private static final String UNAVAILABLE = loadFailure();

    private static String loadFailure() {
        try {
            com.github.luben.zstd.util.Native.load();
            return null;
        } catch (Throwable e) { // UnsatisfiedLinkError and friends: a platform fact, not a bug
            return e.toString();
        }
    }

    /**
     * The compressed form of the range, or null when the sample or the whole does not shrink enough.
     * Its bytes are this thread's scratch buffer: valid until the thread's next call.
     */
    static Compressed compress(byte[] data, int offset, int length, int level) {
        int sample = Math.min(SAMPLE, length);
        if (sample == 0 || UNAVAILABLE != null) {
            return null; // without the library, chunks are stored as they are: still correct, only larger
        }
        byte[] probe = scratch(PROBE, (int) Zstd.compressBound(sample));
        if (check(Zstd.compressByteArray(probe, 0, probe.length, data, offset, sample, 1)) >= sample * SAMPLE_RATIO) {
            return null;
        }
        byte[] out = scratch(OUT, (int) Zstd.compressBound(length));
        long size = check(Zstd.compressByteArray(out, 0, out.length, data, offset, length, level));
        return size < length * KEEP_RATIO ? new Compressed(out, (int) size) : null;
    }

    /*
     * Per-thread buffers: a chunk's compressed form lives only until the sealer has encrypted it,
     * on the same thread, so one buffer per uploading thread replaces an 8 MiB array per chunk
     * (garbage that made the heap of a push grow to its limit).
     */
    private static final ThreadLocal<byte[]> PROBE = new ThreadLocal<>();
    private static final ThreadLocal<byte[]> OUT = new ThreadLocal<>();

    private static byte[] scratch(ThreadLocal<byte[]> cache, int size) {
        byte[] b = cache.get();
        if (b == null || b.length < size) {
            b = new byte[size];
            cache.set(b);
        }
        return b;
    }

    private static long check(long result) {
        if (Zstd.isError(result)) {
            throw new IllegalStateException("Cannot compress a chunk: zstd says " + Zstd.getErrorName(result));
        }
        return result;
    }

    /** The inflated stream of {@code compressed}; damage and overlong output are INTEGRITY failures. */
    static InputStream inflating(InputStream compressed, String identity) throws IOException {
        if (UNAVAILABLE != null) {
            throw new BackupException(BackupException.Reason.IO, "Cannot read " + identity + ": it is compressed with "
                    + "zstd, whose native library cannot be loaded here (" + UNAVAILABLE + "); run with "
                    + "JAVA_OPTS=-Djava.io.tmpdir=DIR where DIR allows executables");
        }
        ZstdInputStreamNoFinalizer zstd = new ZstdInputStreamNoFinalizer(compressed);
        zstd.setLongMax(WINDOW_LOG_MAX);
        return new Bounded(zstd, identity);
    }

    private static final class Bounded extends InputStream {
        private final ZstdInputStreamNoFinalizer in;
        private final String identity;
        private long produced;

        Bounded(ZstdInputStreamNoFinalizer in, String identity) {
            this.in = in;
            this.identity = identity;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n;
            try {
                // One byte more than allowed is enough to tell a bomb, and no more is inflated.
                n = in.read(b, off, (int) Math.min(len, MAX_INFLATED + 1 - produced));
            } catch (ZstdIOException e) {
                throw new BackupException(BackupException.Reason.INTEGRITY,
                        "Cannot read " + identity + ": its compressed body is damaged (zstd: " + e.getMessage() + ")", e);
            }
            if (n > 0) {
                produced += n;
                if (produced > MAX_INFLATED) {
                    throw new BackupException(BackupException.Reason.INTEGRITY, "Cannot read " + identity
                            + ": it inflates beyond the " + (MAX_INFLATED >> 20) + " MiB a chunk may have");
                }
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
