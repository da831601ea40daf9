package dev.s3backup.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3backup.core.BackupException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HyperDexBackupTest {
    @TempDir
    Path dir;

    @Test
    void readsTheRealThreeFieldLinesAndTheManualsTwoFieldOnes() throws Exception {
        Path a = Files.createDirectories(dir.resolve("a/backup-n"));
        Path b = Files.createDirectories(dir.resolve("b/backup-n"));
        List<HyperDexBackup.Server> real = HyperDexBackup.parse("hyperdex backup n", "n",
                "2513971005552193413 127.0.0.1 " + a + "\n7000000000000000001 10.9.9.9 /elsewhere/backup-n\n",
                ip -> ip.equals("127.0.0.1"));
        assertThat(real).containsExactly(new HyperDexBackup.Server("2513971005552193413", "127.0.0.1", a, true),
                new HyperDexBackup.Server("7000000000000000001", "10.9.9.9", Path.of("/elsewhere/backup-n"), false));
        List<HyperDexBackup.Server> manual = HyperDexBackup.parse("hyperdex backup n", "n", "1 " + a + "\n2 " + b + "\n",
                ip -> false);
        assertThat(manual).extracting(HyperDexBackup.Server::local).containsExactly(true, true);
        assertThatThrownBy(() -> HyperDexBackup.parse("x", "n", "1 127.0.0.1 " + a + " extra\n", ip -> true))
                .isInstanceOf(BackupException.class).hasMessageContaining("expected 'SERVER_ID IP /PATH'");
        assertThatThrownBy(() -> HyperDexBackup.parse("x", "n", "1 " + a + "\n1 " + b + "\n", ip -> true))
                .hasMessageContaining("listed twice");
    }

    @Test
    void cleanupAfterAFailureOnlyEverTouchesDirectoriesNamedForTheBackup() throws Exception {
        Path snap = Files.createDirectories(dir.resolve("data/backup-n"));
        Files.createDirectories(dir.resolve("data/other"));
        String out = "1 127.0.0.1 " + snap + "\n2 127.0.0.1 " + dir.resolve("data/other") + "\n3 " + dir + "\ngarbage /\n";
        assertThat(HyperDexBackup.snapshotDirsIn(out, "n")).containsExactly(snap);
    }

    @Test
    void theCoordinatorGoesBeforeTheNameAndIsCheckedBeforeItReachesAShell() {
        assertThat(new HyperDexBackup.Command("hyperdex", "10.0.0.1:1982", Duration.ofSeconds(1)).line("nightly"))
                .isEqualTo("hyperdex backup -h 10.0.0.1 -p 1982 nightly");
        assertThat(new HyperDexBackup.Command("hyperdex", null, Duration.ofSeconds(1)).line("nightly"))
                .isEqualTo("hyperdex backup nightly");
        for (String bad : List.of("host", "host:0", "host:99999", "a b:1", "$(reboot):1", "-x:1", ":1")) {
            assertThatThrownBy(() -> new HyperDexBackup.Command("hyperdex", bad, Duration.ofSeconds(1)))
                    .as(bad).isInstanceOf(BackupException.class).hasMessageContaining("HOST:PORT");
        }
    }

    @Test
    void loopbackAndThisHostsInterfacesAreLocalOtherAddressesAndNamesAreNot() {
        var local = HyperDexBackup.thisHostsAddresses();
        assertThat(local.test("127.0.0.1")).isTrue();
        assertThat(local.test("0.0.0.0")).isTrue();
        assertThat(local.test("192.0.2.10")).isFalse();
        assertThat(local.test("some-host-name")).isFalse();
    }
}
