package dev.s3backup.it.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * push, restore, verify, forget and gc through a {@link dev.s3backup.s3.testing.FaultProxy} at
 * 10 % faults in front of S3Proxy (see {@link FaultCampaign} for what is checked). The short
 * campaign runs in every build; the long one, at least 1,000 faulted operations, runs with
 * <pre>
 * mvn -B -o verify -pl it-tests -am -Dtest=FaultInjectionTest -Ds3backup.faults=long -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 * ({@code -Ds3backup.faults.operations=N} and {@code -Ds3backup.faults.seed=S} change the size
 * and the seed) and writes its tally to stdout and {@code it-tests/target/fault-campaign.txt}.
 */
class FaultInjectionTest {
    private static final long SEED = Long.getLong("s3backup.faults.seed", 1);

    @TempDir
    Path work;

    @Test
    void shortCampaignLosesNothing() throws IOException {
        check(new FaultCampaign(work, SEED).run(24), 24);
    }

    /** The same faults against an encrypted, compressed repository: sealing must not turn a retry into a loss. */
    @Test
    void shortCampaignOnAnEncryptedRepositoryLosesNothing() throws IOException {
        check(new FaultCampaign(work.resolve("encrypted"), SEED + 1, true).run(16), 16);
    }

    @Test
    @EnabledIfSystemProperty(named = "s3backup.faults", matches = "long")
    void longCampaignLosesNothing() throws IOException {
        int operations = Integer.getInteger("s3backup.faults.operations", 1000);
        long started = System.nanoTime();
        FaultCampaign.Tally tally = new FaultCampaign(work, SEED).run(operations);
        String report = "Fault campaign: seed " + SEED + ", fault rate " + FaultCampaign.RATE + ", "
                + (System.nanoTime() - started) / 1_000_000_000 + " s\n" + tally.format() + "\n";
        System.out.print(report);
        Files.writeString(Path.of("target", "fault-campaign.txt"), report, StandardCharsets.UTF_8);
        check(tally, operations);
    }

    private static void check(FaultCampaign.Tally tally, int operations) {
        System.out.println(tally.format());
        assertThat(tally.operations).isGreaterThanOrEqualTo(operations);
        assertThat(tally.faults.values().stream().mapToLong(Long::longValue).sum()).as("faults were injected").isPositive();
        assertThat(tally.problems).as(tally.format()).isEmpty();
        assertThat(tally.lostOrCorruptRestores).isZero();
        assertThat(tally.manifestsWithMissingChunks).isZero();
        assertThat(tally.badFailures).isZero();
        assertThat(tally.retriesReported).as("retries appear in the summaries").isPositive();
        assertThat(tally.restoresCompared).isPositive();
        assertThat(tally.backupsCheckedAtEnd).isPositive();
    }
}
