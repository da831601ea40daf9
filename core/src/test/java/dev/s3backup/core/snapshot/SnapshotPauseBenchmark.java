package dev.s3backup.core.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * How the pause window grows with the number of SST files: 3 nodes on one disk, no-op hooks (the
 * hooks' own time is the store's), median of 5 snapshots per size. Not in the default run:
 *
 * <pre>mvn -B -o -q test -pl core -Dtest=SnapshotPauseBenchmark -Ds3backup.bench.snapshot=true
 *     [-Ds3backup.bench.dir=/data/on/the/disk/to/measure]</pre>
 */
@EnabledIfSystemProperty(named = "s3backup.bench.snapshot", matches = "true")
class SnapshotPauseBenchmark {
    @Test
    void pauseWindowByFileCount() throws IOException {
        Path base = Files.createTempDirectory(Path.of(System.getProperty("s3backup.bench.dir",
                System.getProperty("java.io.tmpdir"))), "s3backup-pause-bench-");
        try {
            System.out.printf("%-12s %-12s %-14s %-14s %-14s%n", "SST files", "per node", "pause (ms)", "link+copy (ms)",
                    "per file (us)");
            for (int total : new int[] {300, 1_000, 3_000, 10_000, 30_000}) {
                int perNode = total / 3;
                List<SnapshotNode> nodes = new ArrayList<>();
                for (int n = 1; n <= 3; n++) {
                    Path data = base.resolve(total + "-node" + n);
                    Files.createDirectories(data);
                    byte[] content = new byte[4096];
                    for (int i = 0; i < perNode; i++) {
                        Files.write(data.resolve(String.format("%06d.sst", i)), content);
                    }
                    Files.writeString(data.resolve("CURRENT"), "MANIFEST-000001\n");
                    Files.write(data.resolve("MANIFEST-000001"), new byte[64 << 10]);
                    Files.writeString(data.resolve("OPTIONS-000002"), "options");
                    Files.write(data.resolve("LOG"), new byte[16 << 10]);
                    nodes.add(SnapshotNode.hardLinked("n" + n, data, Quiescer.none()));
                }
                List<Double> pauses = new ArrayList<>();
                List<Double> captures = new ArrayList<>();
                for (int run = 0; run < 5; run++) {
                    Snapshot s = new CoordinatedSnapshot(nodes, List.of(), SnapshotOptions.defaults(), Clock.systemUTC())
                            .take();
                    pauses.add(s.pause().toNanos() / 1e6);
                    captures.add(s.capture().toNanos() / 1e6);
                    s.delete();
                }
                pauses.sort(null);
                captures.sort(null);
                double pause = pauses.get(2);
                System.out.printf("%-12d %-12d %-14.1f %-14.1f %-14.1f%n", perNode * 3, perNode, pause, captures.get(2),
                        pause * 1000 / (perNode * 3));
            }
        } finally {
            Snapshot.deleteTree(base);
        }
    }
}
