package dev.s3backup.cli;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.repo.ObjectLockSettings;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.core.store.Retention;
import dev.s3backup.core.store.ServerProbe;
import dev.s3backup.s3.S3BucketPolicies;
import dev.s3backup.s3.S3Options;
import dev.s3backup.core.repo.RepositoryConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "init", mixinStandardHelpOptions = true,
        description = {"Create a repository at --repo.",
            "",
            "Refuses a location that already holds one. The bucket of an s3:// repository must exist; a file:// "
                    + "directory is created. With --object-lock-days N, every backup is locked for N days (S3 "
                    + "Object Lock): the bucket must have been created with Object Lock enabled and no default "
                    + "retention (see docs/RETENTION.md).",
            "",
            "With --password-file, --password-command, --key-file or --kms-key-id the repository is encrypted on "
                    + "this host (AES-256-GCM, content addresses keyed by the repository) and chunks are compressed; "
                    + "see docs/SECURITY.md. Encryption is chosen here, for the repository's life."},
        footer = ExitCodes.HELP_FOOTER)
final class InitCommand extends BaseCommand {
    @Mixin
    WriteRepoOptions repoOptions;

    @Option(names = "--chunk-size", paramLabel = "SIZE", defaultValue = "8MiB",
            description = "Size of chunks that large files are split into, 64KiB-64MiB (default: ${DEFAULT-VALUE}). "
                    + "Fixed for the repository's life.")
    String chunkSize;

    @Option(names = "--object-lock-days", paramLabel = "N",
            description = "Lock every backup (its manifest and every chunk it needs) for N days after its push.")
    Integer lockDays;

    @Option(names = "--object-lock-mode", paramLabel = "MODE",
            description = "GOVERNANCE (default: principals allowed to bypass governance retention can still delete) or "
                    + "COMPLIANCE (nobody can, not even the root user, until the date).")
    String lockMode;

    @Option(names = "--object-lock-slack-days", paramLabel = "N",
            description = "Extra days on chunks, so a chunk reused by daily backups is extended about once per N days "
                    + "instead of by every push (default: the lock days, at most 30).")
    Integer slackDays;

    @Option(names = "--encryption", paramLabel = "MODE",
            description = "aes-256-gcm: encrypt every object before it leaves this host (docs/SECURITY.md), with a first "
                    + "key slot from --password-file, --password-command, --key-file (created when missing), "
                    + "--kms-key-id or a prompt; none: plain. Default: aes-256-gcm when one of those is given, else none.")
    String encryption;

    @Option(names = "--kms-key-id", paramLabel = "KEY",
            description = "Wrap the master key of a new encrypted repository under this AWS KMS key (id, ARN or alias).")
    String kmsKeyId;

    @Option(names = "--compression", paramLabel = "MODE",
            description = "zstd: compress chunks where a sample shrinks (default when encrypted); none: store chunks as "
                    + "they are (default when plain, so 'sha256sum' checks a chunk).")
    String compression;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Option(names = "--accept-no-create-only",
            description = "Create the repository even where the store ignores create-only writes (If-None-Match), "
                    + "which deduplication and gc rely on: run no gc while a push may run, and know the risk.")
    boolean acceptNoCreateOnly;

    @Override
    public Integer call() {
        Output output = output();
        long size = Sizes.parseBytes(chunkSize);
        if (size < RepositoryConfig.MIN_CHUNK_SIZE || size > RepositoryConfig.MAX_CHUNK_SIZE) {
            throw new dev.s3backup.core.BackupException(dev.s3backup.core.BackupException.Reason.INVALID_INPUT,
                    "Cannot init: --chunk-size must be between 64KiB and 64MiB, not " + chunkSize);
        }
        ObjectLockSettings lock = objectLock();
        String encryptionMode = encryptionMode();
        String compressionMode = compressionMode(encryptionMode);
        ObjectStore store = StoreFactory.open(repoOptions, true);
        ServerChecks.Result checks;
        try {
            checks = ServerChecks.run(store, repoOptions.requireRepo(), repoOptions);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        ServerProbe.Report probe = checks.probe();
        if (probe.createOnly().failed() && !acceptNoCreateOnly) {
            store.close();
            throw new BackupException(BackupException.Reason.INTEGRITY, ServerChecks.unsafe(store.describe(), checks)
                    .getMessage() + "; no repository created ('s3backup doctor' shows every check; "
                    + "--accept-no-create-only creates it anyway)");
        }
        RepositoryConfig wanted = RepositoryConfig.create((int) size, lock, encryptionMode, compressionMode)
                .withServer(new RepositoryConfig.ServerFacts(probe.createOnly().holds(), probe.checksumsVerified().holds(),
                        probe.probedAt()));
        boolean newKeyFile = wanted.encrypted() && kmsKeyId == null && KeyFiles.createIfMissing(repoOptions.keyFile, output);
        Repository created;
        try {
            created = Repository.init(store, wanted, KeyOptions.source(repoOptions, kmsKeyId, true));
        } catch (RuntimeException e) {
            store.close();
            if (newKeyFile) {
                KeyFiles.removeUnused(repoOptions.keyFile);
            }
            throw e;
        }
        try (Repository repo = created) {
            RepositoryConfig config = repo.config();
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("repository", repo.describe());
                m.put("repositoryId", config.repositoryId());
                m.put("formatVersion", config.formatVersion());
                m.put("chunkSize", config.chunkSize());
                m.put("encryption", config.encryption());
                m.put("compression", config.compression());
                repo.unlockedSlot().ifPresent(slot -> m.put("keySlot", Map.of("id", slot.id(), "kind",
                        slot.kind().name().toLowerCase(java.util.Locale.ROOT))));
                if (lock != null) {
                    m.put("objectLockMode", lock.mode().name());
                    m.put("objectLockDays", lock.days());
                    m.put("objectLockSlackDays", lock.slackDays());
                }
                m.put("server", ServerChecks.toMap(checks));
                output.out().println(Json.write(m));
            } else {
                output.out().println("Created repository " + repo.describe() + " (id " + config.repositoryId()
                        + ", format " + config.formatVersion() + ", chunk size " + Sizes.bytes(config.chunkSize()) + ")");
                if (config.encrypted()) {
                    output.out().println("Encrypted (" + config.encryption() + ", compression " + config.compression()
                            + "); key slot " + repo.unlockedSlot().map(s -> s.id() + ": " + s.describe()).orElse("?")
                            + ". Without a key slot's secret nobody can read these backups: keep it, or a second slot "
                            + "('s3backup key add'), somewhere else than this host");
                } else if (config.compressed()) {
                    output.out().println("Chunks compressed with " + config.compression() + " where it pays");
                }
                if (lock != null) {
                    output.out().println("Object Lock: every backup is locked " + lock.mode() + " for " + lock.days()
                            + " day(s) after its push; chunks for " + lock.slackDays() + " day(s) more");
                }
                ServerChecks.print(output, repo.describe(), checks);
            }
            ServerChecks.warn(output, checks);
            if (probe.createOnly().failed()) {
                output.warn("created although the store ignores create-only writes (--accept-no-create-only): run no gc "
                        + "while a push may run");
            }
        }
        return ExitCodes.OK;
    }

