package dev.s3backup.core.repo;

import dev.s3backup.manifest.Sha256;

/**
 * Where each kind of object lives in a repository (format v1). Chunks fan out under the first
 * two hex digits of their hash so S3 can spread request load over 256 prefixes.
 */
public final class RepositoryLayout {
    public static final String CONFIG = "config";
    public static final String CHUNKS = "chunks/";
    public static final String MANIFESTS = "manifests/";
    /** Key slots of an encrypted repository: each wraps the master key (docs/SECURITY.md). */
    public static final String KEYS = "keys/";

    private RepositoryLayout() {
    }

    public static String chunkKey(Sha256 hash) {
        String hex = hash.hex();
        return CHUNKS + hex.substring(0, 2) + "/" + hex;
    }

    public static String keySlotKey(String slotId) {
        return KEYS + slotId;
    }

    public static String manifestKey(String backupId) {
        return MANIFESTS + backupId;
    }
}
