package dev.s3backup.core.push;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.core.cache.ResumeJournal;
import dev.s3backup.core.gc.PushGuard;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.store.Retention;
import dev.s3backup.manifest.ChunkRef;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The part of a push that must end on every path: its gc lease (taken before the parent is read),
 * its resume journal, and the commit between them. Closed once, by the push or by the shutdown
 * hook of a SIGINT/SIGTERM, whichever comes first. The hook exists before the lease is written
 * and waits for a lease write or a commit in flight (it must not remove the pending manifest a
 * commit relies on); a push the hook stopped does not commit, and a push it stops after its
 * commit still has its lease released by the hook (the JVM halts when the hook returns).
 */
final class CommitStage implements AutoCloseable {
    private final Repository repository;
    private final ResumeJournal journal;
    private final Thread hook;
    private PushGuard.Session session;
    private String committed;
    private boolean interrupted;
    private boolean closed;

    private CommitStage(Repository repository, ResumeJournal journal, Consumer<String> onInterrupt) {
        this.repository = repository;
        this.journal = journal;
        if (onInterrupt == null) {
            this.hook = null;
        } else {
            this.hook = new Thread(() -> {
                String said = interrupt();
                if (said != null) {
                    onInterrupt.accept(said);
                }
            }, "s3backup-push-interrupted");
            Runtime.getRuntime().addShutdownHook(hook);
        }
    }

    /**
     * A stage with its signal hook in place and no lease yet: {@link #begin} takes it. {@code
     * onInterrupt} receives the one line to print if the JVM is stopped by a signal while the push
     * runs; null registers no hook (dry runs). Close it on every path, a failed begin included.
     */
    static CommitStage create(Repository repository, ResumeJournal journal, Consumer<String> onInterrupt) {
        return new CommitStage(repository, journal, onInterrupt);
    }

    /** {@link #create} and {@link #begin} in one; closes the stage if begin fails. */
    static CommitStage open(Repository repository, PushGuard guard, ResumeJournal journal, Consumer<String> onInterrupt) {
        CommitStage stage = create(repository, journal, onInterrupt);
        try {
            stage.begin(guard);
        } catch (RuntimeException | Error e) {
            stage.close();
            throw e;
        }
        return stage;
    }

    /**
     * Takes the lease, then starts the journal with the records an earlier push left (still
     * unconfirmed). A signal meanwhile waits for the lease and then removes it.
     */
    synchronized void begin(PushGuard guard) {
        if (closed) {
            throw new BackupException(Reason.IO, "Cannot start the push: it was interrupted");
        }
        session = guard.begin(repository);
        journal.start(journal.previous());
    }

    /**
     * Commits the manifest through the guard; afterwards the journal keeps only {@code leftOver}
     * (records of another push this one did not use). Refused once the push was interrupted.
     */
    synchronized void commit(String backupId, Path manifestFile, Retention retention, Supplier<List<ChunkRef>> leftOver) {
        if (interrupted || closed) {
            throw new BackupException(Reason.IO, "Cannot commit backup " + backupId
                    + ": the push was interrupted; nothing was committed");
        }
        session.beforeCommit(backupId, manifestFile);
        repository.commitManifest(backupId, manifestFile, retention);
        session.afterCommit(backupId);
        committed = backupId;
        journal.keepOnly(leftOver.get());
    }

    /**
     * Ends the lease of a push stopped by a signal and keeps its journal. Returns the line that
     * says so, or null when there was nothing to stop (closed already, or never begun).
     */
    synchronized String interrupt() {
        if (closed || session == null) {
            return null;
        }
        interrupted = true;
        long stored = journal.size();
        release();
        String lease = session.leftBehind() == null ? "lease released" : session.leftBehind();
        return committed != null
                ? "interrupted after the commit: backup " + committed + " was committed; " + lease
                : "interrupted: " + lease + "; the next push resumes from " + stored + " stored chunk(s)";
    }

    @Override
    public void close() {
        // Release before the hook goes: a signal between the two would otherwise halt the JVM
        // (no hook left to wait for) while the lease is being removed.
        synchronized (this) {
            release();
        }
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs (or ran): it and this close share release(), which runs once
            }
        }
    }

    /** After close: what the lease's end could not remove, or null. */
    String leftBehind() {
        return session == null ? null : session.leftBehind();
    }

    private void release() {
        if (closed) {
            return;
        }
        closed = true;
        journal.close();
        if (session != null) {
            session.close(); // with the interrupt flag cleared while it deletes
        }
    }
}
