package dev.s3backup.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3backup.core.store.InMemoryObjectStore.Op;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The test knobs of the in-memory store. */
class InMemoryObjectStoreTest {

    private final Instant t0 = Instant.parse("2024-01-01T00:00:00Z");

    @Test
    void countsRequestsAsS3WouldBillThem() {
        InMemoryObjectStore store = new InMemoryObjectStore(Clock.fixed(t0, ZoneOffset.UTC), 2);
        store.putIfAbsent("a", Payload.of(new byte[1]));
        store.putIfAbsent("a", Payload.of(new byte[1]));
        store.putIfAbsent("b", Payload.of(new byte[1]));
        store.putIfAbsent("c", Payload.of(new byte[1]));
        store.head("a");
        store.get("a");
        store.getRange("a", 0, 1);
        store.listAll("").forEachRemaining(o -> { });
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 2001; i++) {
            many.add("x" + i);
        }
        store.delete(many);

        assertThat(store.requests(Op.PUT)).isEqualTo(4);
        assertThat(store.requests(Op.HEAD)).isEqualTo(1);
        assertThat(store.requests(Op.GET)).isEqualTo(2);
        assertThat(store.requests(Op.LIST)).isEqualTo(2);
        assertThat(store.requests(Op.DELETE)).isEqualTo(3);
        store.resetRequests();
        assertThat(store.requests().values()).containsOnly(0L);
    }

    @Test
    void injectedFailuresHitTheNextRequestsOnly() {
        InMemoryObjectStore store = new InMemoryObjectStore();
        store.failNext(Op.PUT, 2, new StoreException(StoreException.Kind.IO, "Cannot write: injected"));

        assertThatThrownBy(() -> store.putIfAbsent("a", Payload.of(new byte[1]))).hasMessageContaining("injected");
        assertThatThrownBy(() -> store.putIfAbsent("a", Payload.of(new byte[1]))).hasMessageContaining("injected");
        assertThat(store.putIfAbsent("a", Payload.of(new byte[1]))).isEqualTo(ObjectStore.PutOutcome.CREATED);
        assertThat(store.requests(Op.PUT)).isEqualTo(3);
    }

    @Test
    void refusedDeletesAreReportedAsData() {
        InMemoryObjectStore store = new InMemoryObjectStore();
        store.putIfAbsent("a", Payload.of(new byte[1]));
        store.putIfAbsent("b", Payload.of(new byte[1]));
        store.refuseDelete("b", "AccessDenied");

        DeleteResult result = store.delete(List.of("a", "b"));

        assertThat(result.deleted()).isEqualTo(1);
        assertThat(result.failed()).containsEntry("b", "AccessDenied");
        assertThat(store.keys()).containsExactly("b");
    }

    @Test
    void corruptAndRemoveActBehindTheCallersBack() {
        InMemoryObjectStore store = new InMemoryObjectStore();
        store.putIfAbsent("a", Payload.of("abc".getBytes(StandardCharsets.UTF_8)));
        store.putIfAbsent("b", Payload.of(new byte[1]));

        store.corrupt("a");
        assertThat(store.content("a")).isNotEqualTo("abc".getBytes(StandardCharsets.UTF_8)).hasSize(3);
        assertThat(store.remove("b")).isTrue();
        assertThat(store.head("b")).isEmpty();
        assertThat(store.requests(Op.PUT)).isEqualTo(2);
        assertThat(store.requests(Op.HEAD)).isEqualTo(1);
    }

    @Test
    void lastModifiedComesFromTheClock() {
        InMemoryObjectStore store = new InMemoryObjectStore(Clock.fixed(t0, ZoneOffset.UTC));
        store.putIfAbsent("a", Payload.of(new byte[1]));

        assertThat(store.head("a")).get().extracting(ObjectInfo::lastModified).isEqualTo(t0);
    }
}
