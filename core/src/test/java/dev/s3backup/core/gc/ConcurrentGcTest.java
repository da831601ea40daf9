package dev.s3backup.core.gc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.push.Fixtures;
import dev.s3backup.core.push.Push;
import dev.s3backup.core.push.PushProgress;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.restore.Restore;
import dev.s3backup.core.restore.RestoreOptions;
import dev.s3backup.core.restore.RestoreProgress;
import dev.s3backup.core.restore.RestoreResult;
import dev.s3backup.core.retention.Forget;
import dev.s3backup.core.retention.RetentionPolicy;
import dev.s3backup.core.source.Source;
import dev.s3backup.core.store.FileObjectStore;
import dev.s3backup.core.store.InMemoryObjectStore;
import dev.s3backup.core.store.ObjectStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pushes, forget and gc in a loop on one repository at the same time, gc as aggressive as it can
 * be (no grace period, leases ignored), then every committed backup must restore completely.
 * A push may abort because gc removed a chunk it relied on; it must never commit a broken backup.
 */
public class ConcurrentGcTest {
    private static final int FILES = 24;
    @TempDir
    Path dir;

    @Test
    void pushForgetAndGcConcurrentlyOnMemoryStore() throws Exception {
        run(new InMemoryObjectStore(), Duration.ofSeconds(5));
    }

    @Test
    void pushForgetAndGcConcurrentlyOnFileStore() throws Exception {
        run(new FileObjectStore(Files.createDirectories(dir.resolve("repo"))), Duration.ofSeconds(5));
    }

    /** Shared by the S3 version in it-tests. */
    void run(ObjectStore store, Duration duration) throws Exception {
        Report report = stress(store, dir, duration);
        assertThat(report.failures).as("unexpected failures").isEmpty();
        assertThat(report.committed.get()).as("pushes committed").isGreaterThan(3);
        assertThat(report.swept.get()).as("gc deleted something while pushes ran").isPositive();
        assertThat(report.restored).as("backups restored").isNotEmpty();
    }

    /** What a stress run saw. */
    public static final class Report {
        public final AtomicInteger committed = new AtomicInteger();
        public final AtomicInteger aborted = new AtomicInteger();
        public final AtomicInteger swept = new AtomicInteger();
        public final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        public final List<String> restored = new ArrayList<>();

        @Override
        public String toString() {
            return committed + " committed, " + aborted + " aborted by gc, " + swept + " chunks swept, "
                    + restored.size() + " restored, failures " + failures;
        }
    }

    public static Report stress(ObjectStore store, Path dir, Duration duration) throws Exception {
        return stress(store, dir, duration, Duration.ZERO);
    }

