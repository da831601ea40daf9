package dev.s3backup.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The root command: global options, the subcommands ({@link #COMMANDS}, added by {@link Main}), and
 * the version.
 */
@Command(name = "s3backup",
        mixinStandardHelpOptions = true,
        versionProvider = S3BackupCommand.Version.class,
        description = {
            "Content-addressed backups of LSM-tree snapshots.",
            "",
            "Backs up the snapshots of HyperDex, LevelDB, RocksDB and other SSTable stores to S3, "
                    + "any S3-compatible server, or a local directory. Each backup is complete on its own; all "
                    + "backups share storage: a chunk already in the repository is never uploaded again.",
            ""},
        footer = ExitCodes.HELP_FOOTER)
final class S3BackupCommand implements Runnable {

    /**
     * The subcommands by name, in the order help lists them. Not in the annotation: picocli would
     * build the model of every one (reflection over all their options, ~0.1-0.2 s of each start)
     * where a run needs one ({@link Main#commandLine(PrintWriter, PrintWriter, String[])}).
     * CliModelTest holds each name equal to its command's own.
     */
    static final Map<String, Supplier<Object>> COMMANDS = commands();

    private static Map<String, Supplier<Object>> commands() {
        Map<String, Supplier<Object>> commands = new LinkedHashMap<>();
        commands.put("init", InitCommand::new);
        commands.put("push", PushCommand::new);
        commands.put("restore", RestoreCommand::new);
        commands.put("list", ListCommand::new);
        commands.put("show", ShowCommand::new);
        commands.put("ls", LsCommand::new);
        commands.put("diff", DiffCommand::new);
        commands.put("stats", StatsCommand::new);
        commands.put("snapshot", SnapshotCommand::new);
        commands.put("backup-sets", BackupSetsCommand::new);
        commands.put("verify", VerifyCommand::new);
        commands.put("drill", DrillCommand::new);
        commands.put("forget", ForgetCommand::new);
        commands.put("gc", GcCommand::new);
        commands.put("lifecycle", LifecycleCommand::new);
        commands.put("doctor", DoctorCommand::new);
        commands.put("key", KeyCommand::new);
        commands.put("cds-training", CdsTrainingCommand::new);
        // Not HelpCommand::new: JDK 25.0.3 crashes making the AOT cache when a method reference names a
        // constructor of picocli's (Java 5 class files, which the cache skips); a lambda of ours is fine.
        commands.put("help", () -> new CommandLine.HelpCommand());
        return Collections.unmodifiableMap(commands);
    }

    @Option(names = "--debug", scope = ScopeType.INHERIT,
            description = "Show stack traces of errors (credentials are never printed).")
    boolean debug;

    @Option(names = "--metrics-file", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "Also write this run's outcome and figures as OpenMetrics text to FILE (atomically), for "
                    + "node_exporter's textfile collector; other commands' and repositories' samples in it are kept.")
    java.nio.file.Path metricsFile;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        // No command: the list of commands is the answer (once, on stderr, with a usage exit code).
        CommandLine cl = spec.commandLine();
        cl.usage(cl.getErr());
        throw new MissingCommand();
    }

    /** Tells Main to exit with the usage code without printing another hint. */
    static final class MissingCommand extends RuntimeException {
        MissingCommand() {
            super("missing command", null, false, false);
        }
    }

    static String version() {
        return buildProperties("version.properties").getProperty("version", "unknown");
    }

    /** What --version names: the version, the commit it was built from, and when. */
    static String build() {
        Properties version = buildProperties("version.properties");
        // commit.properties is written by the build from git; a build outside a clone has none
        String commit = buildProperties("commit.properties").getProperty("commit", "").strip();
        return "s3backup " + version.getProperty("version", "unknown") + " (commit "
                + (commit.isEmpty() ? "unknown" : commit) + ", built " + version.getProperty("built", "unknown") + ")";
    }

    private static Properties buildProperties(String name) {
        Properties p = new Properties();
        try (InputStream in = S3BackupCommand.class.getResourceAsStream(name)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException ignored) {
            // an unknown version is still a working tool
        }
        return p;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {build(),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
