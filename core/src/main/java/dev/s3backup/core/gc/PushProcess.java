package dev.s3backup.core.gc;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The process a lease belongs to, as written in the lease: host name, pid and the process's start
 * time (so a pid reused by a later process is not taken for the push).
 *
 * @param started the process's start time, or null when the platform does not tell it (or the
 *     lease was written by an older version)
 */
record PushProcess(String host, long pid, Instant started) {
    private static final String MAGIC = "s3backup-lease-v1";
    /** Process start times are read from /proc with jiffy resolution; anything closer is the same process. */
    private static final Duration START_TOLERANCE = Duration.ofSeconds(1);

    static PushProcess current() {
        ProcessHandle self = ProcessHandle.current();
        return new PushProcess(hostName(), self.pid(), self.info().startInstant().orElse(null));
    }

    static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    String encode() {
        return MAGIC + "\nhost=" + host + "\npid=" + pid + "\n" + (started == null ? "" : "started=" + started + "\n");
    }

    /** The process a lease's content names, or empty when it names none (damaged or foreign). */
    static Optional<PushProcess> parse(String content) {
        String host = null;
        long pid = -1;
        Instant started = null;
        for (String line : content.split("\n")) {
            int eq = line.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String value = line.substring(eq + 1).strip();
            try {
                switch (line.substring(0, eq)) {
                    case "host" -> host = value;
                    case "pid" -> pid = Long.parseLong(value);
                    case "started" -> started = Instant.parse(value);
                    default -> { }
                }
            } catch (RuntimeException e) {
                return Optional.empty();
            }
        }
        return host == null || pid < 0 ? Optional.empty() : Optional.of(new PushProcess(host, pid, started));
    }

    /**
     * Whether this process is known to have ended, as seen from {@code here}: only a process of
     * the same host can be checked (its pid is gone, or now belongs to a process that started
     * later). Anything else is not known dead.
     */
    boolean knownDeadFrom(String here) {
        if (!host.equals(here) || host.equals("unknown")) {
            return false;
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty() || !handle.get().isAlive()) {
            return true;
        }
        Optional<Instant> start = handle.get().info().startInstant();
        return started != null && start.isPresent()
                && Duration.between(started, start.get()).abs().compareTo(START_TOLERANCE) > 0;
    }
}
