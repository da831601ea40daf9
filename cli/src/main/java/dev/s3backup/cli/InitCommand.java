package dev.s3backup.cli;

import dev.s3backup.core.repo.Repository;
import dev.s3backup.core.repo.RepositoryConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "init", mixinStandardHelpOptions = true,
        description = {"Create a repository at --repo. Refuses a location that already holds one.",
            "The bucket of an s3:// repository must exist; a file:// directory is created."},
        footer = ExitCodes.HELP_FOOTER)
final class InitCommand extends BaseCommand {
    @Mixin
    RepoOptions repoOptions;

    @Option(names = "--chunk-size", paramLabel = "SIZE", defaultValue = "8MiB",
            description = "Size of chunks that large files are split into, 64KiB-64MiB (default: ${DEFAULT-VALUE}). "
                    + "Fixed for the repository's life.")
    String chunkSize;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() {
        Output output = output();
        long size = Sizes.parseBytes(chunkSize);
        if (size < RepositoryConfig.MIN_CHUNK_SIZE || size > RepositoryConfig.MAX_CHUNK_SIZE) {
            throw new dev.s3backup.core.BackupException(dev.s3backup.core.BackupException.Reason.INVALID_INPUT,
                    "Cannot init: --chunk-size must be between 64KiB and 64MiB, not " + chunkSize);
        }
        try (Repository repo = Repository.init(StoreFactory.open(repoOptions, true), (int) size)) {
            RepositoryConfig config = repo.config();
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("repository", repo.describe());
                m.put("repositoryId", config.repositoryId());
                m.put("formatVersion", config.formatVersion());
                m.put("chunkSize", config.chunkSize());
                output.out().println(Json.write(m));
            } else {
                output.out().println("Created repository " + repo.describe() + " (id " + config.repositoryId()
                        + ", format " + config.formatVersion() + ", chunk size " + Sizes.bytes(config.chunkSize()) + ")");
            }
        }
        return ExitCodes.OK;
    }
}
