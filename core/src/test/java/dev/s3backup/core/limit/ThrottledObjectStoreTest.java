package dev.s3backup.core.limit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3backup.core.store.FileObjectStore;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.Payload;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ThrottledObjectStoreTest {
    @TempDir
    Path dir;

    @Test
    void noLimitMeansTheStoreItself() {
        ObjectStore store = new FileObjectStore(dir);
        assertThat(ThrottledObjectStore.wrap(store, Limits.NONE)).isSameAs(store);
    }

    @Test
    void uploadsAreSpacedToTheRate() {
        ObjectStore store = ThrottledObjectStore.wrap(new FileObjectStore(dir), new Limits(1_000_000, 0, 0));
        long start = System.nanoTime();
        for (int i = 0; i < 5; i++) {
            store.putIfAbsent("k" + i, Payload.of(new byte[100_000]));
        }
        // 500 KB at 1 MB/s: the last put may start only after 400 ms of credit has been paid.
        assertThat((System.nanoTime() - start) / 1e6).isGreaterThanOrEqualTo(390);
    }

    @Test
    void downloadsAreSpacedToTheRate() throws IOException {
        new FileObjectStore(dir).putIfAbsent("k", Payload.of(new byte[300_000]));
        ObjectStore store = ThrottledObjectStore.wrap(new FileObjectStore(dir), new Limits(0, 1_000_000, 0));
        long start = System.nanoTime();
        try (InputStream in = store.get("k")) {
            assertThat(in.readAllBytes()).hasSize(300_000);
        }
        try (InputStream in = store.get("k")) {
            in.readAllBytes();
        }
        assertThat((System.nanoTime() - start) / 1e6).isGreaterThanOrEqualTo(250);
    }

    @Test
    void requestsAreSpacedToTheRate() {
        ObjectStore store = ThrottledObjectStore.wrap(new FileObjectStore(dir), new Limits(0, 0, 20));
        long start = System.nanoTime();
        for (int i = 0; i < 6; i++) {
            store.head("k");
        }
        assertThat((System.nanoTime() - start) / 1e6).isGreaterThanOrEqualTo(240);
    }

    @Test
    void negativeLimitsAreRefused() {
        assertThatThrownBy(() -> new Limits(-1, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RateLimiter(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
