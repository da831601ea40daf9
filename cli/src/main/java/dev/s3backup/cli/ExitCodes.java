package dev.s3backup.cli;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.store.StoreException;
import dev.s3backup.manifest.ManifestFormatException;

/** The exit codes of every command, defined once; listed in --help and the README. */
public final class ExitCodes {
    public static final int OK = 0;
    /** An unexpected error: a bug in s3backup; --debug shows the stack trace. */
    public static final int FAILURE = 1;
    /** Bad arguments or input: unknown option, missing source, non-empty target, existing repository. */
    public static final int USAGE = 2;
    /** The repository, bucket, backup or node does not exist. */
    public static final int NOT_FOUND = 3;
    /** Data failed verification: a corrupt or missing chunk, a damaged or unsafe manifest. */
    public static final int INTEGRITY = 4;
    /** Remote or local I/O failed: network, server error, full disk; a re-run may succeed. */
    public static final int IO = 5;
    /** Credentials are missing or wrong, or lack permission. */
    public static final int ACCESS_DENIED = 6;

    /** Shown at the end of every command's --help. */
    public static final String HELP_FOOTER = """

            Exit codes:
              0  success
              1  unexpected error (a bug; rerun with --debug and report it)
              2  usage error: bad option or source, non-empty target, existing repository
              3  not found: repository, bucket, backup or node
              4  integrity failure: corrupt or missing chunk, damaged or unsafe manifest
              5  I/O failure, remote or local (network, server, disk); a re-run may succeed
              6  access denied: missing or wrong credentials, or no permission""";

    private ExitCodes() {
    }

    public static int of(Throwable t) {
        if (t instanceof BackupException e) {
            return of(e.reason());
        }
        if (t instanceof StoreException e) {
            return switch (e.kind()) {
                case NOT_FOUND -> NOT_FOUND;
                case ACCESS_DENIED -> ACCESS_DENIED;
                case INTEGRITY -> INTEGRITY;
                case IO -> IO;
            };
        }
        if (t instanceof ManifestFormatException) {
            return INTEGRITY;
        }
        if (t instanceof java.io.IOException || t instanceof java.io.UncheckedIOException) {
            return IO;
        }
        return FAILURE;
    }

    public static int of(BackupException.Reason reason) {
        return switch (reason) {
            case INVALID_INPUT -> USAGE;
            case NOT_FOUND -> NOT_FOUND;
            case INTEGRITY -> INTEGRITY;
            case ACCESS_DENIED -> ACCESS_DENIED;
            case IO -> IO;
        };
    }

    /** Whether the failure is one s3backup expects and explains, so no stack trace is shown. */
    static boolean expected(Throwable t) {
        return of(t) != FAILURE;
    }
}
