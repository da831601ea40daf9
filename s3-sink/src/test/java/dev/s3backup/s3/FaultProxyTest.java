package dev.s3backup.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.core.store.ObjectInfo;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.ObjectStore.PutOutcome;
import dev.s3backup.core.store.Payload;
import dev.s3backup.core.store.StoreException;
import dev.s3backup.s3.testing.FaultProxy;
import dev.s3backup.s3.testing.FaultProxy.Fault;
import dev.s3backup.s3.testing.S3TestServers;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The store through {@link FaultProxy} at a high fault rate: every kind of fault is injected,
 * the SDK's retries and the body re-fetch absorb nearly all of them, and whatever still fails
 * fails as a {@link StoreException}, never as wrong or short data.
 */
class FaultProxyTest {

    @Test
    void everyOperationSucceedsWithTheRightBytesOrFailsAsAStoreException() throws IOException {
        S3TestServers.Server server = S3TestServers.s3Proxy();
        server.createBucket("faults");
        Random random = new Random(42);
        List<byte[]> objects = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            byte[] data = new byte[1 + random.nextInt(i % 4 == 0 ? 300_000 : 2_000)];
            random.nextBytes(data);
            objects.add(data);
        }
        int operations = 0;
        int failures = 0;
        try (FaultProxy proxy = FaultProxy.start(server.endpoint(), 7, 0.3, Duration.ofMillis(1500));
             ObjectStore store = S3ObjectStores.open(server.options("faults").prefix("proxy-fixed")
                     .endpoint(proxy.endpoint()).socketTimeout(Duration.ofMillis(500)).maxAttempts(5)
                     .checkBucketOnOpen(false).build())) {
            for (int i = 0; i < objects.size(); i++) {
                operations++;
                try {
                    PutOutcome outcome = store.putIfAbsent("o/" + i, Payload.of(objects.get(i)));
                    assertThat(outcome).isIn(PutOutcome.CREATED, PutOutcome.ALREADY_EXISTED);
                } catch (StoreException e) {
                    failures++;
                }
            }
            for (int i = 0; i < objects.size(); i++) {
                byte[] expected = objects.get(i);
                operations += 2;
                try (InputStream in = store.get("o/" + i)) {
                    assertThat(in.readAllBytes()).as("object %d", i).isEqualTo(expected);
                } catch (StoreException e) {
                    failures++;
                }
                int from = expected.length / 3;
                try (InputStream in = store.getRange("o/" + i, from, expected.length)) {
                    assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(expected, from, expected.length));
                } catch (StoreException e) {
                    failures++;
                }
            }
            proxy.setRate(0);
            int listed = 0;
            for (Iterator<ObjectInfo> it = store.listAll("o/"); it.hasNext(); it.next()) {
                listed++;
            }
            Map<Fault, Long> injected = proxy.injected();
            System.out.printf("FaultProxyTest: %d operations, %d failed cleanly, %d requests, %d retries, faults %s%n",
                    operations, failures, proxy.requests(), store.retries(), injected);
            assertThat(injected.values()).as("every kind injected: %s", injected).allMatch(n -> n > 0);
            long faults = injected.values().stream().mapToLong(Long::longValue).sum();
            // Nearly every fault costs one retry; the HTTP client may resend a request on a pooled
            // connection found closed below the SDK, which the SDK does not count.
            assertThat(store.retries()).isGreaterThanOrEqualTo(faults - faults / 10 - failures * 5L);
            assertThat(failures).as("5 attempts make a failure rare").isLessThan(operations / 10);
            assertThat(listed).isLessThanOrEqualTo(objects.size()).isGreaterThanOrEqualTo(objects.size() - failures);
        }
    }
}
