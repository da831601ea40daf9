package dev.s3backup.it;

import dev.s3backup.core.store.ObjectStore;
import java.util.List;
import java.util.Map;

/** A place the end-to-end suite can put repositories: a directory or a bucket on some S3 server. */
public interface Backend {
    String name();

    /** A repository URL no test has used yet. */
    String newRepoUrl(String label);

    /** Options every s3backup command needs to reach this backend (endpoint, path style...). */
    List<String> connectionArgs();

    /** The repository's store opened directly, to damage objects as a disk or an attacker would. */
    ObjectStore openStore(String repoUrl);

    /** A repository URL whose bucket or directory does not exist. */
    String missingLocationUrl();

    /** What the error for {@link #missingLocationUrl()} says of it ("bucket does not exist"). */
    String missingLocationReason();

    /** Environment a CLI in another process needs to reach this backend (credentials), beside connectionArgs. */
    default Map<String, String> childEnvironment() {
        return Map.of();
    }
}
