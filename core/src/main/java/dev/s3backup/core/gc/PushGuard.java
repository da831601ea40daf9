package dev.s3backup.core.gc;

import dev.s3backup.core.repo.Repository;
import java.nio.file.Path;

/**
 * What a push does so that a concurrent gc never removes a chunk its backup needs (see
 * {@link GcProtocol} and docs/RETENTION.md). {@link #leases()} is the protocol; {@link #NONE}
 * is for stores nothing else writes to or collects.
 */
public interface PushGuard {

    /** Called before the push reads its parent or relies on any chunk. */
    Session begin(Repository repository);

    /** One push's part of the protocol. */
    interface Session extends AutoCloseable {
        /**
         * Called with the finished manifest right before it is committed. Throws (and the push
         * must not commit) when a gc may have removed a chunk the manifest names.
         */
        void beforeCommit(String backupId, Path manifestFile);

        /** Called once the manifest is committed. Throws if the commit turned out to be unsafe (and undoes it). */
        void afterCommit(String backupId);

        /** Ends the lease; never throws. */
        @Override
        void close();

        /** After close: what could not be removed (a lease, a pending manifest) and why; null when all is gone. */
        default String leftBehind() {
            return null;
        }
    }

    /** No protocol: for a repository no gc runs on while pushing. */
    PushGuard NONE = repository -> new Session() {
        @Override
        public void beforeCommit(String backupId, Path manifestFile) {
        }

        @Override
        public void afterCommit(String backupId) {
        }

        @Override
        public void close() {
        }
    };

    /** The lease and pending-manifest protocol with the default time limits. */
    static PushGuard leases() {
        return leases(GcProtocol.Timing.defaults());
    }

    static PushGuard leases(GcProtocol.Timing timing) {
        return repository -> new LeaseSession(repository, timing);
    }

    /** Requests one guarded push adds when no gc runs: 2 PUT (lease, pending), 3 LIST (lease and pending times, intents), 2 HEAD (commit time, pending manifest), 1 DELETE. */
    int PUTS_PER_PUSH = 2;

    /** HEAD requests one guarded push adds: the committed manifest's time (store clock), its pending manifest still there. */
    int HEADS_PER_PUSH = 2;
}