    /** @param clockMargin how far the store's timestamps may lag (S3: 1 s resolution, plus request time) */
    public static Report stress(ObjectStore underlying, Path dir, Duration duration, Duration clockMargin) throws Exception {
        // Every thread opens and closes its own Repository; the store must outlive them all.
        ObjectStore store = (ObjectStore) java.lang.reflect.Proxy.newProxyInstance(ObjectStore.class.getClassLoader(),
                new Class<?>[] {ObjectStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("close")) {
                        return null;
                    }
                    try {
                        return method.invoke(underlying, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Repository.init(store, 64 << 10).close();
        Path pool = Files.createDirectories(dir.resolve("pool"));
        Random random = new Random(42);
        for (int i = 0; i < FILES; i++) {
            byte[] b = new byte[1000 + random.nextInt(150_000)];
            random.nextBytes(b);
            Files.write(pool.resolve("f" + i + ".sst"), b);
        }
        Report report = new Report();
        try (Repository repo = Repository.open(store)) {
            new Push(repo, Fixtures.options(), Fixtures.tickingClock(), new PushProgress()).run(List.of(new Source("n", pool, false)));
        }
        AtomicBoolean stop = new AtomicBoolean();
        // One host: store timestamps are this host's clock, so no margin; a short intent window so that
        // a chunk uploaded again soon after gc deleted it counts as a fresh copy.
        Duration window = Duration.ofMillis(300);
        GcProtocol.Timing eager = new GcProtocol.Timing(Duration.ofMillis(2), Duration.ofMillis(1),
                window, clockMargin, Duration.ofDays(1), Duration.ofDays(7));
        GcProtocol.Timing leases = new GcProtocol.Timing(Duration.ofHours(1), Duration.ofMinutes(10),
                window, clockMargin, Duration.ofDays(1), Duration.ofDays(7));
        ConcurrentLinkedQueue<Throwable> crashes = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        AtomicInteger sourceSeq = new AtomicInteger();
        for (int p = 0; p < 3; p++) {
            int pusher = p;
            threads.add(new Thread(() -> {
                Random r = new Random(pusher);
                while (!stop.get()) {
                    try {
                        Path src = Files.createDirectories(dir.resolve("src-" + sourceSeq.incrementAndGet()));
                        for (int i = 0; i < FILES; i++) {
                            if (r.nextInt(3) > 0) {
                                Files.copy(pool.resolve("f" + i + ".sst"), src.resolve("f" + i + ".sst"));
                            }
                        }
                        try (Repository repo = Repository.open(store)) {
                            new Push(repo, Fixtures.options(), Fixtures.tickingClock(), new PushProgress())
                                    .guardedBy(PushGuard.leases(leases))
                                    .packSmallFilesBelow(r.nextBoolean() ? 0 : 16 << 10)
                                    .run(List.of(new Source("n" + pusher, src, false)));
                            report.committed.incrementAndGet();
                        }
                    } catch (BackupException e) {
                        if (e.getMessage().contains("concurrent gc")) {
                            report.aborted.incrementAndGet();
                        } else {
                            report.failures.add("push: " + e);
                        }
                    } catch (Throwable t) {
                        crashes.add(t);
                        report.failures.add("push: " + t);
                    }
                }
            }, "pusher-" + p));
        }
        threads.add(new Thread(() -> {
            while (!stop.get()) {
                try (Repository repo = Repository.open(store)) {
                    new Forget(repo, RetentionPolicy.keepLast(4), Clock.systemUTC()).run(false);
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                } catch (Throwable t) {
                    report.failures.add("forget: " + t);
                }
            }
        }, "forget"));
        threads.add(new Thread(() -> {
            int run = 0;
            while (!stop.get()) {
                // Every fourth run ignores leases: it then deletes what running pushes just uploaded.
                GcProtocol.Timing timing = run++ % 4 == 0 ? eager : leases;
                try (Repository repo = Repository.open(store)) {
                    Thread.sleep(200);
                    GcResult r = new GarbageCollector(repo, new GcOptions(Duration.ZERO, false, 7, timing, dir),
                            Clock.systemUTC()).run();
                    report.swept.addAndGet((int) r.deleted());
                    if (!r.unreadable().isEmpty() || !r.failed().isEmpty()) {
                        report.failures.add("gc: " + r.unreadable() + " " + r.failed() + " " + r.stopped());
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (Throwable t) {
                    report.failures.add("gc: " + t);
                }
            }
        }, "gc"));
        threads.forEach(Thread::start);
        Thread.sleep(duration.toMillis());
        stop.set(true);
        for (Thread t : threads) {
            t.join(60_000);
        }
        try (Repository repo = Repository.open(store)) {
            for (String id : repo.listBackupIds()) {
                Path target = dir.resolve("restore-" + id);
                RestoreResult r = new Restore(repo, new RestoreOptions(null, false, 4), new RestoreProgress()).run(id, target);
                if (!r.complete()) {
                    report.failures.add("restore " + id + ": " + r.failures());
                }
                report.restored.add(id);
            }
        } catch (BackupException e) {
            report.failures.add("restore: " + e);
        }
        System.out.println("ConcurrentGcTest on " + store.describe() + ": " + report);
        return report;
    }
}
