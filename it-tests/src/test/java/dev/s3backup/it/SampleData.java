package dev.s3backup.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;

/** A small snapshot as a HyperDex backup leaves it: node directories of SST files and a coordinator.bin. */
final class SampleData {
    static final String NODE_A = "13036267341651542609";
    static final String NODE_B = "9912831721286214145";

    private SampleData() {
    }

    static Path create(Path dir, long seed) throws IOException {
        Random random = new Random(seed);
        for (String node : new String[] {NODE_A, NODE_B}) {
            Path n = Files.createDirectories(dir.resolve(node));
            for (int i = 1; i <= 3; i++) {
                write(n.resolve("00000" + i + ".sst"), random, 200_000 + i * 10_007);
            }
            Files.writeString(n.resolve("CURRENT"), "MANIFEST-000004\n");
            write(n.resolve("MANIFEST-000004"), random, 1500);
            Files.createDirectories(n.resolve("lost"));
            Files.createFile(n.resolve("lost/empty.log"));
            Files.setPosixFilePermissions(n.resolve("000001.sst"), PosixFilePermissions.fromString("r--r-----"));
        }
        write(dir.resolve("coordinator.bin"), random, 4096);
        return dir;
    }

    private static void write(Path file, Random random, int size) throws IOException {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        Files.write(file, bytes);
    }

    static String sha256Hex(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
