package dev.s3backup.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPOutputStream;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Writes the files the packages install beside the jar, from the commands themselves so they never
 * drift from the help: a man page per command (share/man/man1/s3backup-push.1.gz ...) and the bash
 * completion, which zsh loads through bashcompinit. Run by the build (cli/pom.xml, package phase).
 */
final class DistFiles {
    private DistFiles() {
    }

    /** @param args the directory to write share/ into, and the date the pages name */
    public static void main(String[] args) throws IOException {
        Path root = Path.of(args[0]);
        String date = args.length > 1 ? args[1] : java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
        CommandLine cl = Main.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        cl.setUsageHelpAutoWidth(false);
        cl.setUsageHelpWidth(78);
        cl.setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));

        Path man = Files.createDirectories(root.resolve("share/man/man1"));
        for (CommandLine c : commands(cl)) {
            String page = pageName(c.getCommandSpec());
            try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(man.resolve(page + ".1.gz")))) {
                out.write(manPage(c, date).getBytes(StandardCharsets.UTF_8));
            }
        }
        Path bash = Files.createDirectories(root.resolve("share/bash-completion/completions"));
        Files.writeString(bash.resolve("s3backup"), AutoComplete.bash("s3backup", cl));
        // zsh runs the bash completion through its compatibility layer; sourced from .zshrc.
        Path zsh = Files.createDirectories(root.resolve("share/s3backup"));
        Files.writeString(zsh.resolve("completion.zsh"), """
                # s3backup completion for zsh: add 'source /usr/share/s3backup/completion.zsh' to ~/.zshrc
                # (or the share/s3backup/completion.zsh of an unpacked tarball).
                autoload -U +X compinit && compinit
                autoload -U +X bashcompinit && bashcompinit
                source "${${(%):-%x}:A:h}/../bash-completion/completions/s3backup"
                """);
    }

    /** The root and every visible command under it, parents first. */
    static List<CommandLine> commands(CommandLine root) {
        List<CommandLine> all = new ArrayList<>(List.of(root));
        for (int i = 0; i < all.size(); i++) {
            for (CommandLine sub : all.get(i).getSubcommands().values()) {
                if (!sub.getCommandSpec().usageMessage().hidden() && !(sub.getCommand() instanceof CommandLine.HelpCommand)
                        && !all.contains(sub)) {
                    all.add(sub);
                }
            }
        }
        return all;
    }

    static String pageName(CommandSpec spec) {
        return spec.qualifiedName("-");
    }

    static String manPage(CommandLine c, String date) {
        CommandSpec spec = c.getCommandSpec();
        String name = pageName(spec);
        String[] description = spec.usageMessage().description();
        StringBuilder m = new StringBuilder();
        m.append(".TH ").append(name.toUpperCase(Locale.ROOT)).append(" 1 \"").append(date).append("\" \"s3backup ")
                .append(S3BackupCommand.version()).append("\" \"s3backup Manual\"\n");
        m.append(".nh\n.ad l\n"); // no hyphenation, ragged right: option names and paths stay whole
        m.append(".SH NAME\n").append(escape(name)).append(" \\- ")
                .append(escape(text(description[0]).replaceAll("\\.$", ""))).append('\n');
        m.append(".SH SYNOPSIS\n.nf\n").append(escape(c.getHelp().synopsis(0).stripTrailing())).append("\n.fi\n");
        m.append(".SH DESCRIPTION\n");
        paragraphs(m, List.of(description));
        List<CommandLine> subs = commands(c).subList(1, commands(c).size()).stream()
                .filter(s -> s.getParent() == c).toList();
        if (!subs.isEmpty()) {
            m.append(".SH COMMANDS\n");
            for (CommandLine s : subs) {
                m.append(".TP\n\\fB").append(escape(s.getCommandName())).append("\\fR\n")
                        .append(escape(text(s.getCommandSpec().usageMessage().description()[0])))
                        .append(" See \\fB").append(escape(pageName(s.getCommandSpec()))).append("\\fR(1).\n");
            }
        }
        m.append(".SH OPTIONS\n");
        for (PositionalParamSpec p : spec.positionalParameters()) {
            if (!p.hidden()) {
                m.append(".TP\n\\fI").append(escape(p.paramLabel())).append("\\fR\n")
                        .append(escape(text(String.join(" ", p.description())))).append('\n');
            }
        }
        for (OptionSpec o : spec.options()) {
            if (!o.hidden()) {
                StringBuilder names = new StringBuilder();
                for (String n : o.names()) {
                    names.append(names.isEmpty() ? "" : ", ").append("\\fB").append(escape(n)).append("\\fR");
                }
                if (o.arity().max() > 0) {
                    names.append("=\\fI").append(escape(o.paramLabel())).append("\\fR");
                }
                m.append(".TP\n").append(names).append('\n')
                        .append(escape(text(String.join(" ", o.description())))).append('\n');
            }
        }
        m.append(".SH EXIT STATUS\n.nf\n");
        for (String line : ExitCodes.HELP_FOOTER.strip().lines().skip(1).toList()) {
            m.append(escape(line.strip())).append('\n');
        }
        m.append(".fi\n.SH SEE ALSO\n");
        m.append(c.getParent() == null ? "The README and docs/ of the s3backup sources." : "\\fBs3backup\\fR(1)").append('\n');
        return m.toString();
    }

    /** Paragraphs after the summary; lines laid out by hand (two leading spaces) stay as they are. */
    private static void paragraphs(StringBuilder m, List<String> description) {
        boolean preformatted = false;
        m.append(escape(text(description.get(0)))).append('\n');
        for (String d : description.subList(1, description.size())) {
            boolean example = d.startsWith("  ");
            if (example != preformatted) {
                m.append(example ? ".PP\n.nf\n.RS 4\n" : ".RE\n.fi\n");
                preformatted = example;
            }
            if (d.isBlank()) {
                if (!preformatted) {
                    m.append(".PP\n");
                }
            } else {
                m.append(escape(example ? text(d).substring(2) : text(d))).append('\n');
            }
        }
        if (preformatted) {
            m.append(".RE\n.fi\n");
        }
    }

    /** The text as help shows it: picocli's format escapes resolved. */
    private static String text(String s) {
        return s.replace("%n", " ").replace("%%", "%");
    }

    /** Escapes for roff: backslashes, hyphens of options, and a leading dot or quote. */
    static String escape(String s) {
        StringBuilder b = new StringBuilder();
        for (String line : s.split("\n", -1)) {
            if (!b.isEmpty()) {
                b.append('\n');
            }
            String e = line.replace("\\", "\\e").replace("-", "\\-");
            if (e.startsWith(".") || e.startsWith("'")) {
                e = "\\&" + e;
            }
            b.append(e);
        }
        return b.toString();
    }
}
