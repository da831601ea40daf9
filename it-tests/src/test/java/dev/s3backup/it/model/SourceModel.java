package dev.s3backup.it.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What the operator's source directories hold, as the model believes it: one tree per node
 * ({@code a/...}, {@code b/...}), each path a file, a symbolic link or a directory. Every change
 * is made on disk and in the model at once, so a push's expected content is the model's
 * {@link #snapshot()} taken when it runs. Names come from small pools so that a path is often
 * reused by another kind of entry (a link where a directory was), which is what a delta restore
 * into an old target must survive.
 */
final class SourceModel {
    static final List<String> NODES = List.of("a", "b");
    private static final List<String> DIRS = List.of("d1", "d2", "d1/e1", "d2/e2", "d3");
    private static final List<String> NAMES =
            List.of("f1", "f2", "f3", "f4", "f5", "000007.sst", "CURRENT", "l1", "l2", "x");
    private static final int[] FILE_MODES = {0644, 0600, 0755, 0400, 0640};
    private static final int[] DIR_MODES = {0755, 0700, 0750, 0555};
    private static final long BASE_MTIME = 1_780_000_000L;
    /** The kinds of link made, by index: inside, leaving, absolute, dangling (see {@link Operations#without}). */
    private static final List<Integer> LINK_KINDS = java.util.stream.IntStream.range(0, 4)
            .filter(i -> !Operations.without(List.of("inside", "leaving", "absolute", "dangling").get(i) + "-links"))
            .boxed().toList();

    /** An entry of a source; immutable, so snapshots share them. */
    sealed interface Item permits File, Link, Dir {
    }

    record File(byte[] content, int mode, long mtimeSeconds) implements Item {
        @Override
        public String toString() {
            return "file " + content.length + " B mode " + Integer.toOctalString(mode);
        }
    }

    /** @param kind how the target relates to the source: inside, leaving, absolute, dangling */
    record Link(String target, String kind) implements Item {
    }

    record Dir(int mode) implements Item {
    }

    private final Path root;
    private final Path outside;
    private final NavigableMap<String, Item> items = new TreeMap<>();
    private long clock = BASE_MTIME;

    /**
     * @param root where the node directories live ({@code root/a}, {@code root/b})
     * @param outside a directory beside every target that nothing may ever write to; absolute
     *     links point into it
     */
    SourceModel(Path root, Path outside) {
        this.root = root;
        this.outside = outside;
        for (String node : NODES) {
            mkdirs(root.resolve(node));
        }
    }

    Path root() {
        return root;
    }

    Path nodeDir(String node) {
        return root.resolve(node);
    }

    /** The sources as they are now, keyed {@code node/path}. */
    Map<String, Item> snapshot() {
        return Collections.unmodifiableMap(new TreeMap<>(items));
    }

    /** The part of a snapshot that belongs to one node. */
    static Map<String, Item> ofNode(Map<String, Item> snapshot, String node) {
        Map<String, Item> part = new TreeMap<>();
        snapshot.forEach((k, v) -> {
            if (k.startsWith(node + "/")) {
                part.put(k, v);
            }
        });
        return part;
    }

    /** Makes {@code count} random changes; returns what each did, for the trace. */
    List<String> change(SplittableRandom random, int count) {
        List<String> done = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            done.add(changeOne(random));
        }
        return done;
    }

    private String changeOne(SplittableRandom r) {
        String node = NODES.get(r.nextInt(NODES.size()));
        List<String> files = keys(node, File.class);
        int kind = r.nextInt(100);
        if (kind < 25 || files.isEmpty()) {
            return newFile(r, node);
        } else if (kind < 37) {
            return remove(pick(r, files));
        } else if (kind < 52) {
            return rewriteSameSize(r, pick(r, files));
        } else if (kind < 58) {
            return resize(r, pick(r, files));
        } else if (kind < 66) {
            return chmod(r, pick(r, files));
        } else if (kind < 80) {
            return link(r, node);
        } else if (kind < 86) {
            return emptyDir(r, node);
        } else if (kind < 91) {
            List<String> dirs = keys(node, Dir.class);
            return dirs.isEmpty() ? emptyDir(r, node) : chmodDir(r, pick(r, dirs));
        } else if (kind < 95) {
            List<String> links = keys(node, Link.class);
            return links.isEmpty() ? link(r, node) : remove(pick(r, links));
        } else {
            List<String> dirs = keys(node, Dir.class);
            return dirs.isEmpty() ? newFile(r, node) : remove(pick(r, dirs));
        }
    }

    private String newFile(SplittableRandom r, String node) {
        String path = freePath(r, node);
        byte[] content = randomBytes(r, size(r));
        int mode = FILE_MODES[r.nextInt(FILE_MODES.length)];
        writeFile(path, content, mode);
        return "new " + path + " (" + items.get(path) + ")";
    }

    private String rewriteSameSize(SplittableRandom r, String path) {
        File old = (File) items.get(path);
        byte[] content = randomBytes(r, old.content().length);
        if (content.length > 0 && java.util.Arrays.equals(content, old.content())) {
            content[0] ^= 1;
        }
        writeFile(path, content, old.mode());
        return "rewrite " + path + " same size " + content.length;
    }

    private String resize(SplittableRandom r, String path) {
        File old = (File) items.get(path);
        writeFile(path, randomBytes(r, size(r)), old.mode());
        return "resize " + path + " " + old.content().length + " -> " + ((File) items.get(path)).content().length;
    }

    private String chmod(SplittableRandom r, String path) {
        File old = (File) items.get(path);
        int mode = FILE_MODES[r.nextInt(FILE_MODES.length)];
        setMode(path, mode);
        items.put(path, new File(old.content(), mode, old.mtimeSeconds()));
        return "chmod " + Integer.toOctalString(mode) + " " + path;
    }

    private String chmodDir(SplittableRandom r, String path) {
        int mode = DIR_MODES[r.nextInt(DIR_MODES.length)];
        setMode(path, mode);
        items.put(path, new Dir(mode));
        return "chmod " + Integer.toOctalString(mode) + " " + path + "/";
    }

    /** One link of each kind in turn: inside, leaving the source, absolute (into the outside directory), dangling. */
    private String link(SplittableRandom r, String node) {
        String path = freePath(r, node);
        String parent = parentOf(path);
        int depth = (int) path.chars().filter(c -> c == '/').count();
        String up = "../".repeat(depth - 1);
        List<String> files = keys(node, File.class);
        int kind = LINK_KINDS.get(r.nextInt(LINK_KINDS.size()));
        Link link = switch (kind) {
            case 0 -> files.isEmpty() ? new Link("missing-" + r.nextInt(100), "dangling")
                    : new Link(up + pick(r, files).substring(node.length() + 1), "inside");
            case 1 -> new Link(up + "../" + (r.nextBoolean() ? "b-peer/etc" : "../outside/secret"), "leaving");
            case 2 -> new Link((r.nextBoolean() ? outside : outside.resolve("secret.txt")).toString(), "absolute");
            default -> new Link("no-such-" + r.nextInt(100), "dangling");
        };
        try {
            Files.createSymbolicLink(root.resolve(path), Path.of(link.target()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        items.put(path, link);
        return "link " + path + " -> " + link.target() + " (" + link.kind() + ", in " + parent + ")";
    }

    private String emptyDir(SplittableRandom r, String node) {
        String path = freeDir(r, node);
        if (path == null) {
            return newFile(r, node);
        }
        mkdirs(root.resolve(path));
        registerDirs(path);
        return "mkdir " + path;
    }

    private String remove(String path) {
        Item item = items.get(path);
        if (item instanceof Dir) {
            // The whole subtree goes; a read-only directory first becomes writable (root would not need it).
            for (String k : List.copyOf(items.subMap(path + "/", path + "/\uffff").keySet())) {
                items.remove(k);
            }
            deleteTree(root.resolve(path));
        } else {
            try {
                Files.delete(root.resolve(path));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        items.remove(path);
        return "remove " + path + " (" + item + ")";
    }

    /** A path in a directory of the pool (created with its parents) whose name is free. */
    private String freePath(SplittableRandom r, String node) {
        for (int tries = 0; ; tries++) {
            String dir = r.nextInt(4) == 0 ? "" : DIRS.get(r.nextInt(DIRS.size()));
            String name = NAMES.get(r.nextInt(NAMES.size())) + (tries > 20 ? "-" + tries : "");
            String path = node + "/" + (dir.isEmpty() ? "" : dir + "/") + name;
            if (!items.containsKey(path) && items.subMap(path + "/", path + "/\uffff").isEmpty()
                    && (dir.isEmpty() || canBeDir(node + "/" + dir))) {
                if (!dir.isEmpty()) {
                    mkdirs(root.resolve(node).resolve(dir));
                    registerDirs(node + "/" + dir);
                }
                return path;
            }
        }
    }

    private String freeDir(SplittableRandom r, String node) {
        for (int tries = 0; tries < 10; tries++) {
            String path = node + "/" + DIRS.get(r.nextInt(DIRS.size()));
            if (!items.containsKey(path) && canBeDir(path)) {
                return path;
            }
        }
        return null;
    }

    /** Whether every ancestor of {@code path} (below the node) is a directory or free. */
    private boolean canBeDir(String path) {
        for (String p = path; p.contains("/"); p = parentOf(p)) {
            Item i = items.get(p);
            if (i != null && !(i instanceof Dir)) {
                return false;
            }
        }
        return true;
    }

    private void registerDirs(String path) {
        for (String p = path; p.contains("/"); p = parentOf(p)) {
            items.putIfAbsent(p, new Dir(modeOf(root.resolve(p))));
        }
    }

    private void writeFile(String path, byte[] content, int mode) {
        Path file = root.resolve(path);
        try {
            // In place: a rewrite keeps the inode, so only size and mtime tell the hash cache.
            Files.write(file, content);
            clock += 1 + content.length % 7;
            Files.setLastModifiedTime(file, FileTime.from(clock, java.util.concurrent.TimeUnit.SECONDS));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        setMode(path, mode);
        items.put(path, new File(content, mode, clock));
    }

    private void setMode(String path, int mode) {
        try {
            Files.setPosixFilePermissions(root.resolve(path), permissions(mode));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sizes around the 64 KiB chunk and the pack threshold, with 0 and tiny files often. */
    private static int size(SplittableRandom r) {
        int k = 64 << 10;
        return switch (r.nextInt(8)) {
            case 0 -> 0;
            case 1 -> 1 + r.nextInt(16);
            case 2, 3 -> r.nextInt(4096);
            case 4 -> k + r.nextInt(3) - 1;
            case 5 -> r.nextInt(3 * k);
            default -> r.nextInt(20_000);
        };
    }

    private static byte[] randomBytes(SplittableRandom r, int n) {
        byte[] b = new byte[n];
        // Runs of one byte now and then, so some chunks of different files are equal (dedup).
        if (r.nextInt(4) == 0) {
            java.util.Arrays.fill(b, (byte) r.nextInt(3));
        } else {
            for (int i = 0; i < n; i++) {
                b[i] = (byte) r.nextInt(256);
            }
        }
        return b;
    }

    private List<String> keys(String node, Class<? extends Item> type) {
        return items.subMap(node + "/", node + "/\uffff").entrySet().stream()
                .filter(e -> type.isInstance(e.getValue())).map(Map.Entry::getKey).toList();
    }

    private static String pick(SplittableRandom r, List<String> from) {
        return from.get(r.nextInt(from.size()));
    }

    static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }

    /**
     * Writes a snapshot as a directory tree, the node directories included (mode 0755, as the
     * source roots, an empty node's too), with modes and mtimes: what a restore of it must equal.
     */
    static void materialize(Map<String, Item> snapshot, Iterable<String> nodes, Path dir) {
        try {
            for (String node : nodes) {
                Files.createDirectories(dir.resolve(node));
            }
            List<Map.Entry<String, Dir>> dirs = new ArrayList<>();
            for (Map.Entry<String, Item> e : snapshot.entrySet()) {
                Path p = dir.resolve(e.getKey());
                if (e.getValue() instanceof Dir d) {
                    Files.createDirectories(p);
                    dirs.add(Map.entry(e.getKey(), d));
                } else if (e.getValue() instanceof File f) {
                    Files.write(p, f.content());
                    Files.setPosixFilePermissions(p, permissions(f.mode()));
                    Files.setLastModifiedTime(p, FileTime.from(f.mtimeSeconds(), java.util.concurrent.TimeUnit.SECONDS));
                } else if (e.getValue() instanceof Link l) {
                    Files.createSymbolicLink(p, Path.of(l.target()));
                }
            }
            // Modes of directories last: a read-only one must first be filled.
            dirs.sort(Map.Entry.comparingByKey(Comparator.reverseOrder()));
            for (Map.Entry<String, Dir> d : dirs) {
                Files.setPosixFilePermissions(dir.resolve(d.getKey()), permissions(d.getValue().mode()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Set<PosixFilePermission> permissions(int mode) {
        StringBuilder sb = new StringBuilder();
        String rwx = "rwx";
        for (int bit = 8; bit >= 0; bit--) {
            sb.append((mode & (1 << bit)) != 0 ? rwx.charAt(2 - bit % 3) : '-');
        }
        return PosixFilePermissions.fromString(sb.toString());
    }

    private static int modeOf(Path p) {
        try {
            int mode = 0;
            for (PosixFilePermission perm : Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)) {
                mode |= 1 << (8 - perm.ordinal());
            }
            return mode;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void mkdirs(Path p) {
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
