package dev.s3backup.core.push;

import dev.s3backup.manifest.ChunkRef;
import dev.s3backup.manifest.Sha256;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
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

    /** Version 1 hashes a multi-chunk file a second time, whole; version 2 derives its identity from its chunks. */
    @Param({"1", "2"})
    public int manifestVersion;

    private byte[] file;
    /** The file cut into chunk buffers up front, as Push's reads leave it: no copy is timed. */
    private byte[][] chunks;

    @Setup
    public void setUp() {
        file = new byte[fileSize];
        new SplittableRandom(fileSize).nextBytes(file);
        int count = (fileSize + CHUNK - 1) / CHUNK;
        chunks = new byte[count][];
        for (int i = 0; i < count; i++) {
            chunks[i] = new byte[CHUNK];
            System.arraycopy(file, i * CHUNK, chunks[i], 0, Math.min(CHUNK, fileSize - i * CHUNK));
        }
    }

    /** The baseline: one MessageDigest over the whole file. */
    @Benchmark
    public byte[] jdkSha256() {
        MessageDigest md = Sha256.newDigest();
        md.update(file, 0, fileSize);
        return md.digest();
    }

    /** What Push does per file once a chunk is read into a buffer: hash it, then the file hash. */
    @Benchmark
    public Sha256 pushFileHasher() {
        FileHasher hasher = new FileHasher(Sha256.newDigest(), fileSize, CHUNK, manifestVersion);
        List<ChunkRef> refs = new ArrayList<>(chunks.length);
        for (int i = 0; i < chunks.length; i++) {
            int length = Math.min(CHUNK, fileSize - i * CHUNK);
            refs.add(new ChunkRef(hasher.chunk(chunks[i], length), length));
        }
        return hasher.fileHash(refs);
    }
}
