package dev.s3backup.cli;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.core.limit.Limits;
import dev.s3backup.core.limit.ThrottledObjectStore;
import dev.s3backup.core.store.FileObjectStore;
import dev.s3backup.core.store.ObjectStore;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens the store a repository URL names: file:// here, s3:// through the s3-sink module. */
final class StoreFactory {
    private StoreFactory() {
    }

    /**
     * @param forInit true for init, which may create a file:// directory; other commands refuse
     *     a missing one so a typo never looks like an empty repository
     */
    static ObjectStore open(RepoOptions options, boolean forInit) {
        return ThrottledObjectStore.wrap(openUnthrottled(options, forInit, true), options.limits());
    }

    /**
     * The store of an existing repository, which {@code Repository.open} reads first: an S3 bucket
     * is not checked with a HeadBucket beforehand (start-up, issue #13), as the config's GET reports
     * a missing bucket or refused credentials as clearly.
     */
    static ObjectStore openForRepository(RepoOptions options) {
        return ThrottledObjectStore.wrap(openUnthrottled(options, false, false), options.limits());
    }

    private static ObjectStore openUnthrottled(RepoOptions options, boolean forInit, boolean checkBucket) {
        String url = options.requireRepo();
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot use repository '" + url + "': not a URL ("
                    + e.getReason() + "); use s3://BUCKET/PREFIX or file:///PATH");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme();
        switch (scheme) {
            case "file" -> {
                if (uri.getAuthority() != null && !uri.getAuthority().isEmpty()) {
                    throw new BackupException(Reason.INVALID_INPUT, "Cannot use repository '" + url
                            + "': a file URL needs three slashes, as in file:///srv/backups");
                }
                Path root = Path.of(uri.getPath());
                if (!forInit && !Files.isDirectory(root)) {
                    throw new BackupException(Reason.NOT_FOUND, "Cannot open repository " + url
                            + ": no such directory (create a repository with 's3backup init')");
                }
                FileObjectStore store = new FileObjectStore(root);
                store.removeStaleUploads(FileObjectStore.STALE_UPLOAD_AGE);
                return store;
            }
            case "s3" -> {
                return S3Stores.open(url, options, checkBucket);
            }
            default -> throw new BackupException(Reason.INVALID_INPUT, "Cannot use repository '" + url
                    + "': unsupported scheme; use s3://BUCKET/PREFIX or file:///PATH");
        }
    }
}
