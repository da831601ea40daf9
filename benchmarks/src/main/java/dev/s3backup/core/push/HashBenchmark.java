package dev.s3backup.core.push;

import dev.s3backup.manifest.Sha256;
import java.security.MessageDigest;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Push's hashing path ({@link FileHasher}: every chunk's content address plus the file's hash)
 * against one pass of the JDK's SHA-256 over the same bytes, single-threaded. Each operation
 * hashes one file of {@code fileSize} bytes held in memory (no I/O), cut into 8 MiB chunks, the
 * repository default; bytes per second = operations per second × fileSize. Issue #3's target:
 * ours ≥ 85 % of the JDK's single-core throughput per core used.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class HashBenchmark {
    private static final int CHUNK = 8 << 20;

    /** 4 MiB: an SST of the 1 GiB benchmark (one chunk); 32 MiB: four chunks. */
    @Param({"4194304", "33554432"})
    public int fileSize;

    private byte[] file;
    private byte[] buffer;

    @Setup
    public void setUp() {
        file = new byte[fileSize];
        new SplittableRandom(fileSize).nextBytes(file);
        buffer = new byte[CHUNK];
    }

    /** The baseline: one MessageDigest over the whole file. */
    @Benchmark
    public byte[] jdkSha256() {
        MessageDigest md = Sha256.newDigest();
        md.update(file, 0, fileSize);
        return md.digest();
    }

    /** What Push does per file: chunks copied into the pool's buffer, each hashed, plus the file hash. */
    @Benchmark
    public Sha256 pushFileHasher() {
        FileHasher hasher = new FileHasher(fileSize, CHUNK);
        for (int off = 0; off < fileSize; off += CHUNK) {
            int n = Math.min(CHUNK, fileSize - off);
            System.arraycopy(file, off, buffer, 0, n);   // stands in for the read into the buffer
            hasher.chunk(buffer, n);
        }
        return hasher.fileHash();
    }
}
