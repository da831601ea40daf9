package dev.s3backup.core.snapshot;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.core.source.Source;
import dev.s3backup.manifest.Node;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Runs HyperDex's own coordinated snapshot, {@code hyperdex backup NAME}, and turns what it leaves
 * into push sources: one node per {@code TOKEN PATH} line it prints (each daemon's hard-linked
 * snapshot) and the loose file {@code coordinator.bin} from the {@code NAME.coordinator.bin} it
 * writes in its working directory - the layout of backup-manager's backup directories.
 *
 * <p>HyperDex pauses the cluster itself (read-only, drain, snapshot every daemon, read-write);
 * s3backup only times the command. The daemon paths must be readable from this host (one host,
 * or a shared file system); otherwise back up each host's daemon with a backup set.
 *
 * @param nodes token to the daemon's snapshot directory, in the order printed
 * @param coordinatorFile the {@code NAME.coordinator.bin} written by the command
 * @param duration how long the command took: an upper bound of the cluster's pause
 */
public record HyperDexBackup(String name, Map<String, Path> nodes, Path coordinatorFile, Duration duration) {
    public static final String DEFAULT_COMMAND = "hyperdex";
    public static final String COORDINATOR_FILE = "coordinator.bin";

    public HyperDexBackup {
        nodes = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(nodes));
    }

    /**
     * Runs {@code COMMAND backup NAME} in {@code workDir} (with {@code sh -c}, so the command may be
     * {@code ssh coordinator-host hyperdex}) and checks everything it printed and left.
     */
    public static HyperDexBackup take(String command, String name, Path workDir, Duration timeout) {
        if (!Node.isValidToken(name) || name.startsWith("-")) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot use HyperDex backup name '" + name
                    + "': use letters, digits, '.', '_' or '-'");
        }
        if (!Files.isDirectory(workDir)) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot run HyperDex backup in " + workDir
                    + ": no such directory");
        }
        Path coordinator = workDir.resolve(name + ".coordinator.bin");
        if (Files.exists(coordinator)) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot take HyperDex backup '" + name + "': " + coordinator
                    + " already exists (an earlier backup of that name); remove it or choose another name");
        }
        String line = command + " backup " + name;
        long start = System.nanoTime();
        String out;
        try {
            out = run(line, workDir, timeout);
        } catch (IOException e) {
            throw new BackupException(Reason.IO, "Cannot take HyperDex backup: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackupException(Reason.IO, "Cannot take HyperDex backup: interrupted", e);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        Map<String, Path> nodes = parse(line, out);
        if (!Files.isRegularFile(coordinator)) {
            throw new BackupException(Reason.IO, "Cannot take HyperDex backup: '" + line + "' succeeded but left no "
                    + coordinator);
        }
        return new HyperDexBackup(name, nodes, coordinator, took);
    }

    /** Parses the {@code TOKEN PATH} lines; anything else is refused rather than half understood. */
    static Map<String, Path> parse(String line, String out) {
        Map<String, Path> nodes = new java.util.LinkedHashMap<>();
        Set<Path> paths = new HashSet<>();
        String[] lines = out.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i].strip();
            if (l.isEmpty()) {
                continue;
            }
            int sp = l.indexOf(' ');
            String token = sp < 0 ? l : l.substring(0, sp);
            String path = sp < 0 ? "" : l.substring(sp + 1).strip();
            String what = "Cannot take HyperDex backup: '" + line + "' printed an unexpected line " + (i + 1) + " '"
                    + (l.length() > 200 ? l.substring(0, 200) + "..." : l) + "'";
            if (sp < 0 || !Node.isValidToken(token) || !path.startsWith("/")) {
                throw new BackupException(Reason.IO, what + " (expected 'TOKEN /PATH' per server)");
            }
            Path p = Path.of(path);
            if (!Files.isDirectory(p)) {
                throw new BackupException(Reason.IO, what + ": " + p + " is not a directory on this host; if the "
                        + "daemons run on other hosts, push each one there with --backup-set");
            }
            if (nodes.put(token, p) != null || !paths.add(p)) {
                throw new BackupException(Reason.IO, what + ": server or path listed twice");
            }
        }
        if (nodes.isEmpty()) {
            throw new BackupException(Reason.IO, "Cannot take HyperDex backup: '" + line + "' printed no server");
        }
        return nodes;
    }

    private static String run(String line, Path workDir, Duration timeout) throws IOException, InterruptedException {
        Path stdout = Files.createTempFile("s3backup-hyperdex-", ".out");
        Path stderr = Files.createTempFile("s3backup-hyperdex-", ".err");
        try {
            Process p = new ProcessBuilder("sh", "-c", line).directory(workDir.toFile())
                    .redirectOutput(stdout.toFile()).redirectError(stderr.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                throw new IOException("'" + line + "' did not finish within " + timeout.toMillis()
                        + " ms and was killed; the cluster may still be read-only: check 'hyperdex set-read-write'");
            }
            String err = Files.readString(stderr, StandardCharsets.UTF_8).strip();
            if (p.exitValue() == 127) {
                throw new IOException("'" + line + "': command not found (" + err + "); install HyperDex or give "
                        + "--hyperdex-command");
            }
            if (p.exitValue() != 0) {
                throw new IOException("'" + line + "' exited with status " + p.exitValue()
                        + (err.isEmpty() ? "" : ": " + err));
            }
            return Files.readString(stdout, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(stdout);
            Files.deleteIfExists(stderr);
        }
    }

    /** The push sources: every daemon's directory under its token, and coordinator.bin. */
    public List<Source> sources() {
        List<Source> sources = new ArrayList<>();
        nodes.forEach((token, path) -> sources.add(new Source(token, path, false)));
        sources.add(new Source(COORDINATOR_FILE, coordinatorFile, true));
        return sources;
    }

    public Map<String, String> properties() {
        Map<String, String> p = new TreeMap<>();
        p.put("hyperdex.backupName", name);
        p.put("hyperdex.backupMillis", String.format(Locale.ROOT, "%.3f", duration.toNanos() / 1e6));
        return p;
    }

    /** Removes the daemons' snapshot directories and the coordinator file, once they are backed up. */
    public void delete() throws IOException {
        for (Path p : nodes.values()) {
            Snapshot.deleteTree(p);
        }
        Files.deleteIfExists(coordinatorFile);
    }
}