    /** The encryption asked for: explicit, or implied by a key option (flag or environment). */
    private String encryptionMode() {
        boolean keyGiven = repoOptions.passwordFile != null || repoOptions.passwordCommand != null
                || repoOptions.keyFile != null || kmsKeyId != null;
        if (encryption == null) {
            return keyGiven ? RepositoryConfig.AES_256_GCM : RepositoryConfig.NO_ENCRYPTION;
        }
        String mode = encryption.toLowerCase(java.util.Locale.ROOT);
        if (!mode.equals(RepositoryConfig.AES_256_GCM) && !mode.equals(RepositoryConfig.NO_ENCRYPTION)) {
            throw usage("Cannot init: --encryption must be aes-256-gcm or none, not '" + encryption + "'");
        }
        if (mode.equals(RepositoryConfig.NO_ENCRYPTION) && kmsKeyId != null) {
            throw usage("Cannot init: --kms-key-id needs an encrypted repository (--encryption aes-256-gcm)");
        }
        return mode;
    }

    private String compressionMode(String encryptionMode) {
        if (compression == null) {
            return encryptionMode.equals(RepositoryConfig.NO_ENCRYPTION) ? RepositoryConfig.NO_COMPRESSION
                    : RepositoryConfig.ZSTD;
        }
        String mode = compression.toLowerCase(java.util.Locale.ROOT);
        if (!mode.equals(RepositoryConfig.ZSTD) && !mode.equals(RepositoryConfig.NO_COMPRESSION)) {
            throw usage("Cannot init: --compression must be zstd or none, not '" + compression + "'");
        }
        return mode;
    }

    /** The lock the options ask for, after checking that the bucket can enforce it; null for none. */
    private ObjectLockSettings objectLock() {
        if (lockDays == null) {
            if (lockMode != null || slackDays != null) {
                throw usage("--object-lock-mode and --object-lock-slack-days need --object-lock-days N");
            }
            return null;
        }
        ObjectLockSettings lock;
        try {
            lock = new ObjectLockSettings(lockMode == null ? Retention.Mode.GOVERNANCE : Retention.Mode.parse(lockMode),
                    lockDays, slackDays == null ? ObjectLockSettings.defaultSlackDays(lockDays) : slackDays);
        } catch (IllegalArgumentException e) {
            throw usage("Cannot init: " + e.getMessage());
        }
        String url = repoOptions.requireRepo();
        if (!url.startsWith("s3://")) {
            throw usage("Cannot init " + url + " with Object Lock: only an S3 bucket can lock objects "
                    + "(a file:// directory cannot stop anyone deleting a file)");
        }
        S3Options options = S3Stores.options(url, repoOptions);
        S3BucketPolicies.ObjectLockStatus status = S3BucketPolicies.objectLock(options);
        if (!status.enabled()) {
            throw usage("Cannot init " + url + " with Object Lock: bucket " + options.bucket() + " does not have Object Lock "
                    + "enabled (GetObjectLockConfiguration). Create a bucket with it, e.g. 'aws s3api create-bucket "
                    + "--bucket NAME --object-lock-enabled-for-bucket', or enable it on this one, then run init again");
        }
        if (status.defaultRetention() != null) {
            throw usage("Cannot init " + url + " with Object Lock: bucket " + options.bucket() + " has a default retention ("
                    + status.defaultRetention() + "). It would also lock s3backup's leases, pending manifests and gc "
                    + "markers, which must be deletable; remove the default retention (s3backup locks each backup "
                    + "itself for --object-lock-days) and run init again");
        }
        return lock;
    }

    private static BackupException usage(String message) {
        return new BackupException(BackupException.Reason.INVALID_INPUT, message);
    }
}
