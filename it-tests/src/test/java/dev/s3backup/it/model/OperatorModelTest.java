package dev.s3backup.it.model;

import dev.s3backup.it.Backend;
import dev.s3backup.it.FileBackend;
import dev.s3backup.it.S3Backend;
import dev.s3backup.s3.testing.S3TestServers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stateful model-based test of operator workflows: seeded random sequences of source changes,
 * pushes (plain, failing, interrupted, stopped by SIGINT or SIGKILL in a CLI child JVM), backup
 * set parts from several hosts, forget, gc, verify, drill and restore, with the model's checks
 * after every step (see {@link Operations}). docs/TESTING.md describes it, docs/RELIABILITY.md
 * has the long run's figures.
 *
 * <p>The short run (every build): six sequences of 24 steps, every third on S3Proxy,
 * the others on file://, without the known open bugs ({@link Operations#KNOWN_OPEN}). The long run:
 * {@code -Ds3backup.model=long} ({@code -Ds3backup.model.sequences=N}, default 200;
 * {@code -Ds3backup.model.steps=M}, default 30). {@code -Ds3backup.model.seed=S} sets the base
 * seed (default: fixed for the short run, a new one for the long run; printed); {@code -Ds3backup.model.sequence=I} runs only
 * sequence I of that seed. A failure prints the seed, the sequence and the trace of its steps.
 * Every second sequence runs on an encrypted, compressed repository (a key file; the CLI pushes
 * too); {@code -Ds3backup.model.encrypted=every} or {@code =none} makes them all one kind.
 */
class OperatorModelTest {
    private static final boolean LONG = "long".equals(System.getProperty("s3backup.model"));
    private static final int SEQUENCES = Integer.getInteger("s3backup.model.sequences", LONG ? 200 : 6);
    private static final int STEPS = Integer.getInteger("s3backup.model.steps", LONG ? 30 : 24);
    /**
     * The short run of every build uses a fixed seed, so a build's outcome depends on the code
     * only; the long run explores a new seed each time (and prints it).
     */
    private static final long SEED = Long.getLong("s3backup.model.seed",
            "long".equals(System.getProperty("s3backup.model")) ? new SplittableRandom().nextLong() : 20_261_206L);
    private static final Integer ONLY = Integer.getInteger("s3backup.model.sequence");

    @TempDir
    Path dir;
    private int stepsDone;
    private final Map<String, Integer> commands = new TreeMap<>();

    @Test
    void everyListedBackupRestoresToWhatItsPushSaw() {
        System.out.printf("[model] seed %d, %d sequence(s) x %d steps (-Ds3backup.model.seed=%d repeats this run)%n",
                SEED, SEQUENCES, STEPS, SEED);
        Path report = Path.of("target", "model-campaign.txt");
        List<String> failures = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < SEQUENCES; i++) {
            if (ONLY != null && ONLY != i) {
                continue;
            }
            String failure = sequence(i);
            if (failure != null) {
                failures.add(failure);
                System.out.println(failure);
                if (!LONG) {
                    break;
                }
            }
        }
        Map<String, Integer> kinds = new TreeMap<>();
        for (String f : failures) {
            String what = f.substring(f.indexOf("AssertionError: ") + 16).lines().findFirst().orElse("")
                    .replaceAll("[0-9]{8}T[0-9.]+Z-[0-9a-f]+|[0-9a-f]{2}/[0-9a-f]{64}|[0-9a-f]{16,}|[0-9:.TZ-]{20,}|[0-9]+", "#");
            kinds.merge(what.substring(0, Math.min(110, what.length())), 1, Integer::sum);
        }
        StringBuilder sb = new StringBuilder(String.format("[model] seed %d: %d sequence(s), %d steps, %d failed, %.0f s%n",
                SEED, ONLY == null ? SEQUENCES : 1, stepsDone, failures.size(), (System.nanoTime() - start) / 1e9));
        commands.forEach((k, n) -> sb.append(String.format("  %6d %s%n", n, k)));
        kinds.forEach((k, n) -> sb.append(String.format("  %4d x %s%n", n, k)));
        String tally = sb.toString();
        System.out.print(tally);
        try {
            Files.createDirectories(report.getParent());
            Files.writeString(report, tally + String.join("\n\n", failures) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!failures.isEmpty()) {
            throw new AssertionError(failures.size() + " sequence(s) failed; the first:\n" + failures.get(0));
        }
    }

    /** Runs one sequence; returns its failure report, or null. */
    private String sequence(int index) {
        long seed = new SplittableRandom(SEED + index).nextLong();
        boolean s3 = index % 3 == 2;
        Backend backend = s3 ? s3Proxy() : new FileBackend(mkdirs(dir.resolve("repos")));
        Path work = mkdirs(dir.resolve("seq-" + index));
        List<String> trace = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(seed);
        boolean encrypted = switch (System.getProperty("s3backup.model.encrypted", "alternate")) {
            case "every" -> true;
            case "none" -> false;
            default -> index % 2 == 1;
        };
        Operations ops = new Operations(backend, work, random, trace, commands, true, encrypted);
        if (encrypted) {
            trace.add("(an encrypted, compressed repository)");
        }
        int step = 0;
        try {
            for (; step < STEPS; step++) {
                stepsDone++;
                ops.step(step);
            }
            ops.checkAll();
            return null;
        } catch (AssertionError | RuntimeException e) {
            StringBuilder sb = new StringBuilder();
            sb.append("[model] FAILED at step ").append(step).append(" of sequence ").append(index).append(" on ")
                    .append(backend.name()).append(" (").append(ops.repoUrl()).append("): ").append(e)
                    .append("\n  replay: -Ds3backup.model.seed=").append(SEED).append(" -Ds3backup.model.sequence=")
                    .append(index).append(" -Ds3backup.model.steps=").append(STEPS).append("\n  trace:\n");
            trace.forEach(line -> sb.append("    ").append(line).append('\n'));
            return sb.toString();
        } finally {
            ops.close();
            SourceModel.deleteTree(work);
        }
    }

    private static Backend s3Proxy() {
        S3TestServers.Server server = S3TestServers.s3Proxy();
        return new S3Backend("s3proxy", server.endpoint(), server.region(), "model", server.accessKey(),
                server.secretKey(), server.options("model"));
    }

    private static Path mkdirs(Path p) {
        try {
            return Files.createDirectories(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
