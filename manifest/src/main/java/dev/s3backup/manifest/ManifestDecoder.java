package dev.s3backup.manifest;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads manifest format version 1 or 2 (docs/FORMAT.md). Every count and length is checked
 * against a limit before anything is allocated by it, and nothing is sized from an untrusted
 * count, so a hostile manifest costs at most a bounded amount of memory per entry.
 */
final class ManifestDecoder implements ManifestReader {
    private final int version;
    private final InputStream raw;
    private final InflatingInput in;
    private final ManifestHeader header;
    private final String[] tokens;
    private final TotalsCounter counter = new TotalsCounter();
    private byte[] prevPath = new byte[0];
    private long prevMtime;
    private long headerBytes;
    private Totals totals;
    private boolean failed;

    /** {@code prefix} is the magic and {@code version} already read from {@code raw}. */
    ManifestDecoder(InputStream raw, byte[] prefix, int version) throws IOException {
        this.version = version;
        this.raw = raw;
        MessageDigest digest = Sha256.newDigest();
        digest.update(prefix);
        this.in = new InflatingInput(raw, digest, prefix.length);
        boolean ok = false;
        try {
            this.header = readHeader();
            ok = true;
        } catch (IllegalArgumentException e) {
            throw new ManifestFormatException("Cannot read manifest: header: "
                    + ManifestPaths.printableText(e.getMessage()), e);
        } finally {
            if (!ok) {
                in.close();
            }
        }
        this.tokens = header.nodes().stream().map(Node::token).toArray(String[]::new);
    }

    @Override
    public int formatVersion() {
        return version;
    }

    @Override
    public ManifestHeader header() {
        return header;
    }

    @Override
    public Entry next() throws IOException {
        if (totals != null) {
            return null;
        }
        if (failed) {
            throw new IllegalStateException("Cannot read manifest: an earlier call failed");
        }
        boolean ok = false;
        try {
            int tag = in.readByte();
            Entry e;
            if (tag == ManifestFormat.TAG_END) {
                readTrailer();
                e = null;
            } else {
                e = readEntry(tag);
            }
            ok = true;
            return e;
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new ManifestFormatException("Cannot read manifest: entry " + (counter.entries() + 1) + ": "
                    + ManifestPaths.printableText(e.getMessage()), e);
        } finally {
            if (!ok) {
                failed = true;
            }
        }
    }

    @Override
    public Totals totals() {
        if (totals == null) {
            throw new IllegalStateException("Cannot get manifest totals: the manifest has not been read to its end");
        }
        return totals;
    }

    /** Releases the decompressor and closes the stream. */
    @Override
    public void close() throws IOException {
        in.close();
        raw.close();
    }

    /** Why {@code target} cannot be a symlink's target, or null: POSIX allows neither. */
    static String linkTargetProblem(String target) {
        if (target.isEmpty()) {
            return "link target is empty";
        }
        if (target.indexOf('\0') >= 0) {
            return "link target contains NUL";
        }
        return null;
    }

    private ManifestHeader readHeader() throws IOException {
        String id = headerString("id", ManifestFormat.MAX_STRING_BYTES);
        if (!BackupId.isValid(id)) {
            throw InflatingInput.format("header: id is not a valid backup id: " + id);
        }
        String name = headerString("name", ManifestFormat.MAX_STRING_BYTES);
        Instant created;
        long seconds = in.readZigZag();
        int nanos = in.readVarInt("nanoseconds of created", 999_999_999);
        try {
            created = Instant.ofEpochSecond(seconds, nanos);
        } catch (DateTimeException e) {
            throw InflatingInput.format("header: created is out of range: " + seconds + "s");
        }
        String toolVersion = headerString("toolVersion", ManifestFormat.MAX_STRING_BYTES);
        String host = headerString("host", ManifestFormat.MAX_STRING_BYTES);
        String parent = switch (in.readByte()) {
            case 0 -> null;
            case 1 -> headerString("parent", ManifestFormat.MAX_STRING_BYTES);
            default -> throw InflatingInput.format("header: bad parent marker");
        };
        if (parent != null && !BackupId.isValid(parent)) {
            throw InflatingInput.format("header: parent is not a valid backup id: " + parent);
        }

        int nodeCount = in.readVarInt("node count", ManifestFormat.MAX_NODES);
        List<Node> nodes = new ArrayList<>(Math.min(nodeCount, 1024));
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < nodeCount; i++) {
            Node node = new Node(headerString("node token", ManifestFormat.MAX_TOKEN_BYTES),
                    headerString("node source", ManifestFormat.MAX_STRING_BYTES));
            if (!seen.add(node.token())) {
                throw InflatingInput.format("header: node '" + node.token() + "' is listed twice");
            }
            nodes.add(node);
        }

