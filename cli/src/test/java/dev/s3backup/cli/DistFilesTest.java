package dev.s3backup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The man pages and completion the packages install, generated from the commands. */
class DistFilesTest {
    @TempDir
    Path dir;

    @Test
    void aPagePerCommandWithItsOwnOptionsAndTheCompletion() throws IOException {
        DistFiles.main(new String[] {dir.toString(), "2026-12-06"});
        Path man = dir.resolve("share/man/man1");
        for (String page : new String[] {"s3backup", "s3backup-push", "s3backup-restore", "s3backup-lifecycle-check"}) {
            assertThat(man.resolve(page + ".1.gz")).as(page).exists();
        }
        try (var pages = Files.list(man)) {
            assertThat(pages.map(p -> p.getFileName().toString())).doesNotContain("s3backup-cds-training.1.gz",
                    "s3backup-help.1.gz");
        }
        String push = page(man.resolve("s3backup-push.1.gz"));
        assertThat(push).startsWith(".TH S3BACKUP-PUSH 1 \"2026-12-06\"")
                .contains(".SH NAME\ns3backup\\-push \\- Back up snapshot directories")
                .contains("\\fB\\-\\-storage\\-class\\fR=\\fICLASS\\fR")
                .contains(".SH EXIT STATUS");
        assertThat(page(man.resolve("s3backup-list.1.gz"))).doesNotContain("\\-\\-sse").contains("\\-\\-repo");
        assertThat(page(man.resolve("s3backup.1.gz"))).contains("See \\fBs3backup\\-push\\fR(1).");

        String bash = Files.readString(dir.resolve("share/bash-completion/completions/s3backup"));
        assertThat(bash).contains("complete -F").contains("push").contains("--storage-class")
                .doesNotContain("cds-training");
        assertThat(dir.resolve("share/s3backup/completion.zsh")).content()
                .contains("bashcompinit").contains("bash-completion/completions/s3backup");
    }

    private static String page(Path gz) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
