package dev.s3backup.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.CompressionType;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;

/**
 * A process that writes continuously to several RocksDB instances (the nodes of a cluster), one
 * thread per node, and obeys control files in {@code CONTROL/TOKEN/}, which is what the freeze and
 * thaw hooks of the tests touch:
 * <ul>
 *   <li>{@code freeze} appears: the node stops writing, pauses background work (flushes,
 *       compactions, file deletions), appends the number of acknowledged keys to {@code freezes.log}
 *       and creates {@code frozen}; it stays so until {@code freeze} disappears, then resumes and
 *       deletes {@code frozen};</li>
 *   <li>{@code compact} appears: a full compaction, then {@code compact} is deleted;</li>
 *   <li>{@code stop} appears (in CONTROL): every node closes its database, the process exits.</li>
 * </ul>
 * Key {@code i} of a node is {@code key(i)} with value {@code value(token, i)}; {@code progress}
 * holds the number of acknowledged keys, rewritten now and then.
 *
 * <p>Usage: {@code RocksDbWriterMain CONTROL TOKEN=DIR...}
 */
public final class RocksDbWriterMain {
    private RocksDbWriterMain() {
    }

    public static String key(long i) {
        return String.format("k%09d", i);
    }

    /** 200 bytes that do not compress away, determined by the node and the key. */
    public static byte[] value(String token, long i) {
        StringBuilder sb = new StringBuilder(token).append('-').append(i).append('-');
        long x = i * 0x9E3779B97F4A7C15L + token.hashCode();
        while (sb.length() < 200) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            sb.append(Long.toHexString(x));
        }
        return sb.substring(0, 200).getBytes(StandardCharsets.UTF_8);
    }

    public static Options options() {
        return new Options().setCreateIfMissing(true).setWriteBufferSize(64 << 10)
                .setCompressionType(CompressionType.NO_COMPRESSION).setTargetFileSizeBase(256 << 10)
                .setMaxBytesForLevelBase(1 << 20);
    }

    public static void main(String[] args) throws Exception {
        RocksDB.loadLibrary();
        Path control = Path.of(args[0]);
        List<Thread> threads = new ArrayList<>();
        for (int a = 1; a < args.length; a++) {
            String token = args[a].substring(0, args[a].indexOf('='));
            Path dir = Path.of(args[a].substring(args[a].indexOf('=') + 1));
            Path ctl = control.resolve(token);
            Files.createDirectories(ctl);
            Thread t = new Thread(() -> {
                try {
                    writeLoop(token, dir, ctl, control.resolve("stop"));
                } catch (Exception e) {
                    e.printStackTrace();
                    System.exit(3);
                }
            }, "writer-" + token);
            t.start();
            threads.add(t);
        }
        System.out.println("started");
        System.out.flush();
        for (Thread t : threads) {
            t.join();
        }
    }

    private static void writeLoop(String token, Path dir, Path ctl, Path stop) throws RocksDBException, IOException,
            InterruptedException {
        try (Options options = options(); RocksDB db = RocksDB.open(options, dir.toString());
             WriteOptions wo = new WriteOptions()) {
            long acked = 0;
            while (true) {
                for (int burst = 0; burst < 20; burst++) {
                    db.put(wo, key(acked).getBytes(StandardCharsets.UTF_8), value(token, acked));
                    acked++;
                }
                write(ctl.resolve("progress"), Long.toString(acked));
                if (Files.exists(stop)) {
                    return;
                }
                if (Files.exists(ctl.resolve("compact"))) {
                    db.compactRange();
                    Files.delete(ctl.resolve("compact"));
                }
                if (Files.exists(ctl.resolve("freeze"))) {
                    db.pauseBackgroundWork();
                    Files.writeString(ctl.resolve("freezes.log"), acked + "\n", StandardOpenOption.CREATE,
                            StandardOpenOption.APPEND);
                    write(ctl.resolve("frozen"), Long.toString(acked));
                    while (Files.exists(ctl.resolve("freeze"))) {
                        Thread.sleep(1);
                    }
                    db.continueBackgroundWork();
                    Files.delete(ctl.resolve("frozen"));
                }
                Thread.sleep(1);
            }
        }
    }

    private static void write(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
