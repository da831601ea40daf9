package dev.s3backup.s3;

import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.core.metrics.CoreMetric;
import software.amazon.awssdk.metrics.MetricCollection;
import software.amazon.awssdk.metrics.MetricPublisher;

/**
 * Counts repeated attempts: the SDK's own retries, read from its {@link CoreMetric#RETRY_COUNT}
 * metric of every API call, plus the store's re-fetches of response bodies cut off mid-stream
 * (which the SDK cannot retry, as the caller already holds the stream).
 */
final class RetryCounter implements MetricPublisher {
    private final LongAdder retries = new LongAdder();

    @Override
    public void publish(MetricCollection apiCall) {
        for (Integer n : apiCall.metricValues(CoreMetric.RETRY_COUNT)) {
            retries.add(n);
        }
    }

    void countRefetch() {
        retries.increment();
    }

    long total() {
        return retries.sum();
    }

    @Override
    public void close() {
    }
}
