package dev.s3backup.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.s3backup.core.gc.GarbageCollector;
import dev.s3backup.core.gc.GcOptions;
import dev.s3backup.core.gc.GcProtocol;
import dev.s3backup.core.gc.GcResult;
import dev.s3backup.core.push.Fixtures;
import dev.s3backup.core.push.Push;
import dev.s3backup.core.push.PushProgress;
import dev.s3backup.core.push.PushResult;
import dev.s3backup.core.repo.ObjectLockSettings;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.repo.RepositoryLayout;
import dev.s3backup.core.retention.Forget;
import dev.s3backup.core.retention.RetentionPolicy;
import dev.s3backup.core.source.Source;
import dev.s3backup.core.store.DeleteResult;
import dev.s3backup.core.store.ObjectInfo;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.Payload;
import dev.s3backup.core.store.Retention;
import dev.s3backup.s3.testing.S3TestServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsResponse;

/**
 * Object Lock against moto, the one server here that enforces it: the store never deletes or
 * hides a locked object, and push, forget and gc keep every locked backup whole. Skipped with a
 * NOTICE where moto_server is not installed.
 */
class ObjectLockMotoTest {
    private static final String BUCKET = "object-lock";
    private static S3TestServers.Server server;

    @TempDir
    Path tmp;

    @BeforeAll
    static void bucket() {
        server = S3TestServers.moto();
        server.createObjectLockBucket(BUCKET, null);
    }

    private static ObjectStore open(String prefix) {
        return S3ObjectStores.open(server.options(BUCKET).prefix(prefix).build());
    }

