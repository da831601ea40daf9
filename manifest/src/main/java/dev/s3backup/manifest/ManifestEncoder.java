package dev.s3backup.manifest;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * Writes manifest format version 1 or 2 (docs/FORMAT.md). Every rule the reader enforces is
 * checked here first, so this writer never produces a manifest that a reader would reject, and
 * never takes an entry that would read back different.
 */
final class ManifestEncoder implements ManifestWriter {
    private static final int BUFFER = 64 * 1024;

    private enum State { OPEN, FINISHED, FAILED, CLOSED }

    private final int version;
    private final OutputStream raw;
    private final MessageDigest digest = Sha256.newDigest();
    private final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION);
    private final DeflaterOutputStream deflated;
    private final VarOutput body;
    private final Map<String, Integer> nodeIndex;
    private final TotalsCounter totals = new TotalsCounter();
    private byte[] prevPath = new byte[0];
    private long prevMtime;
    private State state = State.OPEN;

    ManifestEncoder(OutputStream out, ManifestHeader header, int version) throws IOException {
        this.version = version;
        this.raw = Objects.requireNonNull(out, "out");
        Objects.requireNonNull(header, "header");
        this.nodeIndex = checkHeader(header);
        OutputStream hashed = new HashingOutputStream(out, digest);
        boolean ok = false;
        try {
            hashed.write(ManifestCodec.prefix(version));
            this.deflated = new DeflaterOutputStream(hashed, deflater, BUFFER);
            this.body = new VarOutput(deflated, BUFFER);
            writeHeader(header);
            ok = true;
        } finally {
            if (!ok) {
                deflater.end();
            }
        }
    }

    @Override
    public void write(Entry entry) throws IOException {
        requireOpen();
        Objects.requireNonNull(entry, "entry");
        int node = nodeIndexOf(entry);
        ManifestPaths.requireSafeRelative(entry.path());
        byte[] path = entry.path().getBytes(StandardCharsets.UTF_8);
        byte[] target = checkTypeFields(entry);
        int tag = switch (entry.type()) {
            case FILE -> entry.packed() ? ManifestFormat.TAG_FILE_PACKED
                    : entry.chunks().size() == 1 && entry.chunks().get(0).hash().equals(entry.sha256())
                    ? ManifestFormat.TAG_FILE_ONE_CHUNK : ManifestFormat.TAG_FILE;
            case DIRECTORY -> ManifestFormat.TAG_DIRECTORY;
            case SYMLINK -> ManifestFormat.TAG_SYMLINK;
        };
        if (tag == ManifestFormat.TAG_FILE && version >= ManifestFormat.VERSION_2 && !entry.identityDerived()) {
            throw new IllegalArgumentException("Cannot write entry '" + entry.path() + "': its hash is not the identity "
                    + "derived from its chunks, and manifest version " + version + " stores no other");
        }
        totals.add(entry);

        try {
            body.writeByte(tag);
            body.writeVarLong(node);
            int shared = Arrays.mismatch(prevPath, path);
            if (shared < 0) {
                shared = path.length;
            }
            body.writeVarLong(shared);
            body.writeVarLong(path.length - shared);
            body.writeBytes(path, shared, path.length - shared);
            body.writeVarLong(entry.mode());
            // Wrapping subtraction is fine: the reader's wrapping addition undoes it exactly.
            body.writeZigZag(entry.mtimeNanos() - prevMtime);
            switch (tag) {
                case ManifestFormat.TAG_FILE -> {
                    body.writeVarLong(entry.size());
                    if (version == ManifestFormat.VERSION_1) {
                        body.writeBytes(entry.sha256().bytes());
                    }
                    body.writeVarLong(entry.chunks().size());
                    for (ChunkRef c : entry.chunks()) {
                        body.writeVarLong(c.length());
                        body.writeBytes(c.hash().bytes());
                    }
                }
                case ManifestFormat.TAG_FILE_ONE_CHUNK -> {
                    body.writeVarLong(entry.size());
                    body.writeBytes(entry.sha256().bytes());
                }
                case ManifestFormat.TAG_FILE_PACKED -> {
                    body.writeVarLong(entry.size());
                    body.writeBytes(entry.sha256().bytes());
                    body.writeVarLong(entry.chunks().get(0).length());
                    body.writeBytes(entry.chunks().get(0).hash().bytes());
                    body.writeVarLong(entry.packOffset());
                }
                case ManifestFormat.TAG_SYMLINK -> body.writeLengthPrefixed(target);
                default -> { }
            }
        } catch (IOException | RuntimeException e) {
            state = State.FAILED;
            throw e;
        }
        prevPath = path;
        prevMtime = entry.mtimeNanos();
    }

    @Override
    public Totals finish() throws IOException {
        requireOpen();
        Totals result = totals.toTotals();
        try {
            body.writeByte(ManifestFormat.TAG_END);
            body.writeVarLong(result.files());
            body.writeVarLong(result.directories());
            body.writeVarLong(result.symlinks());
            body.writeVarLong(result.bytes());
            body.writeVarLong(result.chunkRefs());
            body.flushBuffer();
            deflated.finish();
            raw.write(digest.digest());
            raw.flush();
        } catch (IOException | RuntimeException e) {
            state = State.FAILED;
            throw e;
        } finally {
            deflater.end();
        }
        state = State.FINISHED;
        return result;
    }

    /**
     * Releases the compressor and closes the stream. Without {@link #finish()} first, what was
     * written lacks its trailer and every reader rejects it.
     */
    @Override
    public void close() throws IOException {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        // Not deflated.close(): that would finish the compressed stream of an unfinished manifest.
        deflater.end();
        raw.close();
    }

    private void requireOpen() {
        if (state != State.OPEN) {
            throw new IllegalStateException("Cannot write manifest: the writer is " + state.name().toLowerCase());
        }
    }

    private int nodeIndexOf(Entry entry) {
        if (entry.node().isEmpty()) {
            return ManifestFormat.NODE_INDEX_LOOSE;
        }
        Integer index = nodeIndex.get(entry.node());
        if (index == null) {
            throw new IllegalArgumentException("Cannot write entry '" + entry.path() + "': node '" + entry.node()
                    + "' is not one of the header's nodes");
        }
        return index;
    }

    /** Fields that only some types have must be absent on the others, or they would be lost. */
    private static byte[] checkTypeFields(Entry e) {
        String what = "Cannot write entry '" + e.path() + "': ";
        if (e.type() != EntryType.FILE && (e.size() != 0 || e.sha256() != null || !e.chunks().isEmpty())) {
            throw new IllegalArgumentException(what + "only a file has a size, hash or chunks");
        }
        if (e.type() == EntryType.FILE && e.chunks().size() > ManifestFormat.MAX_CHUNKS_PER_FILE) {
            throw new IllegalArgumentException(what + e.chunks().size() + " chunks is more than the "
                    + ManifestFormat.MAX_CHUNKS_PER_FILE + " a file may have");
        }
        if (e.type() != EntryType.SYMLINK) {
            if (e.linkTarget() != null) {
                throw new IllegalArgumentException(what + "only a symlink has a target");
            }
            return null;
        }
        String problem = ManifestDecoder.linkTargetProblem(e.linkTarget());
        if (problem != null) {
            throw new IllegalArgumentException(what + problem);
        }
        byte[] target = VarOutput.strictUtf8(e.linkTarget(), "link target");
        requireAtMost(target, ManifestFormat.MAX_STRING_BYTES, what + "link target");
        return target;
    }

    private static Map<String, Integer> checkHeader(ManifestHeader h) {
        if (!BackupId.isValid(h.id())) {
            throw new IllegalArgumentException("Cannot write manifest: id is not a valid backup id: " + h.id());
        }
        if (h.parent() != null && !BackupId.isValid(h.parent())) {
            throw new IllegalArgumentException("Cannot write manifest: parent is not a valid backup id: " + h.parent());
        }
        if (h.nodes().size() > ManifestFormat.MAX_NODES) {
            throw new IllegalArgumentException("Cannot write manifest: " + h.nodes().size() + " nodes is more than "
                    + ManifestFormat.MAX_NODES);
        }
        if (h.properties().size() > ManifestFormat.MAX_PROPERTIES) {
            throw new IllegalArgumentException("Cannot write manifest: " + h.properties().size()
                    + " properties is more than " + ManifestFormat.MAX_PROPERTIES);
        }
        long bytes = h.id().length() + (h.parent() == null ? 0 : h.parent().length())
                + headerString(h.name(), "name", ManifestFormat.MAX_STRING_BYTES)
                + headerString(h.toolVersion(), "toolVersion", ManifestFormat.MAX_STRING_BYTES)
                + headerString(h.host(), "host", ManifestFormat.MAX_STRING_BYTES);
        Map<String, Integer> index = new HashMap<>();
        for (Node n : h.nodes()) {
            if (index.putIfAbsent(n.token(), index.size() + 1) != null) {
                throw new IllegalArgumentException("Cannot write manifest: node '" + n.token() + "' is listed twice");
            }
            bytes += n.token().length() + headerString(n.source(), "source of node " + n.token(), ManifestFormat.MAX_STRING_BYTES);
        }
        for (Map.Entry<String, String> p : h.properties().entrySet()) {
            bytes += headerString(p.getKey(), "property name", ManifestFormat.MAX_STRING_BYTES)
                    + headerString(p.getValue(), "property " + p.getKey(), ManifestFormat.MAX_PROPERTY_VALUE_BYTES);
        }
        if (bytes > ManifestFormat.MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("Cannot write manifest: header strings take " + bytes
                    + " bytes, more than " + ManifestFormat.MAX_HEADER_BYTES);
        }
        return index;
    }

    private static int headerString(String s, String what, int max) {
        byte[] b = VarOutput.strictUtf8(s, "Cannot write manifest: " + what);
        requireAtMost(b, max, "Cannot write manifest: " + what);
        return b.length;
    }

    private static void requireAtMost(byte[] b, int max, String what) {
        if (b.length > max) {
            throw new IllegalArgumentException(what + " is " + b.length + " bytes, more than " + max);
        }
    }

    private void writeHeader(ManifestHeader h) throws IOException {
        writeString(h.id());
        writeString(h.name());
        body.writeZigZag(h.created().getEpochSecond());
        body.writeVarLong(h.created().getNano());
        writeString(h.toolVersion());
        writeString(h.host());
        if (h.parent() == null) {
            body.writeByte(0);
        } else {
            body.writeByte(1);
            writeString(h.parent());
        }
        List<Node> nodes = h.nodes();
        body.writeVarLong(nodes.size());
        for (Node n : nodes) {
            writeString(n.token());
            writeString(n.source());
        }
        // Sorted, so that equal headers encode to equal bytes and the reader can reject duplicates.
        Map<String, String> props = new TreeMap<>(h.properties());
        body.writeVarLong(props.size());
        for (Map.Entry<String, String> p : props.entrySet()) {
            writeString(p.getKey());
            writeString(p.getValue());
        }
    }

    private void writeString(String s) throws IOException {
        body.writeLengthPrefixed(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Hashes every byte on its way out: the trailer's SHA-256 covers the stream as stored. */
    private static final class HashingOutputStream extends FilterOutputStream {
        private final MessageDigest digest;

        HashingOutputStream(OutputStream out, MessageDigest digest) {
            super(out);
            this.digest = digest;
        }

        @Override
        public void write(int b) throws IOException {
            digest.update((byte) b);
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            digest.update(b, off, len);
            out.write(b, off, len);
        }

        @Override
        public void close() {
            // The writer decides when the underlying stream closes.
        }
    }
}
