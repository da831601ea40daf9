package dev.s3backup.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.core.push.PushOptions;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.restore.Restore;
import dev.s3backup.core.restore.RestoreOptions;
import dev.s3backup.core.restore.RestoreProgress;
import dev.s3backup.core.snapshot.LsmBackup;
import dev.s3backup.core.snapshot.Quiescer;
import dev.s3backup.core.store.FileObjectStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Checkpoint;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

/**
 * The library entry point from an application that embeds RocksDB: one node backed up through
 * RocksDB's own Checkpoint, one through freeze/thaw callbacks while a thread keeps writing to it.
 */
class RocksDbLibraryTest {
    @TempDir
    Path dir;

    @Test
    void checkpointAndCallbacksBackUpEmbeddedRocksDbs() throws Exception {
        RocksDB.loadLibrary();
        Path repoDir = dir.resolve("repo");
        try (Options o1 = RocksDbWriterMain.options(); Options o2 = RocksDbWriterMain.options();
             RocksDB users = RocksDB.open(o1, dir.resolve("users").toString());
             RocksDB events = RocksDB.open(o2, dir.resolve("events").toString())) {
            for (long i = 0; i < 3000; i++) {
                users.put(RocksDbWriterMain.key(i).getBytes(StandardCharsets.UTF_8), RocksDbWriterMain.value("users", i));
            }
            Semaphore writes = new Semaphore(1);
            AtomicLong acked = new AtomicLong();
            AtomicLong ackedAtFreeze = new AtomicLong(-1);
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        writes.acquire();
                        try {
                            long i = acked.get();
                            events.put(RocksDbWriterMain.key(i).getBytes(StandardCharsets.UTF_8),
                                    RocksDbWriterMain.value("events", i));
                            acked.incrementAndGet();
                        } finally {
                            writes.release();
                        }
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            writer.start();
            while (acked.get() < 5000) {
                Thread.sleep(5);
            }
            Quiescer pauseEvents = Quiescer.of(() -> {
                writes.acquire();
                events.pauseBackgroundWork();
                ackedAtFreeze.set(acked.get());
            }, () -> {
                events.continueBackgroundWork();
                writes.release();
            });

            LsmBackup.Result result;
            try (Repository repo = Repository.init(new FileObjectStore(repoDir), 1 << 20);
                 Checkpoint checkpoint = Checkpoint.create(users)) {
                result = LsmBackup.to(repo, PushOptions.defaults("test-host", "it"))
                        .checkpointNode("users", dir.resolve("users"), target -> checkpoint.createCheckpoint(target.toString()))
                        .node("events", dir.resolve("events"), pauseEvents)
                        .run();
            }
            long writtenAfter = acked.get();
            Thread.sleep(50);
            stop.set(true);
            writer.join();

            assertThat(result.snapshotKept()).isFalse();
            assertThat(result.snapshot().pause().toMillis()).isLessThan(5_000);
            assertThat(result.snapshot().nodes().get(0).filesLinked()).isPositive();
            Path target = dir.resolve("restored");
            try (Repository repo = Repository.open(new FileObjectStore(repoDir))) {
                new Restore(repo, RestoreOptions.defaults(), new RestoreProgress())
                        .run(result.push().backupId(), target);
            }
            assertKeys(target.resolve("users"), "users", 3000);
            assertKeys(target.resolve("events"), "events", ackedAtFreeze.get());
            assertThat(acked.get()).isGreaterThan(ackedAtFreeze.get());
            assertThat(writtenAfter).isGreaterThanOrEqualTo(ackedAtFreeze.get());
        }
    }

    private static void assertKeys(Path db, String token, long count) throws Exception {
        try (Options o = RocksDbWriterMain.options(); RocksDB rocks = RocksDB.open(o, db.toString())) {
            for (long i = 0; i < count; i++) {
                assertThat(rocks.get(RocksDbWriterMain.key(i).getBytes(StandardCharsets.UTF_8)))
                        .as("%s key %d", token, i).isEqualTo(RocksDbWriterMain.value(token, i));
            }
            assertThat(rocks.get(RocksDbWriterMain.key(count).getBytes(StandardCharsets.UTF_8))).isNull();
        }
    }
}
