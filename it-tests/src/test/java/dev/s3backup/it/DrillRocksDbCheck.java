package dev.s3backup.it;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksIterator;

/**
 * A drill's check command: opens a restored RocksDB read-only and checks that it holds exactly
 * keys 0..COUNT-1 with the values {@link RocksDbWriterMain#value} gives them. Exits 0 when it
 * does, 1 (with the first difference on stderr) when it does not, 2 when the database does not
 * open at all: what an operator's "open the database and read it" check does.
 *
 * <p>Usage: {@code DrillRocksDbCheck DB_DIR TOKEN COUNT}
 */
public final class DrillRocksDbCheck {
    private DrillRocksDbCheck() {
    }

    public static void main(String[] args) {
        String db = args[0];
        String token = args[1];
        long count = Long.parseLong(args[2]);
        RocksDB.loadLibrary();
        try (Options options = new Options(); RocksDB rocks = RocksDB.openReadOnly(options, db);
             RocksIterator it = rocks.newIterator()) {
            long i = 0;
            for (it.seekToFirst(); it.isValid(); it.next(), i++) {
                String key = new String(it.key(), StandardCharsets.UTF_8);
                if (i >= count || !key.equals(RocksDbWriterMain.key(i))) {
                    System.err.println("unexpected key " + key + " at position " + i + " (want " + count + " keys)");
                    System.exit(1);
                }
                if (!Arrays.equals(it.value(), RocksDbWriterMain.value(token, i))) {
                    System.err.println("wrong value for key " + key);
                    System.exit(1);
                }
            }
            it.status();
            if (i != count) {
                System.err.println("found " + i + " keys, want " + count);
                System.exit(1);
            }
            System.out.println("opened " + db + " read-only: " + i + " keys, all values correct");
        } catch (Exception e) {
            System.err.println("cannot open or read " + db + ": " + e);
            System.exit(2);
        }
    }
}
