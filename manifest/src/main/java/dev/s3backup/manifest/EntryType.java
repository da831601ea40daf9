package dev.s3backup.manifest;

/** What a manifest entry restores as. Special files (devices, sockets, FIFOs) are never stored. */
public enum EntryType { FILE, DIRECTORY, SYMLINK }
