package dev.s3backup.core.source;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import dev.s3backup.manifest.EntryType;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Walks sources in a stable order (sorted by name, depth first) without following symbolic
 * links. Special files are skipped and reported through the warning callback; an unreadable
 * directory fails the scan, because a backup that silently lacks files is worse than none.
 */
public final class SourceScanner {
    private final Consumer<String> warnings;

    public SourceScanner(Consumer<String> warnings) {
        this.warnings = warnings;
    }

    public List<SourceFile> scan(List<Source> sources) {
        List<SourceFile> files = new ArrayList<>();
        for (Source source : sources) {
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
        } catch (AccessDeniedException e) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot read directory " + dir + ": permission denied", e);
        } catch (IOException e) {
            throw new BackupException(Reason.IO, "Cannot read directory " + dir + ": " + e.getMessage(), e);
        }
        children.sort(null);
        for (Path child : children) {
            String name = child.getFileName().toString();
            String childRelative = relative.isEmpty() ? name : relative + "/" + name;
            BasicFileAttributes attrs;
            try {
                attrs = Files.readAttributes(child, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                // Vanished between listing and stat: an LSM store deleting an obsolete file.
                warnings.accept("skipped " + child + ": " + e.getMessage());
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

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new BackupException(Reason.INVALID_INPUT, "Cannot read source " + file + ": " + e.getMessage(), e);
        }
    }
}
