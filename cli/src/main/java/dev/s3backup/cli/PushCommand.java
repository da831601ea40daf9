package dev.s3backup.cli;

import dev.s3backup.core.cache.HashCache;
import dev.s3backup.core.cache.ResumeJournal;
import dev.s3backup.core.push.Push;
import dev.s3backup.core.push.PushOptions;
import dev.s3backup.core.push.PushProgress;
import dev.s3backup.core.push.PushResult;
import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.source.Source;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "push", mixinStandardHelpOptions = true,
        description = {"Back up snapshot directories and files as one new backup.",
            "",
            "Each file is read once; chunks the repository already holds are skipped, new ones are uploaded with "
                    + "their SHA-256 so the store verifies them. The backup's manifest is written last: an "
                    + "interrupted push leaves no backup, and re-running it uploads only what is missing and reads "
                    + "only what the hash cache did not record (it is saved every 15 s while pushing).",
            "",
            "Push a snapshot, not live files: a file that changes while being read fails the push.",
            "",
            "Ctrl-C (SIGINT) or SIGTERM stops a push without a backup: its gc lease is released at once and its "
                    + "resume journal kept, so the next push skips what was stored (exit 130 / 143).",
            "",
            "Examples:",
            "  s3backup push -r s3://bucket/db 13036267341651542609=/data/backup-b1 \\",
            "      my-backup.coordinator.bin",
            "  s3backup push -r file:///mnt/nas/db --name nightly node1 node2"},
        footer = ExitCodes.HELP_FOOTER)
final class PushCommand extends BaseCommand {
    @Mixin
    UploadRepoOptions repoOptions;

    @Parameters(arity = "0..*", paramLabel = "SOURCE",
            description = "TOKEN=DIR (a node's data directory, restored as TOKEN/), DIR (labelled with its own name), "
                    + "or FILE (a loose file such as coordinator.bin, restored at the top).")
    List<String> sources;

    @Option(names = "--name", paramLabel = "NAME", defaultValue = "",
            description = "Label of the backup (retention applies per name).")
    String name;

    @Option(names = "--dry-run", description = "Read and hash everything; upload and commit nothing.")
    boolean dryRun;

    @Option(names = "--json", description = "Print the summary as JSON on stdout.")
    boolean json;

    @Option(names = "--upload-threads", paramLabel = "N", defaultValue = "" + PushOptions.DEFAULT_UPLOAD_THREADS,
            description = "Chunk uploads in flight (default: ${DEFAULT-VALUE}).")
    int uploadThreads;

    @Option(names = "--read-threads", paramLabel = "N", defaultValue = "" + PushOptions.DEFAULT_READ_THREADS,
            description = "Files read and hashed at once (default: ${DEFAULT-VALUE}).")
    int readThreads;

    @Option(names = "--pack-below", paramLabel = "SIZE", defaultValue = "256KiB",
            description = "Pack files smaller than SIZE together into shared chunks, so thousands of small files "
                    + "cost a few requests (default: ${DEFAULT-VALUE}; 0 gives every file chunks of its own).")
    String packBelow;

    @Option(names = "--compression", paramLabel = "MODE",
            description = "auto (default in a repository made with compression: zstd where a sample of the chunk "
                    + "shrinks; compressed SSTs stay as they are), max (smaller, slower) or off.")
    String compression;

    @Option(names = "--rehash", description = "Read every file even if the hash cache knows it (the cache is refreshed).")
    boolean rehash;

    @Option(names = "--no-cache", description = "Neither use nor save the hash cache, nor the resume journal.")
    boolean noCache;

    // For tests that kill a push: how often the hash cache is checkpointed while pushing.
    @Option(names = "--checkpoint-interval", paramLabel = "DURATION", hidden = true)
    String checkpointInterval;

    @Option(names = "--cache-dir", paramLabel = "DIR", defaultValue = "${env:S3BACKUP_CACHE_DIR}",
            description = "Where the hash cache lives (default: $S3BACKUP_CACHE_DIR, else $XDG_CACHE_HOME/s3backup "
                    + "or ~/.cache/s3backup). It maps a file's device, inode, size and mtime to its chunks, so "
                    + "unchanged (and hard-linked) files are not read again.")
    Path cacheDir;

    @Mixin
    SnapshotPushFlow snapshotFlow;

    @Override
    public Integer call() {
        Output output = output();
        if (uploadThreads < 1 || readThreads < 1) {
            throw new dev.s3backup.core.BackupException(dev.s3backup.core.BackupException.Reason.INVALID_INPUT,
                    "Cannot push: --upload-threads and --read-threads must be at least 1");
        }
        snapshotFlow.validate();
        List<Source> parsed = sources == null ? List.of() : sources.stream().map(Source::parse).toList();
        PushOptions options = PushOptions.defaults(Hosts.name(), S3BackupCommand.version())
                .withName(name).withDryRun(dryRun).withUploadThreads(uploadThreads).withReadThreads(readThreads);
        PushProgress progress = new PushProgress();
        PushResult result;
        try (Repository repo = repoOptions.openRepository();
             ProgressLine line = new ProgressLine(output, () -> status(progress))) {
            if (compression != null) {
                repo.useCompression(parseCompression(compression));
            }
            Path localDir = cacheDir != null ? cacheDir : HashCache.defaultDirectory();
            String repoId = repo.config().repositoryId();
            HashCache cache = noCache ? HashCache.disabled() : HashCache.open(HashCache.fileFor(localDir, repoId),
                    repoId, repo.config().chunkSize(), HashCache.DEFAULT_MAX_ENTRIES, rehash, output::warn);
            ResumeJournal journal = noCache || dryRun ? ResumeJournal.disabled()
                    : ResumeJournal.open(ResumeJournal.fileFor(localDir, repoId), repoId, output::warn);
            result = snapshotFlow.active() ? snapshotFlow.push(output, repo, repoOptions.repo, options, parsed, cache, journal, progress)
                    : new Push(repo, options, Clock.systemUTC(), progress).useHashCache(cache).useResumeJournal(journal)
                    .checkpointEvery(checkpointInterval()).packSmallFilesBelow(packThreshold()).run(parsed);
        }
        result.warnings().forEach(output::warn);
        metrics(toMap(result));
        if (json) {
            Map<String, Object> map = toMap(result);
            snapshotFlow.addTo(map);
            output.out().println(Json.write(map));
        } else {
            printSummary(output, result);
            snapshotFlow.printSummary(output);
        }
        return ExitCodes.OK;
    }

