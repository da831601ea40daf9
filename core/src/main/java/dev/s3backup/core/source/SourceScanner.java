package dev.s3backup.core.source;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.manifest.EntryType;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Walks sources in a stable order (sorted by name, depth first) without following symbolic
 * links. Special files are skipped and reported through the warning callback, and so is an
 * entry removed between its directory's listing and its stat (an LSM store deleting an obsolete
 * file), once a second stat confirms it is gone. Any other failure to list a directory or stat
 * an entry fails the scan naming it (permission denied: {@link Reason#INVALID_INPUT}, else
 * {@link Reason#IO}), because a backup that silently lacks files is worse than none.
 */
public final class SourceScanner {
    /** Reads an entry's attributes without following a link; a seam for tests. */
    interface Stat {
        BasicFileAttributes read(Path path) throws IOException;
    }

    private final Consumer<String> warnings;
    private final Stat stat;

    public SourceScanner(Consumer<String> warnings) {
        this(warnings, p -> Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
    }

    SourceScanner(Consumer<String> warnings, Stat stat) {
        this.warnings = warnings;
        this.stat = stat;
    }

    public List<SourceFile> scan(List<Source> sources) {
        SourceFiles files = new SourceFiles();
        for (Source source : sources) {
            files.startSource(source);
            if (source.looseFile()) {
                files.add(new SourceFile("", source.token(), source.path(), EntryType.FILE, sizeOf(source.path())));
            } else {
                walk(source, source.path(), "", files);
            }
        }
        return files;
    }

    private void walk(Source source, Path dir, String relative, List<SourceFile> out) {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            stream.forEach(children::add);
        } catch (IOException e) {
            throw failure("directory " + dir, e);
        } catch (DirectoryIteratorException e) {
            throw failure("directory " + dir, e.getCause());
        }
        children.sort(null);
        for (Path child : children) {
            String name = child.getFileName().toString();
            String childRelative = relative.isEmpty() ? name : relative + "/" + name;
            BasicFileAttributes attrs = attributes(child);
            if (attrs == null) {
                warnings.accept("skipped " + child + ": it was removed before it could be read");
                continue;
            }
            if (attrs.isSymbolicLink()) {
                out.add(new SourceFile(source.token(), childRelative, child, EntryType.SYMLINK, 0));
            } else if (attrs.isDirectory()) {
                out.add(new SourceFile(source.token(), childRelative, child, EntryType.DIRECTORY, 0));
                walk(source, child, childRelative, out);
            } else if (attrs.isRegularFile()) {
                out.add(new SourceFile(source.token(), childRelative, child, EntryType.FILE, attrs.size()));
            } else {
                warnings.accept("skipped special file " + child + " (devices, sockets and FIFOs are not backed up)");
            }
        }
    }

    /** The entry's attributes, or null when it was removed since its directory was listed. */
    private BasicFileAttributes attributes(Path entry) {
        try {
            try {
                return stat.read(entry);
            } catch (NoSuchFileException e) {
                // Gone, or was it? A second look tells a removal from a replacement in progress.
                return stat.read(entry);
            }
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw failure(entry.toString(), e);
        }
    }

    /** Permission denied is the user's to fix (exit 2, as for a source file); anything else is I/O (exit 5). */
    private static BackupException failure(String what, IOException e) {
        if (e instanceof AccessDeniedException) {
            return new BackupException(Reason.INVALID_INPUT, "Cannot read " + what + ": permission denied", e);
        }
        String reason = e instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason() : e.getMessage();
        return new BackupException(Reason.IO, "Cannot read " + what + ": " + reason, e);
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot read source " + file + ": " + e.getMessage(), e);
        }
    }
}
