package dev.s3backup.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.manifest.ManifestDiff.Change;
import dev.s3backup.manifest.ManifestDiff.Difference;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ManifestDiffTest {
    private static final String VERSIONS = "dev.s3backup.manifest.TestManifests#versions";

    private static Supplier<ManifestReader> reader(int version, List<Entry> entries) throws IOException {
        ManifestHeader header = new ManifestHeader(TestManifests.ID, "", TestManifests.CREATED, "test", "host", null,
                List.of(new Node("n0", "/n0"), new Node("n1", "/n1"), new Node("n2", "/n2")), Map.of());
        byte[] bytes = TestManifests.write(version, header, entries);
        return () -> ManifestCodec.newReader(new ByteArrayInputStream(bytes));
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void addedRemovedAndModifiedButNotAnMtimeAlone(int version) throws IOException {
        Entry same = TestManifests.file("n1", "same.sst", 100, 1 << 20, 1);
        Entry touched = TestManifests.file("n1", "touched", 10, 1 << 20, 2);
        Entry touchedLater = new Entry("n1", "touched", EntryType.FILE, touched.mode(), touched.mtimeNanos() + 1_000_000,
                touched.size(), touched.sha256(), touched.chunks(), null, -1);
        Entry rewritten = TestManifests.file("n1", "MANIFEST-1", 10, 1 << 20, 3);
        Entry rewrittenAfter = TestManifests.file("n1", "MANIFEST-1", 30, 1 << 20, 4);
        Entry chmod = Entry.directory("n1", "dir", 0755, 1);
        Entry chmodAfter = Entry.directory("n1", "dir", 0700, 1);
        Entry link = Entry.symlink("n1", "current", 1, "a");
        Entry relinked = Entry.symlink("n1", "current", 1, "b");
        Entry gone = TestManifests.file("n2", "gone", 7, 1 << 20, 5);
        Entry fresh = TestManifests.file("", "coordinator.bin", 9, 1 << 20, 6);

        List<Difference> out = new ArrayList<>();
        ManifestDiff.Totals t = ManifestDiff.diff(reader(version, List.of(same, touched, rewritten, chmod, link, gone)),
                reader(version, List.of(same, touchedLater, rewrittenAfter, chmodAfter, relinked, fresh)), out::add);

        assertThat(out).containsExactly(
                new Difference(Change.MODIFIED, "n1", "MANIFEST-1", EntryType.FILE, 10, 30),
                new Difference(Change.MODIFIED, "n1", "dir", EntryType.DIRECTORY, 0, 0),
                new Difference(Change.MODIFIED, "n1", "current", EntryType.SYMLINK, 0, 0),
                new Difference(Change.ADDED, "", "coordinator.bin", EntryType.FILE, 0, 9),
                new Difference(Change.REMOVED, "n2", "gone", EntryType.FILE, 7, 0));
        assertThat(t.nodes()).containsExactly("", "n1", "n2");
        assertThat(t.bytes("n1", Change.MODIFIED)).isEqualTo(20);
        assertThat(t.count(Change.ADDED)).isEqualTo(1);
    }

    /**
     * Diff compares identities: a multi-chunk file's is its whole-file SHA-256 in version 1 and
     * derived from its chunks in version 2, so the same bytes backed up in each show as modified.
     */
    @org.junit.jupiter.api.Test
    void aMultiChunkFileDiffersBetweenAVersion1AndAVersion2Backup() throws IOException {
        Entry inV2 = TestManifests.file("n1", "big.sst", 3 << 20, 1 << 20, 1);
        Entry inV1 = new Entry("n1", "big.sst", EntryType.FILE, inV2.mode(), inV2.mtimeNanos(), inV2.size(),
                TestManifests.sha(77), inV2.chunks(), null, -1);
        Entry small = TestManifests.file("n1", "CURRENT", 16, 1 << 20, 2);

        List<Difference> out = new ArrayList<>();
        ManifestDiff.diff(reader(1, List.of(inV1, small)), reader(2, List.of(inV2, small)), out::add);

        assertThat(out).containsExactly(new Difference(Change.MODIFIED, "n1", "big.sst", EntryType.FILE, 3 << 20, 3 << 20));
    }

    /** Against a plain map of the two trees, for many random pairs (the table grows several times). */
    @ParameterizedTest(name = "v{0}")
    @MethodSource(VERSIONS)
    void agreesWithAMapOfBothTrees(int version) throws IOException {
        SplittableRandom random = new SplittableRandom(42);
        for (int round = 0; round < 20; round++) {
            Map<String, Entry> a = new HashMap<>();
            int n = 1 + random.nextInt(3000);
            for (int i = 0; i < n; i++) {
                String path = "d" + random.nextInt(50) + "/f" + i;
                a.put(path, TestManifests.file("n" + random.nextInt(3), path, random.nextInt(100), 1 << 20, random.nextLong()));
            }
            Map<String, Entry> b = new HashMap<>();
            for (Entry e : a.values()) {
                int what = random.nextInt(10);
                if (what == 0) {
                    continue; // removed
                }
                b.put(e.path(), what == 1 ? TestManifests.file(e.node(), e.path(), e.size() + 1, 1 << 20, random.nextLong()) : e);
            }
            for (int i = 0; i < random.nextInt(200); i++) {
                String path = "new/" + i;
                b.put(path, TestManifests.file("n0", path, 5, 1 << 20, random.nextLong()));
            }
            Map<Change, Integer> counts = new HashMap<>();
            ManifestDiff.diff(reader(version, new ArrayList<>(a.values())), reader(version, new ArrayList<>(b.values())),
                    d -> counts.merge(d.change(), 1, Integer::sum));
            long removed = a.keySet().stream().filter(p -> !b.containsKey(p)).count();
            long added = b.keySet().stream().filter(p -> !a.containsKey(p)).count();
            long modified = a.keySet().stream().filter(p -> b.containsKey(p) && !b.get(p).equals(a.get(p))).count();
            assertThat(counts.getOrDefault(Change.REMOVED, 0)).isEqualTo((int) removed);
            assertThat(counts.getOrDefault(Change.ADDED, 0)).isEqualTo((int) added);
            assertThat(counts.getOrDefault(Change.MODIFIED, 0)).isEqualTo((int) modified);
        }
    }
}
