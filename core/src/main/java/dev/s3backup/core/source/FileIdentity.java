package dev.s3backup.core.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What identifies a file's content without reading it: device, inode, size, mtime and ctime (ns).
 * Two equal identities mean "not changed" for the change-while-reading check and the hash cache;
 * a hard link keeps the identity, so a hard-linked snapshot of an unchanged file matches.
 *
 * @param device 0 where the platform does not tell
 * @param inode 0 where the platform does not tell
 * @param ctimeNanos the inode change time, 0 where the platform does not tell
 */
public record FileIdentity(long device, long inode, long size, long mtimeNanos, long ctimeNanos, int mode) {

    private static final boolean UNIX_VIEW = supportsUnixView();

    public static FileIdentity of(Path path) throws IOException {
        if (UNIX_VIEW) {
            Map<String, Object> a = Files.readAttributes(path, "unix:dev,ino,size,lastModifiedTime,ctime,mode",
                    LinkOption.NOFOLLOW_LINKS);
            return new FileIdentity((Long) a.get("dev"), (Long) a.get("ino"), (Long) a.get("size"),
                    nanos((FileTime) a.get("lastModifiedTime")), nanos((FileTime) a.get("ctime")),
                    ((Integer) a.get("mode")) & 07777);
        }
        PosixFileAttributes a = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        return new FileIdentity(0, 0, a.size(), nanos(a.lastModifiedTime()), 0, toMode(a.permissions()));
    }

    private static long nanos(FileTime t) {
        return t.to(TimeUnit.NANOSECONDS);
    }

    static int toMode(Set<PosixFilePermission> perms) {
        int mode = 0;
        for (PosixFilePermission p : perms) {
            mode |= 1 << (8 - p.ordinal());
        }
        return mode;
    }

    private static boolean supportsUnixView() {
        return java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("unix");
    }
}
