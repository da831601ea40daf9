package dev.s3backup.core.push;

import dev.s3backup.manifest.Sha256;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Packing small files ({@link Packer}): appending each into the open 8 MiB pack and sealing full
 * packs (SHA-256 of the pack). The sink hands the buffer straight back to the pool, so this is
 * the CPU cost of packing alone, without the upload. One operation = one small file.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PackBenchmark {
    private static final int PACK = 8 << 20;
    private static final int FILES_PER_INVOCATION = 4096;

    /** 1 KiB and 16 KiB: the ends of issue #3's small-file range. */
    @Param({"1024", "16384"})
    public int fileSize;

    private byte[] data;
    private BufferPool pool;
    private Packer packer;
    private Blackhole sink;

    @Setup
    public void setUp(Blackhole blackhole) {
        data = new byte[fileSize];
        new SplittableRandom(fileSize).nextBytes(data);
        pool = new BufferPool(PACK, 2);
        sink = blackhole;
        packer = new Packer(PACK, pool, Sha256::digest, (ref, buffer) -> {
            sink.consume(ref);
            pool.release(buffer);
        });
    }

    @Benchmark
    @OperationsPerInvocation(FILES_PER_INVOCATION)
    public void appendSmallFiles(Blackhole bh) throws InterruptedException {
        for (int i = 0; i < FILES_PER_INVOCATION; i++) {
            bh.consume(packer.append(data, fileSize));
        }
    }
}
