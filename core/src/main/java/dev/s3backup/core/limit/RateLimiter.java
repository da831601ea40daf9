package dev.s3backup.core.limit;

/**
 * Spaces out permits (bytes or requests) to a steady rate. A request for more permits than one
 * second's worth is granted, and the following callers wait for it to be paid off, so large
 * chunks and small ones share the rate fairly without a burst allowance.
 */
public final class RateLimiter {
    private final double nanosPerPermit;
    private long nextFreeNanos;

    /** @param permitsPerSecond must be positive */
    public RateLimiter(double permitsPerSecond) {
        if (!(permitsPerSecond > 0) || Double.isInfinite(permitsPerSecond)) {
            throw new IllegalArgumentException("rate must be a positive number: " + permitsPerSecond);
        }
        this.nanosPerPermit = 1e9 / permitsPerSecond;
        this.nextFreeNanos = System.nanoTime();
    }

    /** Blocks until {@code permits} may be used; returns how long it waited, in nanoseconds. */
    public long acquire(long permits) throws InterruptedException {
        long wait;
        synchronized (this) {
            long now = System.nanoTime();
            long start = Math.max(now, nextFreeNanos);
            wait = start - now;
            nextFreeNanos = start + (long) (permits * nanosPerPermit);
        }
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        return wait;
    }

    /** As {@link #acquire}, turning an interrupt into an unchecked failure the caller reports. */
    public void acquireUninterruptibly(long permits) {
        try {
            acquire(permits);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while throttled", e);
        }
    }
}
