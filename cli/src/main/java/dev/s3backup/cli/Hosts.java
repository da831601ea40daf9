package dev.s3backup.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This host's name for the manifest, without a DNS lookup that could stall a cron job. */
final class Hosts {
    private Hosts() {
    }

    static String name() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env.trim();
        }
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
