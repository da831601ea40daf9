package dev.s3backup.core.crypt;

import com.github.luben.zstd.Zstd;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;

/**
 * Prints seal+open throughput for 8 MiB chunks beside plain SHA-256 (docs/FORMAT.md "Sealed
 * objects" quotes it). Not a test: run it alone, on a quiet machine,
 * {@code java -cp core/target/classes:core/target/test-classes:DEPS dev.s3backup.core.crypt.SealThroughput}.
 */
public final class SealThroughput {

    private static final int CHUNK = 8 << 20;
    private static final int ROUNDS = 12;

    private SealThroughput() {
    }

    public static void main(String[] args) {
        byte[] random = ObjectSealerTest.random(CHUNK, 1);
        byte[] text = ObjectSealerTest.text(CHUNK);
        RepositoryKeys keys = RepositoryKeys.generate();
        // The first pass only warms the JIT (AES-GCM and SHA intrinsics compile late); the second prints.
        for (int pass = 0; pass < 2; pass++) {
            quiet = pass == 0;
            measure(keys, random, text);
        }
    }

    private static boolean quiet;

    private static void measure(RepositoryKeys keys, byte[] random, byte[] text) {
        for (String kind : new String[] {"random", "text"}) {
            byte[] data = kind.equals("random") ? random : text;
            report(kind, "sha256 (plain repository's address)", () -> sha256(data));
            report(kind, "hmac-sha256 (encrypted address)", () -> keys.newAddressDigest().digest(data));
            ObjectSealer off = keys.sealer(Compression.OFF);
            byte[] sealed = off.seal("chunks/ab/abcdef", data, 0, data.length, true);
            report(kind, "seal only, encrypted, off", () -> off.seal("chunks/ab/abcdef", data, 0, data.length, true));
            report(kind, "open only, encrypted", () -> drain(off, sealed));
            for (Compression c : Compression.values()) {
                report(kind, "hmac + seal + open, encrypted, " + c, () -> {
                    keys.newAddressDigest().digest(data);
                    roundTrip(keys.sealer(c), data);
                });
            }
            report(kind, "sha256 + seal + open, plain, auto", () -> {
                sha256(data);
                roundTrip(ObjectSealer.compressingOnly(Compression.AUTO), data);
            });
        }
        for (int level : new int[] {3, 6, 9, 12}) {
            byte[] out = new byte[(int) Zstd.compressBound(CHUNK)];
            long[] size = new long[1];
            report("text", "zstd level " + level + " compress only", () -> size[0] = Zstd.compressByteArray(out, 0,
                    out.length, text, 0, text.length, level));
            if (!quiet) {
                System.out.printf(Locale.ROOT, "    ratio %.3f%n", size[0] / (double) CHUNK);
            }
        }
    }

    private static void roundTrip(ObjectSealer sealer, byte[] data) {
        drain(sealer, sealer.seal("chunks/ab/abcdef", data, 0, data.length, true));
    }

    private static void drain(ObjectSealer sealer, byte[] sealed) {
        try (InputStream in = sealer.open("chunks/ab/abcdef", new ByteArrayInputStream(sealed))) {
            byte[] buffer = new byte[1 << 16];
            while (in.read(buffer) >= 0) {
                // drained
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void report(String kind, String what, Runnable step) {
        for (int i = 0; i < 3; i++) {
            step.run();
        }
        long start = System.nanoTime();
        for (int i = 0; i < ROUNDS; i++) {
            step.run();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (quiet) {
            return;
        }
        System.out.printf(Locale.ROOT, "%-7s %-42s %8.1f MB/s%n", kind, what, ROUNDS * (double) CHUNK / 1e6 / seconds);
    }
}
