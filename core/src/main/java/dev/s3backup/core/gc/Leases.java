package dev.s3backup.core.gc;

import dev.s3backup.core.store.ObjectInfo;
import dev.s3backup.core.store.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The push leases one gc run found, and what they kept it from deleting. A lease is live while its
 * newest record is younger than the lease TTL (store time) and its push is not known dead; a
 * live lease spares every unreferenced chunk written since its push began, less the clock margin
 * (liveness only: docs/RETENTION.md). One GET per lease that is not expired, to learn its process.
 */
final class Leases {
    /** What one lease kept gc from deleting. */
    private static final class Held {
        long chunks;
        long bytes;
    }

    /** One push's lease records: when it began, when it was last refreshed, and whose it is. */
    private record Span(String push, Instant first, Instant newest, List<String> keys) {
    }

    private final List<Span> spans;
    private final Map<String, GcResult.LeaseState> states = new TreeMap<>();
    private final Map<String, PushProcess> processes = new TreeMap<>();
    private final Map<String, Held> held = new TreeMap<>();
    private final Instant storeNow;
    private final GcProtocol.Timing timing;
    private long chunksHeld;
    private long bytesHeld;

    private Leases(List<Span> spans, Instant storeNow, GcProtocol.Timing timing) {
        this.spans = spans;
        this.storeNow = storeNow;
        this.timing = timing;
    }

    /** Lists the leases and reads the process of each one that has not expired. */
    static Leases read(ObjectStore store, Instant storeNow, GcProtocol.Timing timing, String thisHost) {
        Map<String, Span> byPush = new TreeMap<>();
        for (ObjectInfo l : GcProtocol.listAll(store, GcProtocol.LEASES)) {
            String rest = l.key().substring(GcProtocol.LEASES.length());
            int slash = rest.indexOf('/');
            String push = slash < 0 ? rest : rest.substring(0, slash);
            Span s = byPush.get(push);
            if (s == null) {
                s = new Span(push, l.lastModified(), l.lastModified(), new ArrayList<>());
            } else {
                s = new Span(push, min(s.first(), l.lastModified()), max(s.newest(), l.lastModified()), s.keys());
            }
            s.keys().add(l.key());
            byPush.put(push, s);
        }
        Leases leases = new Leases(List.copyOf(byPush.values()), storeNow, timing);
        for (Span s : leases.spans) {
            if (s.newest().isBefore(storeNow.minus(timing.leaseTtl()))) {
                leases.states.put(s.push(), GcResult.LeaseState.EXPIRED);
                continue;
            }
            Optional<PushProcess> process = leases.process(store, s);
            process.ifPresent(p -> leases.processes.put(s.push(), p));
            boolean dead = process.map(p -> p.knownDeadFrom(thisHost)).orElse(false);
            leases.states.put(s.push(), dead ? GcResult.LeaseState.DEAD : GcResult.LeaseState.LIVE);
        }
        return leases;
    }

    /** The process a lease names; empty when it cannot be read (then the lease simply holds). */
    private Optional<PushProcess> process(ObjectStore store, Span s) {
        try (InputStream in = store.get(s.keys().get(0))) {
            return PushProcess.parse(new String(in.readNBytes(4096), StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Whether the push of this lease id is known dead (its host is this one and its process is gone). */
    boolean knownDead(String push) {
        return states.get(push) == GcResult.LeaseState.DEAD;
    }

    /** Pushes whose lease holds gc. */
    int live() {
        return (int) states.values().stream().filter(s -> s == GcResult.LeaseState.LIVE).count();
    }

    /** The grace cutoff, moved back to the start of every live push (less the clock margin). */
    Instant cutoff(Instant graceCutoff) {
        Instant cutoff = graceCutoff;
        for (Span s : spans) {
            if (states.get(s.push()) == GcResult.LeaseState.LIVE) {
                cutoff = min(cutoff, holdsSince(s));
            }
        }
        return cutoff;
    }

    private Instant holdsSince(Span s) {
        return s.first().minus(timing.clockMargin());
    }

    /**
     * Counts an unreferenced chunk that the grace period alone would have let gc delete but the
     * cutoff did not: for each live lease that holds it.
     */
    void spared(Instant lastModified, long size) {
        chunksHeld++;
        bytesHeld += size;
        for (Span s : spans) {
            if (states.get(s.push()) == GcResult.LeaseState.LIVE && !lastModified.isBefore(holdsSince(s))) {
                Held h = held.computeIfAbsent(s.push(), k -> new Held());
                h.chunks++;
                h.bytes += size;
            }
        }
    }

    long chunksHeld() {
        return chunksHeld;
    }

    long bytesHeld() {
        return bytesHeld;
    }

    /** Every lease found, oldest push first, with what it held. */
    List<GcResult.Lease> report() {
        List<GcResult.Lease> report = new ArrayList<>();
        spans.stream().sorted((a, b) -> a.first().compareTo(b.first())).forEach(s -> {
            PushProcess p = processes.get(s.push());
            Held h = held.getOrDefault(s.push(), new Held());
            report.add(new GcResult.Lease(s.push(), p == null ? null : p.host(), p == null ? -1 : p.pid(),
                    Duration.between(s.first(), storeNow), Duration.between(s.newest(), storeNow),
                    states.get(s.push()), h.chunks, h.bytes));
        });
        return report;
    }

    /** Records of leases expired for longer than the margin: no push can still be refreshing them. */
    List<String> expiredKeys() {
        Instant dead = storeNow.minus(timing.leaseTtl()).minus(timing.clockMargin());
        List<String> keys = new ArrayList<>();
        for (Span s : spans) {
            if (s.newest().isBefore(dead)) {
                keys.addAll(s.keys());
            }
        }
        return keys;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
