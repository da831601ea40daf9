package dev.s3backup.manifest.testing;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.TestInfo;

/**
 * Runs a property as plain JUnit: many tries, each with its own {@link SplittableRandom} derived
 * from one base seed, the property's name and the try's index, so that any try can be replayed
 * alone. The base seed is printed; a failure names it and the try.
 *
 * <ul>
 *   <li>{@code -Ds3backup.fuzz.seed=N}: the base seed (default: a new one each run, the same for
 *       every property of that run);</li>
 *   <li>{@code -Ds3backup.fuzz.tries=N}: tries per property (default: the test's own);</li>
 *   <li>{@code -Ds3backup.fuzz.try=I}: only try I (with the failing run's seed, replays it).</li>
 * </ul>
 *
 * Shared with core's tests through this module's test-jar.
 */
public final class Fuzz {
    public static final String SEED_PROPERTY = "s3backup.fuzz.seed";
    public static final String TRIES_PROPERTY = "s3backup.fuzz.tries";
    public static final String ONE_TRY_PROPERTY = "s3backup.fuzz.try";
    /** One base seed for every property of the run, so that the printed value replays any of them. */
    private static final long SEED = Long.getLong(SEED_PROPERTY, new SplittableRandom().nextLong() & Long.MAX_VALUE);

    /** One try: checks the property for inputs drawn from {@code random}; any throwable fails it. */
    @FunctionalInterface
    public interface Try {
        void run(SplittableRandom random, Tally tally) throws Exception;
    }

    private Fuzz() {
    }

    public static void check(TestInfo test, int defaultTries, Try body) {
        String name = test.getTestClass().map(Class::getSimpleName).orElse("?") + "#"
                + test.getTestMethod().map(java.lang.reflect.Method::getName).orElse(test.getDisplayName());
        long seed = SEED;
        Long oneTry = Long.getLong(ONE_TRY_PROPERTY);
        long first = oneTry == null ? 0 : oneTry;
        long end = oneTry == null ? Long.getLong(TRIES_PROPERTY, defaultTries) : oneTry + 1;
        System.out.printf("[fuzz] %s: seed %d, tries %d..%d (-D%s=%d repeats this run)%n",
                name, seed, first, end - 1, SEED_PROPERTY, seed);
        Tally tally = new Tally();
        long started = System.nanoTime();
        for (long i = first; i < end; i++) {
            try {
                body.run(new SplittableRandom(trySeed(seed, name, i)), tally);
            } catch (Throwable e) {
                throw new AssertionError(String.format("%s failed at try %d of seed %d; replay it alone with "
                        + "-Dtest='%s' -D%s=%d -D%s=%d%n%s", name, i, seed, name, SEED_PROPERTY, seed,
                        ONE_TRY_PROPERTY, i, e), e);
            }
        }
        System.out.printf("[fuzz] %s: %d tries passed in %.1f s%s%n", name, end - first,
                (System.nanoTime() - started) / 1e9, tally);
    }

    private static final long[] LONG_EDGES = {0, 1, -1, 2, -2, Integer.MAX_VALUE, Integer.MIN_VALUE,
            Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - 1, Long.MIN_VALUE + 1};

    /**
     * Any long, with the values a uniform draw would practically never give taken on purpose:
     * 1 in 8 an edge (0, ±1, ±2, int and long limits), 1 in 8 a small number.
     */
    public static long edgyLong(SplittableRandom random) {
        return switch (random.nextInt(8)) {
            case 0 -> LONG_EDGES[random.nextInt(LONG_EDGES.length)];
            case 1 -> random.nextLong(-1000, 1001);
            default -> random.nextLong();
        };
    }

    @SafeVarargs
    public static <T> T oneOf(SplittableRandom random, T... choices) {
        return choices[random.nextInt(choices.length)];
    }

    /** Distinct per property and try; mix64 is a bijection, so no two tries of a property share a seed. */
    public static long trySeed(long seed, String property, long index) {
        return mix64(mix64(seed ^ mix64(property.hashCode())) + index);
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Counts of what the tries reached, printed after the run (how deep the inputs got). */
    public static final class Tally {
        private final Map<String, Map<String, Long>> counts = new LinkedHashMap<>();

        public void count(String label, Object value) {
            counts.computeIfAbsent(label, k -> new TreeMap<>()).merge(String.valueOf(value), 1L, Long::sum);
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder();
            counts.forEach((label, values) -> {
                long total = values.values().stream().mapToLong(Long::longValue).sum();
                s.append(String.format("%n  %s:", label));
                values.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
                        .forEach(v -> s.append(String.format("%n    %6.2f %% (%d) %s",
                                100.0 * v.getValue() / total, v.getValue(), v.getKey())));
            });
            return s.toString();
        }
    }
}
