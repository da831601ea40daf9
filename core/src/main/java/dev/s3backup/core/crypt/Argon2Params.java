package dev.s3backup.core.crypt;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id's cost, stored in each passphrase slot so that it can be raised for new slots without
 * breaking old ones. The bounds keep a hostile slot from asking for unbounded memory or time.
 */
record Argon2Params(int memoryKib, int passes, int lanes) {

    static final Argon2Params DEFAULT = new Argon2Params(64 * 1024, 3, 1);
    static final int MAX_MEMORY_KIB = 4 * 1024 * 1024;
    static final int MAX_PASSES = 100;
    static final int MAX_LANES = 64;

    Argon2Params {
        if (lanes < 1 || lanes > MAX_LANES) {
            throw new IllegalArgumentException("Argon2 lanes must be 1 to " + MAX_LANES + ": " + lanes);
        }
        if (memoryKib < 8 * lanes || memoryKib > MAX_MEMORY_KIB) {
            throw new IllegalArgumentException("Argon2 memory must be " + 8 * lanes + " to " + MAX_MEMORY_KIB
                    + " KiB: " + memoryKib);
        }
        if (passes < 1 || passes > MAX_PASSES) {
            throw new IllegalArgumentException("Argon2 passes must be 1 to " + MAX_PASSES + ": " + passes);
        }
    }

    /** A 32-byte key from the passphrase and salt. */
    byte[] derive(char[] passphrase, byte[] salt) {
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(memoryKib)
                .withIterations(passes)
                .withParallelism(lanes)
                .withSalt(salt)
                .build());
        byte[] key = new byte[32];
        generator.generateBytes(passphrase, key);
        return key;
    }

    String describe() {
        String memory = memoryKib % 1024 == 0 ? memoryKib / 1024 + " MiB" : memoryKib + " KiB";
        return "argon2id, " + memory + ", " + passes + (passes == 1 ? " pass" : " passes")
                + (lanes == 1 ? "" : ", " + lanes + " lanes");
    }
}
