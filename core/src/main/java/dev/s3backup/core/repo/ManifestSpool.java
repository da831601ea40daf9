package dev.s3backup.core.repo;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.time.Instant;
import java.util.function.LongPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Local manifest files in a temporary directory: a push's spool, a restore's downloaded copy.
 * Their names carry the creating process's pid ({@code s3backup-manifest-<pid>-<random>.tmp}),
 * so that the next one created can remove the leftovers of killed processes (SIGKILL skips every
 * {@code finally}) without touching a file still in use.
 */
public final class ManifestSpool {

    static final String PREFIX = "s3backup-manifest-";
    static final String SUFFIX = ".tmp";
    /**
     * A leftover is removed only when it is also this old: a pid that looks dead may belong to a
     * process in another pid namespace (a container) sharing the directory.
     */
    static final Duration MIN_AGE = Duration.ofHours(1);
    private static final Pattern NAME = Pattern.compile(Pattern.quote(PREFIX) + "(\\d+)-\\d+" + Pattern.quote(SUFFIX));

    private ManifestSpool() {
    }

    /** Creates an empty manifest file in {@code dir}, then removes leftovers there (never failing for them). */
    public static Path create(Path dir) throws IOException {
        Path file = Files.createTempFile(dir, PREFIX + ProcessHandle.current().pid() + "-", SUFFIX);
        removeLeftovers(dir, file, Instant.now(), ManifestSpool::isAlive);
        return file;
    }

    /**
     * Deletes manifest files in {@code dir} whose pid is not alive, last modified before
     * {@code now - MIN_AGE} and owned by the owner of {@code own} (this process's fresh file, so
     * other users' files are left alone). Errors are swallowed: cleaning must not fail a command.
     *
     * @return how many files were deleted
     */
    static int removeLeftovers(Path dir, Path own, Instant now, LongPredicate alive) {
        int removed = 0;
        Instant cutoff = now.minus(MIN_AGE);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, PREFIX + "*" + SUFFIX)) {
            UserPrincipal owner = Files.getOwner(own, LinkOption.NOFOLLOW_LINKS);
            for (Path file : files) {
                Matcher name = NAME.matcher(file.getFileName().toString());
                if (file.equals(own) || !name.matches()) {
                    continue;
                }
                try {
                    long pid = Long.parseLong(name.group(1));
                    BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    if (attrs.isRegularFile() && attrs.lastModifiedTime().toInstant().isBefore(cutoff)
                            && !alive.test(pid) && owner.equals(Files.getOwner(file, LinkOption.NOFOLLOW_LINKS))
                            && Files.deleteIfExists(file)) {
                        removed++;
                    }
                } catch (IOException | RuntimeException e) {
                    // another process removed it, or it is not ours to remove: leave it
                }
            }
        } catch (IOException | RuntimeException e) {
            // an unreadable temporary directory only means nothing is cleaned this time
        }
        return removed;
    }

    private static boolean isAlive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
