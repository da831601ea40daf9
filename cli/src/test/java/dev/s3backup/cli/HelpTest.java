package dev.s3backup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** The help of every command reads well at the terminal's width: nothing pre-wrapped, cut or offered in vain. */
class HelpTest {
    private static final Set<String> WRITERS = Set.of("init", "push", "gc", "verify", "backup-sets", "doctor", "key");

    /** Options that act only where a command writes objects or uploads chunks, and the commands that do. */
    private static final Map<String, Set<String>> WRITE_ONLY = Map.of(
            "--sse", WRITERS,
            "--sse-kms-key-id", WRITERS,
            "--storage-class", Set.of("push"),
            "--limit-upload", Set.of("push"));

    @ParameterizedTest
    @ValueSource(ints = {80, 120})
    void everyLineFitsTheWidthAndNoWordIsCut(int width) {
        for (CommandLine c : visibleCommands(commandLine(width))) {
            List<String> lines = c.getUsageMessage().lines().toList();
            String name = c.getCommandSpec().qualifiedName();
            String source = String.join(" ", texts(c.getCommandSpec())).replace("%%", "%");
            // the synopsis breaks between options, never inside one's [brackets]
            for (String line : lines.subList(0, Math.max(1, lines.indexOf(c.getCommandSpec().usageMessage().description()[0])))) {
                assertThat(line.chars().filter(ch -> ch == '[').count()).as(name + " at " + width + ": " + line)
                        .isEqualTo(line.chars().filter(ch -> ch == ']').count());
            }
            for (int i = 0; i < lines.size(); i++) {
                assertThat(lines.get(i).length()).as(name + " at " + width + ": " + lines.get(i)).isLessThanOrEqualTo(width);
                if (i + 1 < lines.size()) {
                    assertThat(cutInsideAWord(source, lines.get(i), lines.get(i + 1)))
                            .as(name + " at " + width + ":\n" + lines.get(i) + "\n" + lines.get(i + 1)).isFalse();
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {80, 120})
    void everySummaryInTheCommandListIsOneLine(int width) {
        for (CommandLine c : visibleCommands(commandLine(width))) {
            if (c.getSubcommands().isEmpty()) {
                continue;
            }
            List<String> lines = c.getUsageMessage().lines().toList();
            int start = lines.indexOf("Commands:");
            assertThat(start).as(c.getCommandName()).isPositive();
            List<String> entries = new ArrayList<>();
            for (String line : lines.subList(start + 1, lines.size())) {
                if (line.isBlank()) {
                    break;
                }
                assertThat(line).as(c.getCommandName() + " at " + width + ": a summary continues").matches("  \\S.*");
                entries.add(line.trim().split(" ")[0]);
            }
            assertThat(entries).as(c.getCommandName()).hasSameSizeAs(
                    c.getSubcommands().values().stream().filter(s -> !s.getCommandSpec().usageMessage().hidden()).toList());
        }
    }

    @Test
    void everyCommandOffersOnlyTheOptionsThatActInIt() {
        for (CommandLine c : visibleCommands(commandLine(80))) {
            String command = c.getCommandName();
            for (OptionSpec o : c.getCommandSpec().options()) {
                Set<String> where = WRITE_ONLY.get(o.longestName());
                if (where != null) {
                    assertThat(where).as(command + " offers " + o.longestName()).contains(command);
                }
            }
        }
        // and the commands that write do take them
        CommandLine root = commandLine(80);
        assertThat(root.getSubcommands().get("push").getCommandSpec().findOption("--storage-class")).isNotNull();
        assertThat(root.getSubcommands().get("init").getCommandSpec().findOption("--sse")).isNotNull();
        assertThat(root.getSubcommands().get("list").getCommandSpec().findOption("--sse")).isNull();
        assertThat(root.getSubcommands().get("restore").getCommandSpec().findOption("--limit-upload")).isNull();
    }

    @Test
    void noDescriptionIsWrappedByHand() {
        for (CommandLine c : visibleCommands(commandLine(80))) {
            if (c.getCommand() instanceof CommandLine.HelpCommand) {
                continue; // picocli's own text
            }
            CommandSpec spec = c.getCommandSpec();
            for (String text : texts(spec)) {
                String where = spec.qualifiedName() + ": \"" + text + "\"";
                assertThat(text).as(where).doesNotContain("\n").doesNotContain("%n");
                if (text.startsWith("  ")) {
                    // an example, laid out by hand: it must fit the narrowest help unwrapped
                    assertThat(text.length()).as(where).isLessThanOrEqualTo(78);
                } else if (!text.isBlank()) {
                    assertThat(text).as(where + " ends mid-sentence").matches("(?s).*[.:)?]");
                }
            }
            String summary = spec.usageMessage().description().length == 0 ? "" : spec.usageMessage().description()[0];
            assertThat(summary).as(spec.qualifiedName() + ": the summary is one short sentence").matches("[A-Z][^\n]{0,64}\\.");
        }
    }

    @Test
    void theWidthFollowsTheTerminal() {
        for (CommandLine c : visibleCommands(Main.commandLine(new PrintWriter(new StringWriter()),
                new PrintWriter(new StringWriter())))) {
            assertThat(c.isUsageHelpAutoWidth()).as(c.getCommandName()).isTrue();
        }
    }

    /**
     * Whether the help broke a line inside what its text writes as one word, such as "s3://" or
     * "~/.aws/config" (a break after a word's own hyphen is the usual one, and allowed).
     */
    private static boolean cutInsideAWord(String source, String line, String next) {
        String[] ends = line.stripTrailing().split(" ");
        String[] starts = next.stripLeading().split(" ");
        String end = ends[ends.length - 1];
        String start = starts[0];
        if (end.isEmpty() || start.isEmpty() || end.matches(".*[A-Za-z0-9]-")) {
            return false;
        }
        return source.contains(end + start) && !source.contains(end + " " + start);
    }

    /** Everything a command's help says in prose, as its annotations give it. */
    private static List<String> texts(CommandSpec spec) {
        List<String> texts = new ArrayList<>(List.of(spec.usageMessage().description()));
        spec.options().forEach(o -> texts.addAll(List.of(o.description())));
        spec.positionalParameters().forEach(p -> texts.addAll(List.of(p.description())));
        return texts;
    }

    private static CommandLine commandLine(int width) {
        CommandLine cl = Main.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        cl.setUsageHelpAutoWidth(false);
        cl.setUsageHelpWidth(width);
        return cl;
    }

    private static List<CommandLine> visibleCommands(CommandLine root) {
        List<CommandLine> all = new ArrayList<>();
        all.add(root);
        for (int i = 0; i < all.size(); i++) {
            all.get(i).getSubcommands().values().stream()
                    .filter(s -> !s.getCommandSpec().usageMessage().hidden())
                    .filter(s -> !all.contains(s))
                    .forEach(all::add);
        }
        return all;
    }
}
