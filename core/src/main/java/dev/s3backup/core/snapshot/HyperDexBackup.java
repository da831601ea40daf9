package dev.s3backup.core.snapshot;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.core.source.Source;
import dev.s3backup.manifest.Node;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Runs HyperDex's own coordinated snapshot, {@code hyperdex backup [-h HOST -p PORT] NAME}, and
 * turns what it leaves into push sources: one node per server line it prints (each daemon's
 * hard-linked snapshot directory) and the loose file {@code coordinator.bin} from the
 * {@code NAME.coordinator.bin} it writes in its working directory - the layout of
 * backup-manager's backup directories.
 *
 * <p>A real HyperDex 1.8 prints {@code SERVER_ID IP PATH} per server; the manual's example shows
 * {@code SERVER_ID PATH}: both are read. A server whose IP is not one of this host's addresses
 * keeps its snapshot on another host: it is listed in {@link #remoteServers()} and is not a push
 * source here.
 *
 * <p>HyperDex pauses the cluster itself (read-only, drain, snapshot every daemon, read-write);
 * s3backup only times the command. Whatever fails after the command ran, the snapshot it left on
 * this host (every {@code backup-NAME} directory and the coordinator file) is removed, so that
 * the next run can take a fresh backup under the same name.
 *
 * @param servers every server, in the order printed
 * @param coordinatorFile the {@code NAME.coordinator.bin} written by the command
 * @param duration how long the command took: an upper bound of the cluster's pause
 */
public record HyperDexBackup(String name, List<Server> servers, Path coordinatorFile, Duration duration) {
    public static final String DEFAULT_COMMAND = "hyperdex";
    public static final String COORDINATOR_FILE = "coordinator.bin";
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.:_-]{1,253}");

    /**
     * One daemon's snapshot.
     *
     * @param ip the address HyperDex printed for it; null in the manual's two-field form
     * @param local whether its snapshot directory is on this host
     */
    public record Server(String id, String ip, Path path, boolean local) {
        @Override
        public String toString() {
            return "server " + id + " (" + (ip == null ? "" : ip + " ") + path + ")";
        }
    }

    public HyperDexBackup {
        servers = List.copyOf(servers);
    }

    /** Where the command is run, and how. */
    public record Command(String command, String coordinator, Duration timeout) {
        /** The shell line: options come before the name, as {@code hyperdex backup} requires. */
        String line(String name) {
            if (coordinator == null) {
                return command + " backup " + name;
            }
            int colon = coordinator.lastIndexOf(':');
            return command + " backup -h " + coordinator.substring(0, colon) + " -p "
                    + coordinator.substring(colon + 1) + " " + name;
        }

        public Command {
            if (coordinator != null) {
                int colon = coordinator.lastIndexOf(':');
                String host = colon < 0 ? "" : coordinator.substring(0, colon);
                int port = -1;
                try {
                    port = colon < 0 ? -1 : Integer.parseInt(coordinator.substring(colon + 1));
                } catch (NumberFormatException ignored) {
                    // reported below
                }
                if (!HOST.matcher(host).matches() || host.startsWith("-") || port < 1 || port > 65535) {
                    throw new BackupException(Reason.INVALID_INPUT, "Cannot use HyperDex coordinator '" + coordinator
                            + "': give HOST:PORT, e.g. 10.0.0.1:1982");
                }
            }
        }
    }

    /**
     * Runs the command in {@code workDir} (with {@code sh -c}, so it may be
     * {@code ssh coordinator-host hyperdex}) and checks everything it printed and left; on any
     * failure after it ran, removes what it left on this host and says so in the message.
     */
    public static HyperDexBackup take(Command command, String name, Path workDir, Predicate<String> isLocalAddress) {
        if (!Node.isValidToken(name) || name.startsWith("-")) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot use HyperDex backup name '" + name
                    + "': use letters, digits, '.', '_' or '-'");
        }
        if (!Files.isDirectory(workDir)) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot run HyperDex backup in " + workDir
                    + ": no such directory");
        }
        Path coordinator = workDir.resolve(name + ".coordinator.bin");
        if (Files.exists(coordinator, LinkOption.NOFOLLOW_LINKS)) {
            // hyperdex would overwrite it: it may be the only copy of an earlier backup's coordinator state.
            throw new BackupException(Reason.INVALID_INPUT, "Cannot take HyperDex backup '" + name + "': " + coordinator
                    + " already exists (an earlier backup of that name); remove it or choose another name");
        }
        String line = command.line(name);
        long start = System.nanoTime();
        String out;
        try {
            out = run(line, workDir, command.timeout());
        } catch (IOException e) {
            throw failed(name, coordinator, List.of(), "Cannot take HyperDex backup: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failed(name, coordinator, List.of(), "Cannot take HyperDex backup: interrupted", e);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        List<Server> servers;
        try {
            servers = parse(line, name, out, isLocalAddress);
            if (!Files.isRegularFile(coordinator, LinkOption.NOFOLLOW_LINKS)) {
                throw new BackupException(Reason.IO, "Cannot take HyperDex backup: '" + line
                        + "' succeeded but left no " + coordinator);
            }
        } catch (BackupException e) {
            throw failed(name, coordinator, snapshotDirsIn(out, name), e.getMessage(), e);
        }
        return new HyperDexBackup(name, servers, coordinator, took);
    }

    /** Parses one line per server; anything else is refused rather than half understood. */
    static List<Server> parse(String line, String name, String out, Predicate<String> isLocalAddress) {
        List<Server> servers = new ArrayList<>();
        String[] lines = out.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i].strip();
            if (l.isEmpty()) {
                continue;
            }
            String[] f = l.split("\\s+");
            String what = "Cannot take HyperDex backup: '" + line + "' printed an unexpected line " + (i + 1) + " '"
                    + (l.length() > 200 ? l.substring(0, 200) + "..." : l) + "'";
            String id = f[0];
            String ip = f.length == 3 ? f[1] : null;
            String path = f[f.length - 1];
            if (f.length < 2 || f.length > 3 || !Node.isValidToken(id) || !path.startsWith("/")
                    || (ip != null && !HOST.matcher(ip).matches())) {
                throw new BackupException(Reason.IO, what + " (expected 'SERVER_ID IP /PATH' per server)");
            }
            Path p = Path.of(path);
            boolean local = ip == null || isLocalAddress.test(ip);
            if (local && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                throw new BackupException(Reason.IO, what + ": " + p + " is not a directory on this host"
                        + (ip == null ? "; if the daemons run on other hosts, push each one there with --backup-set"
                        : ""));
            }
            for (Server s : servers) {
                if (s.id().equals(id) || (s.path().equals(p) && java.util.Objects.equals(s.ip(), ip))) {
                    throw new BackupException(Reason.IO, what + ": server or path listed twice");
                }
            }
            servers.add(new Server(id, ip, p, local));
        }
        if (servers.isEmpty()) {
            throw new BackupException(Reason.IO, "Cannot take HyperDex backup: '" + line + "' printed no server");
        }
        return servers;
    }

    /**
     * The snapshot directories a failed run's output names, read leniently: only an absolute path
     * of a directory on this host named exactly {@code backup-NAME}, so that garbage output never
     * makes us remove anything else.
     */
    static List<Path> snapshotDirsIn(String out, String name) {
        List<Path> dirs = new ArrayList<>();
        for (String l : out.split("\n")) {
            String[] f = l.strip().split("\\s+");
            String last = f[f.length - 1];
            if (last.startsWith("/") && last.endsWith("/backup-" + name)) {
                Path p = Path.of(last);
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && !dirs.contains(p)) {
                    dirs.add(p);
                }
            }
        }
        return dirs;
    }

    /** Removes what a failed run left here and returns the failure, saying what was removed. */
    private static BackupException failed(String name, Path coordinator, List<Path> dirs, String message,
                                          Exception cause) {
        List<Path> left = new ArrayList<>(dirs);
        if (Files.exists(coordinator, LinkOption.NOFOLLOW_LINKS)) {
            left.add(coordinator);
        }
        String cleanup = removeAll(left);
        if (dirs.isEmpty()) {
            cleanup += (cleanup.isEmpty() ? "" : "; ") + "servers that finished before the failure may keep DATA/backup-"
                    + name + ": remove those directories before taking a backup of that name again";
        }
        Reason reason = cause instanceof BackupException be ? be.reason() : Reason.IO;
        return new BackupException(reason, message + " (" + cleanup + ")", cause);
    }

    private static String removeAll(List<Path> paths) {
        List<Path> removed = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        for (Path p : paths) {
            try {
                Snapshot.deleteTree(p);
                removed.add(p);
            } catch (IOException | UncheckedIOException e) {
                kept.add(p + " (" + e.getMessage() + ")");
            }
        }
        String s = removed.isEmpty() ? "" : "removed " + removed;
        if (!kept.isEmpty()) {
            s += (s.isEmpty() ? "" : "; ") + "could not remove " + kept;
        }
        return s;
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
                        + " ms and was killed (an unreachable coordinator makes it wait forever); the cluster may "
                        + "still be read-only: check 'hyperdex set-read-write'");
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

    /**
     * Whether an address HyperDex printed is one of this host's: a loopback or wildcard address, or
     * one bound to a network interface here. Host names are not resolved: HyperDex prints addresses.
     */
    public static Predicate<String> thisHostsAddresses() {
        return ip -> {
            try {
                if (!ip.matches("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) {
                    return false;
                }
                java.net.InetAddress a = java.net.InetAddress.getByName(ip);
                return a.isLoopbackAddress() || a.isAnyLocalAddress() || java.net.NetworkInterface.getByInetAddress(a) != null;
            } catch (IOException e) {
                return false;
            }
        };
    }

    public List<Server> localServers() {
        return servers.stream().filter(Server::local).toList();
    }

    public List<Server> remoteServers() {
        return servers.stream().filter(s -> !s.local()).toList();
    }

    /** The push sources of this host: every local daemon's directory under its id, and coordinator.bin. */
    public List<Source> sources() {
        List<Source> sources = new ArrayList<>();
        for (Server s : localServers()) {
            sources.add(new Source(s.id(), s.path(), false));
        }
        sources.add(new Source(COORDINATOR_FILE, coordinatorFile, true));
        return sources;
    }

    public Map<String, String> properties() {
        Map<String, String> p = new TreeMap<>();
        p.put("hyperdex.backupName", name);
        p.put("hyperdex.backupMillis", String.format(Locale.ROOT, "%.3f", duration.toNanos() / 1e6));
        p.put("hyperdex.servers", String.join(",", servers.stream().map(Server::id).toList()));
        return p;
    }

    /**
     * Removes the local daemons' snapshot directories and the coordinator file; returns what it
     * could not remove (empty when all is gone).
     */
    public String delete() {
        List<Path> paths = new ArrayList<>(localServers().stream().map(Server::path).toList());
        paths.add(coordinatorFile);
        String s = removeAll(paths);
        return s.contains("could not remove") ? s : "";
    }
}