    private java.time.Duration checkpointInterval() {
        if (checkpointInterval == null) {
            return Push.DEFAULT_CHECKPOINT_INTERVAL;
        }
        java.time.Duration d = SnapshotFlags.parseDuration(checkpointInterval);
        if (d.isZero() || d.isNegative()) {
            throw new dev.s3backup.core.BackupException(dev.s3backup.core.BackupException.Reason.INVALID_INPUT,
                    "--checkpoint-interval must be positive, not " + checkpointInterval);
        }
        return d;
    }

    private int packThreshold() {
        long n;
        try {
            n = Sizes.parseBytes(packBelow);
        } catch (IllegalArgumentException e) {
            throw new dev.s3backup.core.BackupException(dev.s3backup.core.BackupException.Reason.INVALID_INPUT,
                    "--pack-below: " + e.getMessage());
        }
        if (n < 0 || n > Integer.MAX_VALUE) {
            throw new dev.s3backup.core.BackupException(dev.s3backup.core.BackupException.Reason.INVALID_INPUT,
                    "--pack-below must be between 0 and the chunk size, not " + packBelow);
        }
        return (int) n;
    }

    private static String status(PushProgress p) {
        if (p.totalBytes() < 0) {
            return "scanning sources...";
        }
        long done = p.bytesScanned() + p.bytesCached();
        return "pushed " + p.filesDone() + "/" + p.totalFiles() + " files, " + Sizes.bytes(done) + " of "
                + Sizes.bytes(p.totalBytes()) + ProgressLine.percent(done, p.totalBytes())
                + ", uploaded " + Sizes.bytes(p.bytesUploaded());
    }

    private static void printSummary(Output output, PushResult r) {
        var out = output.out();
        out.println((r.dryRun() ? "Dry run, nothing uploaded: backup would be " : "Backup ") + r.backupId()
                + (r.dryRun() ? "" : " committed"));
        out.printf("  files:          %d (%s, %s%s)%n", r.files(), Sizes.count(r.directories(), "directory"),
                Sizes.count(r.symlinks(), "symlink"),
                r.symlinksOutside() == 0 ? "" : ", " + r.symlinksOutside() + " pointing outside their source");
        out.printf("  bytes read:     %s (%s unchanged per the hash cache, not read)%n",
                Sizes.bytes(r.bytesScanned()), Sizes.count(r.filesFromCache(), "file"));
        out.printf("  bytes uploaded: %s%s%n", Sizes.bytes(r.bytesUploaded()), r.dryRun() ? " (would be)" : "");
        out.printf("  chunks:         %d new, %d reused%s; %d reference(s)%n", r.chunksNew(), r.chunksReused(),
                r.chunksResumed() == 0 ? "" : " (" + r.chunksResumed()
                        + " of them stored by an interrupted push, confirmed, not uploaded again)", r.chunkReferences());
        if (r.lockedUntil() != null) {
            out.printf("  object lock:    until %s; %d reused chunk(s) extended (1 request each)%n", r.lockedUntil(),
                    r.chunksLockExtended());
        }
        out.printf("  parent:         %s%n", r.parentId() == null ? "none (first backup)" : r.parentId());
        out.printf("  duration:       %s%n", Sizes.duration(r.duration()));
        out.printf("  requests:       %s%n", r.requests());
    }

    static Map<String, Object> toMap(PushResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("backupId", r.backupId());
        m.put("committed", !r.dryRun());
        m.put("parentId", r.parentId());
        m.put("files", r.files());
        m.put("directories", r.directories());
        m.put("symlinks", r.symlinks());
        m.put("symlinksOutside", r.symlinksOutside());
        m.put("bytesScanned", r.bytesScanned());
        m.put("filesFromCache", r.filesFromCache());
        m.put("bytesUploaded", r.bytesUploaded());
        m.put("chunksNew", r.chunksNew());
        m.put("chunksReused", r.chunksReused());
        m.put("chunksResumed", r.chunksResumed());
        m.put("chunkReferences", r.chunkReferences());
        m.put("lockedUntil", r.lockedUntil() == null ? null : r.lockedUntil().toString());
        m.put("chunksLockExtended", r.chunksLockExtended());
        m.put("durationSeconds", r.duration().toNanos() / 1e9);
        m.put("requests", Requests.toMap(r.requests()));
        m.put("warnings", r.warnings());
        return m;
    }

    private static dev.s3backup.core.crypt.Compression parseCompression(String mode) {
        try {
            return dev.s3backup.core.crypt.Compression.parse(mode);
        } catch (IllegalArgumentException e) {
            throw new dev.s3backup.core.BackupException(dev.s3backup.core.BackupException.Reason.INVALID_INPUT,
                    "Cannot push: --compression must be auto, max or off, not '" + mode + "'");
        }
    }
}
