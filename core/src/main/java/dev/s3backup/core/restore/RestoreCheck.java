package dev.s3backup.core.restore;

import dev.s3backup.manifest.ChunkRef;
import dev.s3backup.manifest.Entry;
import dev.s3backup.manifest.EntryType;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Whether restore accepts a manifest: the one judgement restore, verify and drill share, so that
 * a backup verify calls restorable is one restore restores. Fed every entry to restore, once, in
 * manifest order; an entry may be refused at once (its own path), the backup only at the end
 * (an entry can come before the link or file above it). Refused: a path that is absolute, has
 * '.', '..' or empty segments, or names an invalid node; an entry twice; an entry below a
 * symbolic link or a file; a loose file named like a node directory; a chunk larger than the
 * repository's chunk size; a link whose target no link can hold (empty, NUL). A link's target
 * itself is never refused: it is restored as it was, and never followed.
 */
public final class RestoreCheck {
    private static final String PARTIAL_SUFFIX = ".s3backup-partial";

    private final int maxChunk;
    /** Compact: a backup of millions of files holds every destination here (docs/DECISIONS.md §1). */
    private final Map<String, EntryType> destinations = new PathTable();
    private final Set<String> looseNames = new HashSet<>();
    private final Set<String> nodeTokens = new HashSet<>();
    private long files;
    private long bytes;

    /** @param nodes the tokens of the nodes the manifest's header names */
    public RestoreCheck(int maxChunk, Collection<String> nodes) {
        this.maxChunk = maxChunk;
        this.nodeTokens.addAll(nodes);
    }

    /** Records the next entry; returns why restore refuses it ("entry 'n/x' is unsafe: ..."), or null. */
    public String add(Entry e) {
        String dest = destination(e);
        String problem = SafePaths.problem(e.node(), e.path());
        if (problem == null && destinations.putIfAbsent(dest, e.type()) != null) {
            problem = "it appears twice in the backup";
        }
        if (problem == null && e.type() == EntryType.SYMLINK) {
            problem = SafePaths.linkProblem(e.linkTarget());
        }
        if (problem == null) {
            for (ChunkRef c : e.chunks()) {
                if (c.length() > maxChunk) {
                    problem = "it names a chunk of " + c.length() + " bytes, more than the repository's chunk size ("
                            + maxChunk + ")";
                    break;
                }
            }
        }
        if (problem != null) {
            return "entry '" + printable(dest) + "' is unsafe: " + problem;
        }
        (e.node().isEmpty() ? looseNames : nodeTokens).add(e.node().isEmpty() ? e.path() : e.node());
        if (e.type() == EntryType.FILE) {
            files++;
            bytes += e.size();
        }
        return null;
    }

    /** After the last entry: why restore refuses the backup, or null. */
    public String finish() {
        // A node directory and a loose file of the same name cannot both exist.
        for (String loose : looseNames) {
            if (nodeTokens.contains(loose)) {
                return "loose file '" + printable(loose) + "' collides with the node directory of the same name";
            }
        }
        for (String dest : destinations.keySet()) {
            String problem = SafePaths.ancestorProblem(dest, destinations);
            if (problem != null) {
                return "entry '" + printable(dest) + "' is unsafe: " + problem;
            }
        }
        return null;
    }

    long files() {
        return files;
    }

    long bytes() {
        return bytes;
    }

    /**
     * The temporary names of files whose usual one ({@code .NAME.s3backup-partial}) is itself an
     * entry of the backup (say, a backed-up leftover of an interrupted restore): restoring one
     * would otherwise truncate, or rename over, the other, leaving a file under a wrong name or
     * none. Such a file gets {@code .NAME.s3backup-partial~K} instead, which no usual temporary
     * name can equal (those end in the suffix) and the first K for which no entry exists.
     */
    Map<String, String> partialNames() {
        Map<String, String> names = new HashMap<>();
        for (Map.Entry<String, EntryType> d : destinations.entrySet()) {
            String usual = partialName(d.getKey());
            if (d.getValue() != EntryType.FILE || !destinations.containsKey(usual)) {
                continue;
            }
            int k = 1;
            while (destinations.containsKey(usual + "~" + k)) {
                k++;
            }
            names.put(d.getKey(), usual + "~" + k);
        }
        return names;
    }

    /** The usual temporary name of a file being restored: hidden, beside it, never a final name. */
    static String partialName(String destination) {
        int slash = destination.lastIndexOf('/');
        return destination.substring(0, slash + 1) + "." + destination.substring(slash + 1) + PARTIAL_SUFFIX;
    }

    /** Where restore puts the entry, relative to its target. */
    static String destination(Entry e) {
        return e.node().isEmpty() ? e.path() : e.node() + "/" + e.path();
    }

    static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(c -> sb.append(Character.isISOControl(c) ? "?" : Character.toString(c)));
        return sb.toString();
    }
}
