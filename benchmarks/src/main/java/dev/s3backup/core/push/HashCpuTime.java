package dev.s3backup.core.push;

import dev.s3backup.manifest.ChunkRef;
import dev.s3backup.manifest.Sha256;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The hashing target in CPU time rather than wall time: MB hashed per CPU-second of the hashing
 * thread, for Push's {@link FileHasher} and for one JDK SHA-256 pass over the same bytes,
 * alternating the two round by round. A thread's CPU time does not count the time other
 * processes hold the core, so on a shared, loaded machine this says "per core used" more
 * steadily than JMH's wall-clock throughput ({@link HashBenchmark}).
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.s3backup.core.push.HashCpuTime [rounds]</pre>
 */
public final class HashCpuTime {
    private static final int CHUNK = 8 << 20;
    /** Version 2 (what init makes): a multi-chunk file's identity comes from its chunks, no second pass. */
    private static final int MANIFEST_VERSION = Integer.getInteger("manifestVersion", 2);
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private HashCpuTime() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        for (int fileSize : new int[] {4 << 20, 32 << 20}) {
            byte[] file = new byte[fileSize];
            new SplittableRandom(fileSize).nextBytes(file);
            byte[][] chunks = cut(file);
            int repeat = Math.max(1, (256 << 20) / fileSize);   // ~256 MiB hashed per measurement
            for (int warm = 0; warm < 3; warm++) {
                jdk(file, repeat);
                ours(chunks, fileSize, repeat);
            }
            double[] jdk = new double[rounds];
            double[] ours = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                jdk[r] = jdk(file, repeat);
                ours[r] = ours(chunks, fileSize, repeat);
            }
            double jdkMedian = median(jdk);
            double oursMedian = median(ours);
            System.out.printf("file %,d bytes (%d chunk%s of 8 MiB): JDK SHA-256 %.0f MB/CPU-s, Push's FileHasher"
                    + " %.0f MB/CPU-s: %.0f %% (medians of %d rounds)%n", fileSize, chunks.length,
                    chunks.length == 1 ? "" : "s", jdkMedian, oursMedian, 100 * oursMedian / jdkMedian, rounds);
        }
    }

    private static byte[][] cut(byte[] file) {
        int count = (file.length + CHUNK - 1) / CHUNK;
        byte[][] chunks = new byte[count][];
        for (int i = 0; i < count; i++) {
            chunks[i] = Arrays.copyOfRange(file, i * CHUNK, Math.min(file.length, (i + 1) * CHUNK));
        }
        return chunks;
    }

    /** MB per CPU-second of one MessageDigest pass, {@code repeat} times over the file. */
    private static double jdk(byte[] file, int repeat) {
        long t0 = THREADS.getCurrentThreadCpuTime();
        byte sink = 0;
        for (int i = 0; i < repeat; i++) {
            MessageDigest md = Sha256.newDigest();
            md.update(file, 0, file.length);
            sink ^= md.digest()[0];
        }
        return rate((long) file.length * repeat, THREADS.getCurrentThreadCpuTime() - t0, sink);
    }

    private static double ours(byte[][] chunks, int fileSize, int repeat) {
        long t0 = THREADS.getCurrentThreadCpuTime();
        byte sink = 0;
        for (int i = 0; i < repeat; i++) {
            FileHasher hasher = new FileHasher(Sha256.newDigest(), fileSize, CHUNK, MANIFEST_VERSION);
            List<ChunkRef> refs = new ArrayList<>(chunks.length);
            for (byte[] chunk : chunks) {
                refs.add(new ChunkRef(hasher.chunk(chunk, chunk.length), chunk.length));
            }
            sink ^= hasher.fileHash(refs).bytes()[0];
        }
        return rate((long) fileSize * repeat, THREADS.getCurrentThreadCpuTime() - t0, sink);
    }

    private static double rate(long bytes, long cpuNanos, byte sink) {
        if (sink == 42 && cpuNanos < 0) {
            System.out.print("");   // keeps the digests alive for the JIT
        }
        return bytes / 1e6 / (cpuNanos / 1e9);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