        int propertyCount = in.readVarInt("property count", ManifestFormat.MAX_PROPERTIES);
        Map<String, String> properties = new LinkedHashMap<>();
        String prevKey = null;
        for (int i = 0; i < propertyCount; i++) {
            String key = headerString("property name", ManifestFormat.MAX_STRING_BYTES);
            if (prevKey != null && prevKey.compareTo(key) >= 0) {
                throw InflatingInput.format("header: properties are not in strictly ascending order at '" + key + "'");
            }
            properties.put(key, headerString("property " + key, ManifestFormat.MAX_PROPERTY_VALUE_BYTES));
            prevKey = key;
        }
        return new ManifestHeader(id, name, created, toolVersion, host, parent, nodes, properties);
    }

    private String headerString(String what, int maxBytes) throws IOException {
        int len = in.readVarInt("length of " + what, maxBytes);
        headerBytes += len;
        if (headerBytes > ManifestFormat.MAX_HEADER_BYTES) {
            throw InflatingInput.format("header: strings take more than " + ManifestFormat.MAX_HEADER_BYTES + " bytes");
        }
        return in.decode(in.readBytes(len), what);
    }

    private Entry readEntry(int tag) throws IOException {
        if (tag < ManifestFormat.TAG_FILE || tag > ManifestFormat.MAX_TAG) {
            throw InflatingInput.format("entry " + (counter.entries() + 1) + ": unknown tag 0x" + Integer.toHexString(tag));
        }
        int nodeIndex = in.readVarInt("node index", tokens.length);
        String node = nodeIndex == ManifestFormat.NODE_INDEX_LOOSE ? "" : tokens[nodeIndex - 1];

        int shared = in.readVarInt("shared path prefix", prevPath.length);
        int suffix = in.readVarInt("path length", ManifestPaths.MAX_PATH_BYTES - shared);
        byte[] pathBytes = Arrays.copyOf(prevPath, shared + suffix);
        in.readFully(pathBytes, shared, suffix);
        String path = ManifestPaths.requireSafeRelative(in.decode(pathBytes, "path"));

        int mode = in.readVarInt("mode", 07777);
        long mtime = prevMtime + in.readZigZag();

        Entry entry = switch (tag) {
            case ManifestFormat.TAG_FILE -> readFile(node, path, mode, mtime);
            case ManifestFormat.TAG_FILE_ONE_CHUNK -> {
                long size = in.readVarLong("size of a one-chunk file", Integer.MAX_VALUE);
                Sha256 hash = readSha256();
                yield Entry.file(node, path, mode, mtime, size, hash, List.of(new ChunkRef(hash, (int) size)));
            }
            case ManifestFormat.TAG_DIRECTORY -> Entry.directory(node, path, mode, mtime);
            case ManifestFormat.TAG_FILE_PACKED -> {
                long size = in.readVarLong("size of a packed file", Integer.MAX_VALUE);
                Sha256 hash = readSha256();
                int packLength = in.readVarInt("pack length", Integer.MAX_VALUE);
                Sha256 pack = readSha256();
                long offset = in.readVarLong("offset in pack", packLength);
                yield Entry.packed(node, path, mode, mtime, size, hash, new ChunkRef(pack, packLength), offset);
            }
            default -> {
                String target = in.readString("link target", ManifestFormat.MAX_STRING_BYTES);
                String problem = linkTargetProblem(target);
                if (problem != null) {
                    throw new IllegalArgumentException(problem);
                }
                yield new Entry(node, path, EntryType.SYMLINK, mode, mtime, 0, null, List.of(), target, -1);
            }
        };
        counter.add(entry);
        prevPath = pathBytes;
        prevMtime = mtime;
        return entry;
    }

    private Entry readFile(String node, String path, int mode, long mtime) throws IOException {
        long size = in.readVarLong("size", Long.MAX_VALUE);
        Sha256 hash = version == ManifestFormat.VERSION_1 ? readSha256() : null;
        // Every chunk holds at least one byte, so a file cannot have more chunks than bytes.
        int count = in.readVarInt("chunk count", (int) Math.min(ManifestFormat.MAX_CHUNKS_PER_FILE, size));
        List<ChunkRef> chunks = new ArrayList<>(Math.min(count, 1024));
        long sum = 0;
        for (int i = 0; i < count; i++) {
            int length = in.readVarInt("chunk length", Integer.MAX_VALUE);
            sum += length;
            if (sum > size) {
                throw new IllegalArgumentException("chunks add up to more than the size " + size);
            }
            chunks.add(new ChunkRef(readSha256(), length));
        }
        return Entry.file(node, path, mode, mtime, size, hash != null ? hash : Entry.derivedIdentity(chunks), chunks);
    }

    private Sha256 readSha256() throws IOException {
        byte[] b = new byte[Sha256.BYTES];
        in.readFully(b, 0, b.length);
        return Sha256.of(b);
    }

    private void readTrailer() throws IOException {
        Totals stored = new Totals(
                in.readVarLong("files in trailer", Long.MAX_VALUE),
                in.readVarLong("directories in trailer", Long.MAX_VALUE),
                in.readVarLong("symlinks in trailer", Long.MAX_VALUE),
                in.readVarLong("bytes in trailer", Long.MAX_VALUE),
                in.readVarLong("chunk references in trailer", Long.MAX_VALUE));
        // Checksum first: corruption should be reported as such, not as a totals mismatch.
        in.verifyEnd();
        Totals actual = counter.toTotals();
        if (!stored.equals(actual)) {
            throw InflatingInput.format("the trailer's totals " + stored + " differ from the entries read " + actual);
        }
        in.close();
        totals = stored;
    }
}
