package dev.s3backup.core.limit;

/**
 * Bandwidth and request-rate limits for production links; 0 means unlimited.
 *
 * @param uploadBytesPerSecond bytes written to the store per second
 * @param downloadBytesPerSecond bytes read from the store per second
 * @param requestsPerSecond requests of any kind per second
 */
public record Limits(long uploadBytesPerSecond, long downloadBytesPerSecond, double requestsPerSecond) {
    public static final Limits NONE = new Limits(0, 0, 0);

    public Limits {
        if (uploadBytesPerSecond < 0 || downloadBytesPerSecond < 0 || requestsPerSecond < 0) {
            throw new IllegalArgumentException("limits must be positive (0 means unlimited)");
        }
    }

    public boolean any() {
        return uploadBytesPerSecond > 0 || downloadBytesPerSecond > 0 || requestsPerSecond > 0;
    }
}
