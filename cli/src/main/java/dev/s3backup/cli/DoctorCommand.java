package dev.s3backup.cli;

import dev.s3backup.core.store.ObjectStore;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Check what the repository's store guarantees, by trying it.",
            "",
            "Writes a few scratch objects under doctor/ and removes them: is a second create of a key refused "
                    + "(create-only, which deduplication and gc depend on)? Is a body with a wrong SHA-256 refused? "
                    + "Does a batch delete work? How far is the store's clock from this host's? For S3: are Object "
                    + "Lock and lifecycle rules available? Works before 'init' too (on an existing bucket or "
                    + "directory). Exit 4 when create-only or batch delete does not hold."},
        footer = ExitCodes.HELP_FOOTER)
final class DoctorCommand extends BaseCommand {
    @Mixin
    WriteRepoOptions repoOptions;

    @Option(names = "--json", description = "Print the result as JSON on stdout.")
    boolean json;

    @Override
    public Integer call() {
        Output output = output();
        String url = repoOptions.requireRepo();
        ServerChecks.Result result;
        String where;
        try (ObjectStore store = StoreFactory.open(repoOptions, false)) {
            where = store.describe();
            result = ServerChecks.run(store, url, repoOptions);
        }
        if (json) {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("repository", where);
            m.putAll(ServerChecks.toMap(result));
            output.out().println(Json.write(m));
        } else {
            ServerChecks.print(output, where, result);
        }
        ServerChecks.warn(output, result);
        if (result.probe().unsafe()) {
            output.err().println("s3backup: error: " + ServerChecks.unsafe(where, result).getMessage());
            return ExitCodes.INTEGRITY;
        }
        return ExitCodes.OK;
    }
}
