package dev.s3backup.manifest;

/**
 * Constants of the manifest formats (see docs/FORMAT.md), shared by the encoder and the decoder
 * so both enforce the same limits: a manifest the writer accepts is one the reader accepts.
 * Version 2 differs from version 1 in one field only (a multi-chunk file stores no whole-file
 * hash), so one encoder and one decoder serve both.
 */
final class ManifestFormat {
    static final int VERSION_1 = 1;
    /** Like version 1, but a file's identity is derived from its chunk list: see {@link Entry#derivedIdentity}. */
    static final int VERSION_2 = 2;

    static final int TAG_END = 0x00;
    static final int TAG_FILE = 0x01;
    /** A file of exactly one chunk whose hash and length are the file's: stored once. */
    static final int TAG_FILE_ONE_CHUNK = 0x02;
    static final int TAG_DIRECTORY = 0x03;
    static final int TAG_SYMLINK = 0x04;
    /** A small file stored as a slice of a pack (a chunk shared by several small files). */
    static final int TAG_FILE_PACKED = 0x05;
    static final int MAX_TAG = TAG_FILE_PACKED;

    static final int NODE_INDEX_LOOSE = 0;

    // Limits bound what a hostile or garbled manifest can make a reader allocate.
    static final int MAX_STRING_BYTES = 64 * 1024;
    static final int MAX_TOKEN_BYTES = 255;
    static final int MAX_PROPERTY_VALUE_BYTES = 1024 * 1024;
    /**
     * Each node costs ~200 bytes of heap for the whole read, whatever its strings: a million
     * (the old limit) let a 2 MB manifest fill a 160 MiB heap. No cluster has 65,536 nodes.
     */
    static final int MAX_NODES = 65_536;
    static final int MAX_PROPERTIES = 65_536;
    /** Sum of the string bytes in the header, as nodes and properties are held in memory. */
    static final long MAX_HEADER_BYTES = 16L * 1024 * 1024;
    /** 16 Mi chunk references: a 16 TiB file at 1 MiB chunks; about 1.5 GiB of heap when read. */
    static final int MAX_CHUNKS_PER_FILE = 1 << 24;

    private ManifestFormat() {
    }
}
