package dev.s3backup.cli;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.s3.LifecycleRules;
import dev.s3backup.s3.LifecycleRules.Finding;
import dev.s3backup.s3.LifecycleRules.Rule;
import dev.s3backup.s3.LifecycleRules.Verdict;
import dev.s3backup.s3.S3BucketPolicies;
import dev.s3backup.s3.S3Options;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "lifecycle", mixinStandardHelpOptions = true,
        description = {"Manage bucket lifecycle rules that are safe with deduplication.",
            "",
            "For s3:// repositories. A chunk stored once may be needed by every later backup, so an age-based "
                    + "Expiration destroys backups; archive classes (GLACIER, DEEP_ARCHIVE) make restores fail. "
                    + "'plan' prints the rules s3backup would install, 'apply' installs them merged with the "
                    + "bucket's other rules (which are kept as they are), 'check' reads the bucket's rules and names "
                    + "every rule that could expire or archive what a live backup needs (exit 4), or that it cannot "
                    + "interpret (exit 4: unknown is not safe). See docs/RETENTION.md."},
        subcommands = {LifecycleCommand.Plan.class, LifecycleCommand.Apply.class, LifecycleCommand.Check.class},
        footer = ExitCodes.HELP_FOOTER)
final class LifecycleCommand extends BaseCommand {
    @Mixin
    RepoOptions repoOptions;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: plan, apply or check");
    }

    /** What the three subcommands share. */
    abstract static class Sub implements Callable<Integer> {
        @Mixin
        RepoOptions repoOptions;

        @Option(names = "--json", description = "Print JSON on stdout.")
        boolean json;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }

        /** The bucket's options and the repository prefix; file:// is refused as not applicable. */
        S3Options s3() {
            String url = repoOptions.requireRepo();
            if (!url.startsWith("s3://")) {
                throw new BackupException(Reason.INVALID_INPUT, "Cannot manage lifecycle rules of " + url
                        + ": not applicable - lifecycle rules exist only on S3 buckets (s3://BUCKET/PREFIX); a file:// "
                        + "repository has no rule that could delete its chunks");
            }
            return S3Stores.options(url, repoOptions).toBuilder().checkBucketOnOpen(false).build();
        }

        static String prefix(S3Options options) {
            return options.prefix();
        }

        void printRules(String title, List<Rule> rules) {
            out().println(title + (rules.isEmpty() ? " none" : ""));
            for (Rule r : rules) {
                out().println("  " + r.id() + ": " + describe(r));
            }
        }

        static String describe(Rule r) {
            List<String> parts = new ArrayList<>();
            if (r.abortMultipartDays() != null) {
                parts.add("AbortIncompleteMultipartUpload after " + r.abortMultipartDays() + " days");
            }
            r.transitions().forEach(t -> parts.add("Transition to " + t.storageClass() + " after " + t.days() + " days"));
            if (r.expirationDays() != null) {
                parts.add("Expiration after " + r.expirationDays() + " days");
            }
            if (r.expirationDate() != null) {
                parts.add("Expiration on " + r.expirationDate());
            }
            if (r.noncurrentExpirationDays() != null) {
                parts.add("NoncurrentVersionExpiration after " + r.noncurrentExpirationDays() + " days");
            }
            String filter = "prefix '" + r.filter().prefix() + "'"
                    + (r.filter().sizeGreaterThan() != null ? ", objects larger than " + r.filter().sizeGreaterThan() + " bytes" : "")
                    + (r.filter().tags().isEmpty() ? "" : ", tags " + r.filter().tags());
            return String.join("; ", parts) + " (" + filter + ")" + (r.enabled() ? "" : " [disabled]");
        }

        static Map<String, Object> toMap(Rule r) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", r.id());
            m.put("enabled", r.enabled());
            m.put("prefix", r.filter().prefix());
            m.put("description", describe(r));
            return m;
        }

        static Map<String, Object> toMap(Finding f) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("rule", f.rule());
            m.put("verdict", f.verdict().name().toLowerCase(Locale.ROOT));
            m.put("reason", f.reason());
            return m;
        }
    }

    /** Converts --transition CLASS:DAYS. */
    static final class TransitionConverter implements CommandLine.ITypeConverter<LifecycleRules.ChunkTransition> {
        @Override
        public LifecycleRules.ChunkTransition convert(String value) {
            String[] parts = value.split(":");
            try {
                if (parts.length != 2) {
                    throw new IllegalArgumentException("use CLASS:DAYS, e.g. STANDARD_IA:30");
                }
                return new LifecycleRules.ChunkTransition(Integer.parseInt(parts[1].trim()), parts[0].trim());
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("--transition " + value + ": DAYS is not a number");
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("--transition " + value + ": " + e.getMessage());
            }
        }
    }

    abstract static class PlanOrApply extends Sub {
        @Option(names = "--transition", paramLabel = "TRANSITION", converter = TransitionConverter.class,
                description = "Also move chunks larger than 128 KiB to CLASS after DAYS days, given as CLASS:DAYS, "
                        + "e.g. STANDARD_IA:30; "
                        + "GLACIER_IR, ONEZONE_IA and INTELLIGENT_TIERING too. Archive classes are refused.")
        LifecycleRules.ChunkTransition transition;
    }

    @Command(name = "plan", mixinStandardHelpOptions = true,
            description = {"Print the rules s3backup would install.",
                "",
                "Also prints the bucket's rules as they would be after 'apply'."},
            footer = ExitCodes.HELP_FOOTER)
    static final class Plan extends PlanOrApply {
        @Override
        public Integer call() {
            S3Options options = s3();
            List<Rule> planned = LifecycleRules.plan(prefix(options), transition);
            List<Rule> current = S3BucketPolicies.lifecycleRules(options);
            List<Rule> merged = LifecycleRules.merge(current, planned);
            List<Finding> findings = LifecycleRules.check(prefix(options), merged);
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("bucket", options.bucket());
                m.put("prefix", prefix(options));
                m.put("planned", planned.stream().map(Sub::toMap).toList());
                m.put("afterApply", merged.stream().map(Sub::toMap).toList());
                m.put("findingsAfterApply", findings.stream().map(Sub::toMap).toList());
                m.put("requests", Map.of("getBucketLifecycleConfiguration", 1));
                out().println(Json.write(m));
            } else {
                printRules("Rules s3backup would install on s3://" + options.bucket() + " for prefix '" + prefix(options)
                        + "':", planned);
                printRules("The bucket's rules after 'lifecycle apply' (others kept as they are):", merged);
                for (Finding f : findings) {
                    if (f.verdict() != Verdict.SAFE) {
                        out().println("  would still be " + f.verdict().name().toLowerCase(Locale.ROOT) + ": " + f
                                + " - apply will refuse until it is fixed");
                    }
                }
                out().println("  never planned: Expiration or archive transitions of chunks/ or manifests/ (docs/RETENTION.md)");
                out().println("  requests: GetBucketLifecycleConfiguration 1");
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "apply", mixinStandardHelpOptions = true,
            description = {"Install the planned rules, keeping the bucket's others.",
                "",
                "Refuses if the result would not be safe."}, footer = ExitCodes.HELP_FOOTER)
    static final class Apply extends PlanOrApply {
        @Override
        public Integer call() {
            S3Options options = s3();
            List<Rule> planned = LifecycleRules.plan(prefix(options), transition);
            S3BucketPolicies.Applied applied;
            try {
                applied = S3BucketPolicies.apply(options, prefix(options), planned);
            } catch (IllegalStateException e) {
                throw new BackupException(Reason.INTEGRITY, e.getMessage(), e);
            }
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("bucket", options.bucket());
                m.put("before", applied.before().stream().map(Sub::toMap).toList());
                m.put("after", applied.after().stream().map(Sub::toMap).toList());
                m.put("requests", Map.of("getBucketLifecycleConfiguration", 2, "putBucketLifecycleConfiguration", 1));
                out().println(Json.write(m));
            } else {
                printRules("Before:", applied.before());
                printRules("After:", applied.after());
                out().println("  requests: GetBucketLifecycleConfiguration 2, PutBucketLifecycleConfiguration 1");
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Judge the bucket's rules for this repository.",
                "",
                "Each rule is safe, unsafe (could expire or archive what a live backup needs), or unknown (cannot "
                        + "be interpreted; not safe). Exit 0 when every rule is safe, 4 when any is unsafe or unknown."},
            footer = ExitCodes.HELP_FOOTER)
    static final class Check extends Sub {
        @Override
        public Integer call() {
            S3Options options = s3();
            List<Rule> rules = S3BucketPolicies.lifecycleRules(options);
            List<Finding> findings = LifecycleRules.check(prefix(options), rules);
            boolean ok = findings.stream().allMatch(f -> f.verdict() == Verdict.SAFE);
            int exit = ok ? ExitCodes.OK : ExitCodes.INTEGRITY;
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("bucket", options.bucket());
                m.put("prefix", prefix(options));
                m.put("ok", ok);
                m.put("exitCode", exit);
                m.put("findings", findings.stream().map(Sub::toMap).toList());
                m.put("requests", Map.of("getBucketLifecycleConfiguration", 1));
                out().println(Json.write(m));
            } else {
                out().println("Lifecycle rules of s3://" + options.bucket() + " for prefix '" + prefix(options) + "': "
                        + (ok ? "SAFE" : "NOT SAFE") + " (" + rules.size() + " rule(s))");
                for (Finding f : findings) {
                    out().println("  " + f);
                }
                out().println("  requests: GetBucketLifecycleConfiguration 1");
            }
            for (Finding f : findings) {
                if (f.verdict() != Verdict.SAFE) {
                    err().println("s3backup: error: " + f);
                }
            }
            err().flush();
            return exit;
        }
    }
}
