package dev.s3backup.core;

/**
 * An expected failure of a backup operation, with the reason the CLI turns into an exit code.
 * Messages follow "Cannot &lt;verb&gt; &lt;thing&gt;: &lt;reason&gt;" and name the file, backup or
 * object concerned.
 */
public class BackupException extends RuntimeException {

    public enum Reason {
        /** Bad arguments or input the user can fix: a missing source, a non-empty target. */
        INVALID_INPUT,
        /** A repository, backup or object that does not exist. */
        NOT_FOUND,
        /** Data that does not match its hash, or a manifest that is damaged or unsafe. */
        INTEGRITY,
        /** Credentials missing, wrong or lacking permission. */
        ACCESS_DENIED,
        /** Local or remote I/O failure. */
        IO
    }

    private final Reason reason;

    public BackupException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public BackupException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
