package dev.s3backup.core.gc;

import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.repo.RepositoryLayout;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.Payload;
import dev.s3backup.manifest.BackupId;
import dev.s3backup.manifest.ChunkRef;
import dev.s3backup.manifest.Entry;
import dev.s3backup.manifest.ManifestCodec;
import dev.s3backup.manifest.ManifestHeader;
import dev.s3backup.manifest.ManifestWriter;
import dev.s3backup.manifest.Sha256;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Chunks and manifests written directly, for gc and forget tests. */
public final class GcFixtures {
    private GcFixtures() {
    }

    /** A clock tests move by hand. */
    public static final class MutableClock extends Clock {
        private volatile Instant now;

        public MutableClock(Instant start) {
            this.now = start;
        }

        public void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    static Sha256 putChunk(ObjectStore store, String content) {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        Sha256 hash = Sha256.digest(bytes, 0, bytes.length);
        store.putIfAbsent(RepositoryLayout.chunkKey(hash), Payload.of(bytes, 0, bytes.length, hash.bytes()));
        return hash;
    }

    static byte[] manifest(String id, String name, Instant created, List<Sha256> chunks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ManifestHeader header = new ManifestHeader(id, name, created, "test", "host", null, List.of(), Map.of());
        try (ManifestWriter w = ManifestCodec.newWriter(out, header)) {
            int i = 0;
            for (Sha256 c : chunks) {
                w.write(Entry.file("", "f" + (i++), 0644, 0, 1, c, List.of(new ChunkRef(c, 1))));
            }
            w.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static String id(Instant created, long seed) {
        return BackupId.generate(created, new SplittableRandom(seed));
    }

    static String putManifest(ObjectStore store, String name, Instant created, List<Sha256> chunks) {
        String id = id(created, created.toEpochMilli() ^ name.hashCode());
        store.putIfAbsent(RepositoryLayout.manifestKey(id), Payload.of(manifest(id, name, created, chunks)));
        return id;
    }

    static Path manifestFile(Path dir, String id, List<Sha256> chunks) throws IOException {
        Path f = Files.createTempFile(dir, "m-", ".tmp");
        Files.write(f, manifest(id, "", Instant.parse("2026-01-01T00:00:00Z"), chunks));
        return f;
    }

    static Repository repo(ObjectStore store) {
        if (store.head(RepositoryLayout.CONFIG).isEmpty()) {
            Repository.init(store, 64 << 10).close();
        }
        return Repository.open(store);
    }
}
