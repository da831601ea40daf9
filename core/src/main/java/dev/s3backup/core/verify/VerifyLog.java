package dev.s3backup.core.verify;

import dev.s3backup.core.store.ObjectInfo;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.manifest.BackupId;
import dev.s3backup.manifest.Sha256;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The verification log: one create-only object per verify run, {@code verify/<run id>}, where the
 * run id has the shape of a backup id (UTC time of the run, then 8 random hex digits), so keys
 * sort by time and a reader can skip runs older than --max-age without reading them.
 *
 * <p>An object is gzip-compressed UTF-8 text, auditable with {@code zcat}:
 * <pre>
 * s3backup-verify-log 1
 * run=20261125T081309.123Z-1f2e3d4c
 * level=read-subset                  existence | read-all | read-subset
 * ...more key=value lines...
 * subset-end=5c1e000000000000         where the next subset run starts (subset runs only)
 *                                    (an empty line ends the header)
 * backup 20261124T020000.000Z-0a1b2c3d ok           one line per verified backup: ok | damaged | unverified
 * verified 3fa0...(64 hex)           one line per chunk downloaded and re-hashed successfully
 * bad 77c2...(64 hex) missing        one line per failed chunk, with its kind
 * end 1234 1                         verified and bad line counts: a log without it is incomplete
 * </pre>
 * gzip's CRC and the end line make a damaged log detectable; a damaged log is ignored with a
 * warning, which only makes its chunks due again. Unknown header keys and body lines are skipped,
 * so later versions can add to the format.
 */
final class VerifyLog {
    static final String PREFIX = "verify/";
    static final String FIRST_LINE = "s3backup-verify-log 1";

    private VerifyLog() {
    }

    static String key(String runId) {
        return PREFIX + runId;
    }

    /** Ids of every logged run, oldest first; objects that are not run logs are ignored. */
    static List<String> runIds(ObjectStore store) {
        List<String> ids = new ArrayList<>();
        for (Iterator<ObjectInfo> it = store.listAll(PREFIX); it.hasNext(); ) {
            String id = it.next().key().substring(PREFIX.length());
            if (BackupId.isValid(id)) {
                ids.add(id);
            }
        }
        ids.sort(null);
        return ids;
    }

    /** The header fields of a log that has been read through completely. */
    record Header(Map<String, String> fields) {
        Header {
            fields = Map.copyOf(fields);
        }

        String get(String key) {
            return fields.get(key);
        }

        /** Where the next subset run starts, or null when this run read no subset. */
        Long subsetEnd() {
            String v = fields.get("subset-end");
            return v == null ? null : Long.parseUnsignedLong(v, 16);
        }
    }

    /** A log object that cannot be trusted; its run counts as not having verified anything. */
    static final class DamagedLogException extends Exception {
        DamagedLogException(String message) {
            super(message);
        }
    }

    /**
     * Reads a whole log, passing every verified chunk to {@code verified}. The callback sees the
     * chunks before the end of the log is reached, so it may see chunks of a log that then turns
     * out damaged: callers buffer them and use them only when this method returns.
     */
    static Header read(InputStream raw, Consumer<Sha256> verified) throws IOException, DamagedLogException {
        BufferedReader in;
        try {
            in = new BufferedReader(new InputStreamReader(new GZIPInputStream(raw, 1 << 16), StandardCharsets.UTF_8));
        } catch (java.util.zip.ZipException | java.io.EOFException e) {
            throw new DamagedLogException("not gzip data: " + e.getMessage());
        }
        try (in) {
            String first = in.readLine();
            if (!FIRST_LINE.equals(first)) {
                throw new DamagedLogException("it does not start with '" + FIRST_LINE + "'");
            }
            Map<String, String> fields = new LinkedHashMap<>();
            for (String line = in.readLine(); ; line = in.readLine()) {
                if (line == null) {
                    throw new DamagedLogException("it ends inside the header");
                }
                if (line.isEmpty()) {
                    break;
                }
                int eq = line.indexOf('=');
                if (eq > 0) {
                    fields.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            long verifiedLines = 0;
            long badLines = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.startsWith("verified ")) {
                    verified.accept(parseHash(line.substring(9)));
                    verifiedLines++;
                } else if (line.startsWith("bad ")) {
                    badLines++;
                } else if (line.startsWith("end ")) {
                    String expected = verifiedLines + " " + badLines;
                    if (!line.substring(4).equals(expected)) {
                        throw new DamagedLogException("its end line says '" + line.substring(4) + "', the body holds "
                                + expected);
                    }
                    if (in.readLine() != null) {
                        throw new DamagedLogException("lines follow its end line");
                    }
                    return new Header(fields);
                }
            }
            throw new DamagedLogException("it has no end line (truncated)");
        } catch (java.util.zip.ZipException | java.io.EOFException e) {
            throw new DamagedLogException("its compressed data is damaged or truncated: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new DamagedLogException(e.getMessage());
        }
    }

    private static Sha256 parseHash(String hex) throws DamagedLogException {
        if (hex.length() != 64 || !hex.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            throw new DamagedLogException("not a chunk hash: '" + (hex.length() > 80 ? hex.substring(0, 80) : hex) + "'");
        }
        return Sha256.fromHex(hex);
    }

    /**
     * Writes one log.
     *
     * @param backupLines "ID ok|damaged|unverified", one per backup
     * @param verified called once; it passes every chunk verified in this run to the consumer it is given
     * @param bad "HASH KIND", one per failed chunk
     */
    static void write(OutputStream out, Map<String, String> header, List<String> backupLines,
                      Consumer<Consumer<Sha256>> verified, List<String> bad) throws IOException {
        try (Writer w = new BufferedWriter(new OutputStreamWriter(new GZIPOutputStream(out, 1 << 16),
                StandardCharsets.UTF_8), 1 << 16)) {
            w.write(FIRST_LINE);
            w.write('\n');
            for (Map.Entry<String, String> e : header.entrySet()) {
                String value = e.getValue();
                if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
                    throw new IllegalArgumentException("log header value with a line break: " + e.getKey());
                }
                w.write(e.getKey() + "=" + value + "\n");
            }
            w.write('\n');
            for (String b : backupLines) {
                w.write("backup " + b + "\n");
            }
            long[] count = new long[1];
            IOException[] failure = new IOException[1];
            verified.accept(hash -> {
                if (failure[0] == null) {
                    try {
                        w.write("verified ");
                        w.write(hash.hex());
                        w.write('\n');
                        count[0]++;
                    } catch (IOException e) {
                        failure[0] = e;
                    }
                }
            });
            if (failure[0] != null) {
                throw failure[0];
            }
            for (String b : bad) {
                w.write("bad " + b + "\n");
            }
            w.write("end " + count[0] + " " + bad.size() + "\n");
        }
    }
}