    @Test
    void lockedObjectsAreNeitherDeletedNorHiddenAndUnlockedOnesAreDeletedForGood() throws Exception {
        String prefix = "store-" + UUID.randomUUID() + "/";
        Instant tomorrow = Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.SECONDS);
        Instant soon = Instant.now().plusSeconds(3).truncatedTo(ChronoUnit.SECONDS);
        try (ObjectStore store = open(prefix)) {
            store.putIfAbsent("g", Payload.of(bytes("governance")).withRetention(new Retention(Retention.Mode.GOVERNANCE, tomorrow)));
            store.putIfAbsent("c", Payload.of(bytes("compliance")).withRetention(new Retention(Retention.Mode.COMPLIANCE, tomorrow)));
            store.putIfAbsent("s", Payload.of(bytes("short")).withRetention(new Retention(Retention.Mode.GOVERNANCE, soon)));
            store.putIfAbsent("free", Payload.of(bytes("free")));
            assertThat(store.head("g").map(ObjectInfo::retainUntil)).contains(tomorrow);
            assertThat(store.head("free").map(ObjectInfo::retainUntil)).isEmpty();

            DeleteResult r = store.delete(List.of("g", "c", "s", "free", "missing"));

            assertThat(r.locked()).containsOnlyKeys("g", "c", "s").containsEntry("g", tomorrow).containsEntry("s", soon);
            assertThat(r.failed()).isEmpty();
            assertThat(r.deleted()).as("free and missing").isEqualTo(2);
            assertThat(r.lookups()).as("a HEAD per key, and the one question about the bucket").isEqualTo(6);
            assertThat(store.get("g").readAllBytes()).isEqualTo(bytes("governance"));
            assertThat(deleteMarkers(prefix)).as("no delete marker hides a locked object").isEmpty();
            assertThat(versions(prefix)).as("the unlocked object is gone for good, not kept as an old version")
                    .containsExactlyInAnyOrder(prefix + "g", prefix + "c", prefix + "s");

            Instant later = tomorrow.plus(Duration.ofDays(1));
            assertThat(store.extendRetention("g", new Retention(Retention.Mode.GOVERNANCE, later))).isEqualTo(later);
            assertThat(store.head("g").map(ObjectInfo::retainUntil)).contains(later);

            sleepUntil(soon.plusMillis(1100));
            DeleteResult afterExpiry = store.delete(List.of("s"));
            assertThat(afterExpiry.deleted()).isEqualTo(1);
            assertThat(afterExpiry.locked()).isEmpty();
            assertThat(versions(prefix)).containsExactlyInAnyOrder(prefix + "g", prefix + "c");
        }
    }

    @Test
    void bucketSettingsAreRead() {
        S3BucketPolicies.ObjectLockStatus locked = S3BucketPolicies.objectLock(server.options(BUCKET).build());
        assertThat(locked.enabled()).isTrue();
        assertThat(locked.defaultRetention()).isNull();
        server.createBucket("no-object-lock");
        assertThat(S3BucketPolicies.objectLock(server.options("no-object-lock").build()).enabled()).isFalse();
        server.createObjectLockBucket("default-retention", "GOVERNANCE:3");
        assertThat(S3BucketPolicies.objectLock(server.options("default-retention").build()).defaultRetention())
                .isEqualTo("GOVERNANCE 3 days");
    }

    /**
     * Backup 1 is pushed "two days ago" (moto, unlike AWS, accepts a retain-until in the past), so
     * its manifest's lock has ended and its chunks' lock ends a few seconds from now; backups 2 and
     * 3 are pushed now. forget may remove backup 1 only; gc may collect backup 1's own chunks only
     * once their lock has ended; every remaining backup restores at each step.
     */
    @Test
    void pushLocksWhatItWritesAndForgetAndGcRespectTheLocks() throws Exception {
        String prefix = "repo-" + UUID.randomUUID() + "/";
        Path src = Files.createDirectories(tmp.resolve("src"));
        Fixtures.write(src.resolve("stable.bin"), Fixtures.randomBytes(200_000, 1));
        Fixtures.write(src.resolve("changing.bin"), Fixtures.randomBytes(150_000, 2));
        Fixtures.write(src.resolve("small.txt"), bytes("a small file, packed"));
        Instant now = Instant.now();
        Instant backupOneTime = now.minus(Duration.ofDays(2)).plusSeconds(6);
        ObjectLockSettings lock = new ObjectLockSettings(Retention.Mode.GOVERNANCE, 1, 1);
        try (ObjectStore store = open(prefix)) {
            Repository.init(store, 64 << 10, lock);

            PushResult one = push(store, backupOneTime, src);
            Set<String> chunksOfOne = chunkKeys(store, one.backupId());
            for (String key : chunksOfOne) {
                assertThat(store.head(key).orElseThrow().retainUntil()).as(key)
                        .isEqualTo(backupOneTime.plus(Duration.ofDays(2)).truncatedTo(ChronoUnit.SECONDS));
            }
            assertThat(store.head(RepositoryLayout.CONFIG).orElseThrow().retainUntil()).as("every backup needs the config")
                    .isEqualTo(backupOneTime.plus(Duration.ofDays(2)).truncatedTo(ChronoUnit.SECONDS));
            Fixtures.write(src.resolve("changing.bin"), Fixtures.randomBytes(150_000, 3));

            PushResult two = push(store, now, src);
            Set<String> chunksOfTwo = chunkKeys(store, two.backupId());
            Set<String> reused = new HashSet<>(chunksOfTwo);
            reused.retainAll(chunksOfOne);
            assertThat(reused).as("stable.bin's chunks and the small file's pack").hasSizeGreaterThanOrEqualTo(4);
            assertThat(two.chunksLockExtended()).as("backup 1 promised too little: each reused chunk extended once")
                    .isEqualTo(reused.size());
            for (String key : chunksOfTwo) {
                assertThat(store.head(key).orElseThrow().retainUntil()).as(key)
                        .isCloseTo(now.plus(Duration.ofDays(2)), within(2, ChronoUnit.SECONDS));
            }
            assertThat(store.head(RepositoryLayout.manifestKey(two.backupId())).orElseThrow().retainUntil())
                    .isCloseTo(now.plus(Duration.ofDays(1)), within(2, ChronoUnit.SECONDS));

            PushResult three = push(store, now.plusSeconds(60), src);
            assertThat(three.chunksLockExtended()).as("backup 2 promised enough").isZero();
            assertThat(three.requests().put()).as("lease, pending manifest, manifest: no chunk, no extension").isEqualTo(3);

            // (Repositories are not closed here: that would close the shared store.)
            Forget.Result forget = new Forget(Repository.open(store), new RetentionPolicy(1, 0, 0, 0, 0, 0, null, false),
                    Clock.systemUTC()).run(false);
            assertThat(forget.forgotten()).as("backup 1's lock has ended").isEqualTo(1);
            assertThat(forget.locked()).containsOnlyKeys(two.backupId());
            assertThat(forget.locked().get(two.backupId())).isCloseTo(now.plus(Duration.ofDays(1)), within(2, ChronoUnit.SECONDS));

            Set<String> onlyInOne = new HashSet<>(chunksOfOne);
            onlyInOne.removeAll(chunksOfTwo);
            assertThat(onlyInOne).isNotEmpty();
            Thread.sleep(1100); // gc sees only chunks older than its run marker, by S3's 1 s clock
            GcResult first = gc(store);
            assertThat(first.complete()).isTrue();
            assertThat(first.locked()).as("backup 1's own chunks, still locked: " + first).isEqualTo(onlyInOne.size());
            assertThat(first.deleted()).isZero();
            assertThat(first.lockedUntil()).isEqualTo(backupOneTime.plus(Duration.ofDays(2)).truncatedTo(ChronoUnit.SECONDS));
            assertThat(deleteMarkers(prefix)).isEmpty();
            assertRestores(store, three.backupId(), src);

            sleepUntil(first.lockedUntil().plusMillis(1100));
            GcResult second = gc(store);
            assertThat(second.complete()).isTrue();
            assertThat(second.deleted()).isEqualTo(onlyInOne.size());
            assertThat(second.locked()).isZero();
            assertThat(deleteMarkers(prefix)).isEmpty();
            Set<String> left = new HashSet<>(versions(prefix + "chunks/"));
            for (String key : onlyInOne) {
                assertThat(left).as("deleted for good: " + key).doesNotContain(prefix + key);
            }
            assertRestores(store, two.backupId(), src);
            assertRestores(store, three.backupId(), src);
        }
    }

    private PushResult push(ObjectStore store, Instant at, Path src) {
        Repository repo = Repository.open(store);
        return new Push(repo, Fixtures.options(), Clock.fixed(at, ZoneOffset.UTC), new PushProgress())
                .run(List.of(new Source("n1", src, false)));
    }

    private GcResult gc(ObjectStore store) {
        GcProtocol.Timing timing = new GcProtocol.Timing(Duration.ofHours(1), Duration.ofMinutes(10),
                Duration.ofMinutes(10), Duration.ofSeconds(2), Duration.ofDays(1), Duration.ofDays(7));
        return new GarbageCollector(Repository.open(store), new GcOptions(Duration.ZERO, false, 1000, timing, tmp),
                Clock.systemUTC()).run();
    }

    private void assertRestores(ObjectStore store, String backupId, Path src) {
        Path target = tmp.resolve("restore-" + UUID.randomUUID());
        assertThat(Fixtures.restore(store, backupId, target).complete()).isTrue();
        Fixtures.assertSameTree(src, target.resolve("n1"));
    }

    private static Set<String> chunkKeys(ObjectStore store, String backupId) {
        Set<String> keys = new HashSet<>();
        Fixtures.entries(store, backupId).forEach(e -> e.chunks().forEach(c -> keys.add(RepositoryLayout.chunkKey(c.hash()))));
        return keys;
    }

    private static List<String> deleteMarkers(String prefix) {
        return listVersions(prefix).deleteMarkers().stream().map(m -> m.key()).toList();
    }

    private static List<String> versions(String prefix) {
        return listVersions(prefix).versions().stream().map(v -> v.key()).toList();
    }

    private static ListObjectVersionsResponse listVersions(String prefix) {
        try (S3Client s3 = S3Client.builder().endpointOverride(server.endpoint()).region(Region.of(server.region()))
                .forcePathStyle(true).credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(server.accessKey(), server.secretKey()))).build()) {
            ListObjectVersionsResponse r = s3.listObjectVersions(b -> b.bucket(BUCKET).prefix(prefix));
            assertThat(r.isTruncated()).isFalse();
            return r;
        }
    }

    private static void sleepUntil(Instant when) throws InterruptedException {
        long millis = Duration.between(Instant.now(), when).toMillis();
        if (millis > 0) {
            Thread.sleep(millis);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

}
