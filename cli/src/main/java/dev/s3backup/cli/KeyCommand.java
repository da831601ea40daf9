package dev.s3backup.cli;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.core.crypt.KeySlot;
import dev.s3backup.core.crypt.RepositoryKeys;
import dev.s3backup.core.repo.KeySlots;
import dev.s3backup.core.repo.KeySource;
import dev.s3backup.core.repo.Repository;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "key", mixinStandardHelpOptions = true,
        description = {"List, add or remove the key slots of an encrypted repository.",
            "",
            "Each slot wraps the repository's master key under one passphrase, key file or AWS KMS key, so a "
                    + "slot is added or removed without re-encrypting any data. Open the repository with any "
                    + "existing slot (--password-file, --password-command, --key-file, KMS, or a prompt).",
            "",
            "key list: the slots (id, kind, created); * marks the one that opened it.",
            "key add --new-password-file F (or --new-password-command CMD, or a prompt): a passphrase slot.",
            "key add --new-key-file F: a key-file slot; F is created (mode 0600) when missing.",
            "key add --new-kms-key-id KEY: a slot wrapped by an AWS KMS key (opening it calls Decrypt).",
            "key remove ID: removes a slot, never the last one.",
            "",
            "To rotate a passphrase: key add the new one, then key remove the old slot. Removing a slot does not "
                    + "change the master key: whoever copied it while they held a slot can still read the data."},
        footer = ExitCodes.HELP_FOOTER)
final class KeyCommand extends BaseCommand {
    @Mixin
    WriteRepoOptions repoOptions;

    @Parameters(index = "0", paramLabel = "ACTION", description = "list, add or remove.")
    String action;

    @Parameters(index = "1", arity = "0..1", paramLabel = "ID", description = "The slot to remove.")
    String slotId;

    @Option(names = "--new-password-file", paramLabel = "FILE", description = "add: a passphrase slot, from FILE.")
    String newPasswordFile;

    @Option(names = "--new-password-command", paramLabel = "CMD", description = "add: a passphrase slot, from CMD's first line.")
    String newPasswordCommand;

    @Option(names = "--new-key-file", paramLabel = "FILE", description = "add: a key-file slot (FILE is made when missing).")
    String newKeyFile;

    @Option(names = "--new-kms-key-id", paramLabel = "KEY", description = "add: a slot wrapped by this AWS KMS key.")
    String newKmsKeyId;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() {
        String act = action.toLowerCase(Locale.ROOT);
        if (!List.of("list", "add", "remove").contains(act)) {
            throw usage("Cannot run key " + action + ": the action is list, add or remove");
        }
        if (act.equals("remove") == (slotId == null)) {
            throw usage(act.equals("remove") ? "Cannot remove a key slot: give its id (see 's3backup key list')"
                    : "Cannot run key " + act + ": it takes no slot id");
        }
        Output output = output();
        try (Repository repo = repoOptions.openRepository()) {
            RepositoryKeys keys = repo.keys().orElseThrow(() -> usage("Cannot run key " + act + " on " + repo.describe()
                    + ": the repository is not encrypted (it has no keys)"));
            switch (act) {
                case "list" -> list(repo, output);
                case "add" -> add(repo, keys, output);
                default -> remove(repo, output);
            }
        }
        return ExitCodes.OK;
    }

    private void list(Repository repo, Output output) {
        String current = repo.unlockedSlot().map(KeySlot::id).orElse("");
        List<KeySlot> slots = KeySlots.read(repo.store());
        metrics.put("keySlots", slots.size());
        if (json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (KeySlot s : slots) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", s.id());
                m.put("kind", kind(s));
                m.put("created", s.created().toString());
                m.put("description", s.describe());
                m.put("current", s.id().equals(current));
                rows.add(m);
            }
            output.out().println(Json.write(rows));
            return;
        }
        output.out().printf("  %-8s  %-10s  %-20s  %s%n", "ID", "KIND", "CREATED (UTC)", "DESCRIPTION");
        for (KeySlot s : slots) {
            output.out().printf("%s %-8s  %-10s  %-20s  %s%n", s.id().equals(current) ? "*" : " ", s.id(), kind(s),
                    s.created().truncatedTo(java.time.temporal.ChronoUnit.SECONDS), s.describe());
        }
    }

    private void add(Repository repo, RepositoryKeys keys, Output output) {
        int given = (newPasswordFile != null ? 1 : 0) + (newPasswordCommand != null ? 1 : 0) + (newKeyFile != null ? 1 : 0)
                + (newKmsKeyId != null ? 1 : 0);
        if (given > 1) {
            throw usage("Cannot add a key slot: give one of --new-password-file, --new-password-command, --new-key-file "
                    + "and --new-kms-key-id");
        }
        boolean newFile = KeyFiles.createIfMissing(newKeyFile, output);
        KeySource source = newSource(given == 0);
        KeySlot slot;
        try {
            slot = KeySlots.create(keys, repo.config().repositoryId(), source);
            KeySlots.write(repo.store(), slot);
        } catch (RuntimeException e) {
            if (newFile) {
                KeyFiles.removeUnused(newKeyFile);
            }
            throw e;
        }
        if (json) {
            output.out().println(Json.write(Map.of("added", Map.of("id", slot.id(), "kind", kind(slot)))));
        } else {
            output.out().println("Added key slot " + slot.id() + ": " + slot.describe());
        }
    }

    private KeySource newSource(boolean prompt) {
        if (newKmsKeyId != null) {
            return new KeySource(null, null, () -> S3Stores.kms(repoOptions), null, newKmsKeyId);
        }
        if (newKeyFile != null) {
            return new KeySource(() -> KeyOptions.readKeyFile(Path.of(newKeyFile)), null, null, null, null);
        }
        if (newPasswordFile != null) {
            return new KeySource(null, () -> KeyOptions.passphraseFromFile(Path.of(newPasswordFile)), null, null, null);
        }
        if (newPasswordCommand != null) {
            return new KeySource(null, () -> KeyOptions.passphraseFromCommand(newPasswordCommand), null, null, null);
        }
        java.util.function.Supplier<char[]> terminal = KeyOptions.terminalPrompt(true);
        if (!prompt || terminal == null) {
            throw usage("Cannot add a key slot: give --new-password-file, --new-password-command, --new-key-file or "
                    + "--new-kms-key-id (there is no terminal to ask for a passphrase)");
        }
        return new KeySource(null, null, null, terminal, null);
    }

    private void remove(Repository repo, Output output) {
        boolean current = repo.unlockedSlot().map(s -> s.id().equals(slotId)).orElse(false);
        KeySlots.remove(repo.store(), slotId);
        if (json) {
            output.out().println(Json.write(Map.of("removed", slotId)));
        } else {
            output.out().println("Removed key slot " + slotId);
        }
        if (current) {
            output.warn("the removed slot is the one this command was opened with: open the repository with another "
                    + "slot from now on");
        }
    }

    private static String kind(KeySlot slot) {
        return slot.kind().name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static BackupException usage(String message) {
        return new BackupException(Reason.INVALID_INPUT, message);
    }
}
