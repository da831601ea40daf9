package dev.s3backup.core.source;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.manifest.Node;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One thing to back up, as given on the command line: a node's data directory labelled with its
 * token ({@code TOKEN=DIR}, or {@code DIR} labelled with its own name), or a loose file such as
 * {@code coordinator.bin} that restores at the top of the target.
 *
 * @param token the node token, or the loose file's name
 */
public record Source(String token, Path path, boolean looseFile) {
    public Source {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(path, "path");
    }

    /** Parses {@code TOKEN=DIR}, {@code DIR} or {@code FILE}; the path must exist. */
    public static Source parse(String spec) {
        Path asPath = Path.of(spec);
        int eq = spec.indexOf('=');
        if (eq > 0 && !Files.exists(asPath, LinkOption.NOFOLLOW_LINKS)) {
            String token = spec.substring(0, eq);
            Path dir = Path.of(spec.substring(eq + 1));
            if (!Node.isValidToken(token)) {
                throw new BackupException(Reason.INVALID_INPUT, "Cannot use source '" + spec + "': node token '" + token
                        + "' must be letters, digits, '.', '_' or '-'");
            }
            if (!Files.isDirectory(dir)) {
                throw new BackupException(Reason.INVALID_INPUT, "Cannot read source '" + spec + "': "
                        + (Files.exists(dir) ? dir + " is not a directory" : "no such directory " + dir));
            }
            return new Source(token, dir, false);
        }
        if (!Files.exists(asPath, LinkOption.NOFOLLOW_LINKS)) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot read source '" + spec + "': no such file or directory");
        }
        Path name = asPath.toAbsolutePath().normalize().getFileName();
        String token = name == null ? "" : name.toString();
        // The source itself may be a link to a directory (a "current" snapshot link): the user named it.
        if (Files.isDirectory(asPath)) {
            if (!Node.isValidToken(token)) {
                throw new BackupException(Reason.INVALID_INPUT, "Cannot use source '" + spec + "': its name is not a valid node "
                        + "token; label it as TOKEN=" + spec);
            }
            return new Source(token, asPath, false);
        }
        if (!Files.isRegularFile(asPath, LinkOption.NOFOLLOW_LINKS)) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot use source '" + spec
                    + "': only directories and regular files can be sources");
        }
        if (!Node.isValidToken(token)) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot use source '" + spec + "': unsupported file name");
        }
        return new Source(token, asPath, true);
    }

    /** Refuses two sources that would restore to the same place. */
    public static void requireDistinct(List<Source> sources) {
        Set<String> seen = new HashSet<>();
        for (Source s : sources) {
            if (!seen.add(s.token())) {
                throw new BackupException(Reason.INVALID_INPUT, "Cannot back up two sources named '" + s.token()
                        + "': they would restore to the same place; label them TOKEN=DIR");
            }
        }
        if (sources.isEmpty()) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot push: no source given");
        }
    }
}
