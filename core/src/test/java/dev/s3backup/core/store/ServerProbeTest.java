package dev.s3backup.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.core.push.DelegatingStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerProbeTest {
    @TempDir
    Path dir;

    @Test
    void aStoreThatKeepsItsPromisesPassesEveryCheckAndKeepsNothing() {
        FileObjectStore store = new FileObjectStore(dir);
        ServerProbe.Report r = ServerProbe.run(store, Clock.systemUTC());
        assertThat(r.createOnly().holds()).isTrue();
        assertThat(r.checksumsVerified().holds()).isTrue();
        assertThat(r.batchDelete().holds()).isTrue();
        assertThat(r.unsafe()).isFalse();
        assertThat(store.listAll(ServerProbe.PREFIX)).toIterable().isEmpty();
    }

    @Test
    void aStoreThatOverwritesOnCreateIsUnsafeAndOneThatStoresBadBodiesIsSaidSo() {
        ObjectStore lax = new DelegatingStore(new InMemoryObjectStore()) {
            @Override
            public PutOutcome putIfAbsent(String key, Payload payload) {
                // Ignores If-None-Match and the checksum, as some S3-compatible servers do.
                super.delete(java.util.List.of(key));
                return super.putIfAbsent(key, Payload.of(readAll(payload)));
            }
        };
        ServerProbe.Report r = ServerProbe.run(lax, Clock.systemUTC());
        assertThat(r.createOnly().holds()).isFalse();
        assertThat(r.createOnly().detail()).contains("overwrote the first body");
        assertThat(r.checksumsVerified().holds()).isFalse();
        assertThat(r.unsafe()).isTrue();
        assertThat(lax.listAll(ServerProbe.PREFIX)).toIterable().isEmpty();
    }

    @Test
    void aFailingBatchDeleteIsUnsafe() {
        ObjectStore noDelete = new DelegatingStore(new InMemoryObjectStore()) {
            @Override
            public DeleteResult delete(Collection<String> keys) {
                throw new StoreException(StoreException.Kind.IO, "Cannot delete: 400 missing Content-MD5");
            }
        };
        ServerProbe.Report r = ServerProbe.run(noDelete, Clock.systemUTC());
        assertThat(r.batchDelete().holds()).isFalse();
        assertThat(r.batchDelete().detail()).contains("Content-MD5");
        assertThat(r.unsafe()).isTrue();
    }

    @Test
    void clockSkewIsTheStoresTimeAgainstTheRequestWithinItsSecondPrecision() {
        Instant before = Instant.parse("2026-12-06T10:00:00.400Z");
        Instant after = before.plusMillis(200);
        assertThat(ServerProbe.skew(Instant.parse("2026-12-06T10:00:00Z"), before, after)).isZero();
        assertThat(ServerProbe.skew(Instant.parse("2026-12-06T10:01:00Z"), before, after))
                .isEqualTo(Duration.ofMillis(59_500));
        assertThat(ServerProbe.skew(Instant.parse("2026-12-06T09:59:00Z"), before, after))
                .isEqualTo(Duration.ofMillis(-60_500));
        assertThat(ServerProbe.skew(null, before, after)).isNull();
    }

    private static byte[] readAll(Payload payload) {
        try (var in = payload.open()) {
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
