package dev.s3backup.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3backup.core.store.ObjectStore.PutOutcome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What only the file store promises: its layout on disk and how it treats stray files. */
class FileObjectStoreTest {

    @TempDir
    Path root;

    @Test
    void keysAreFilesUnderTheRootAndNoTempFileRemains() throws IOException {
        FileObjectStore store = new FileObjectStore(root);

        store.putIfAbsent("chunks/ab/abcd", Payload.of(bytes("chunk")));

        assertThat(root.resolve("chunks/ab/abcd")).hasContent("chunk");
        try (Stream<Path> temps = Files.list(root.resolve(".tmp"))) {
            assertThat(temps.filter(p -> p.getFileName().toString().startsWith("put-"))).isEmpty();
        }
    }

    @Test
    void leftoversOfACrashedPutAreNeitherListedNorVisible() throws IOException {
        FileObjectStore store = new FileObjectStore(root);
        store.putIfAbsent("chunks/ab/one", Payload.of(bytes("one")));
        // What a crash between writing and publishing leaves behind.
        Files.writeString(root.resolve(".tmp/put-123.part"), "half a chu");

        assertThat(store.list("", null).objects()).extracting(ObjectInfo::key).containsExactly("chunks/ab/one");
    }

    @Test
    void rejectedChecksumLeavesNothingBehind() throws IOException {
        FileObjectStore store = new FileObjectStore(root);
        byte[] body = bytes("body");

        assertThatThrownBy(() -> store.putIfAbsent("k", Payload.of(body, 0, body.length, new byte[32])))
                .isInstanceOfSatisfying(StoreException.class,
                        e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.INTEGRITY))
                .hasMessageContaining("does not match its SHA-256");
        assertThat(root.resolve("k")).doesNotExist();
        try (Stream<Path> temps = Files.list(root.resolve(".tmp"))) {
            assertThat(temps).isEmpty();
        }
    }

    @Test
    void aFileInTheWayOfADirectoryIsAnIoErrorNotAnExistingObject() {
        FileObjectStore store = new FileObjectStore(root);
        store.putIfAbsent("a", Payload.of(bytes("file")));

        assertThatThrownBy(() -> store.putIfAbsent("a/b", Payload.of(bytes("below a file"))))
                .isInstanceOfSatisfying(StoreException.class,
                        e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.IO));
        assertThat(store.head("a/b")).isEmpty();
        assertThatThrownBy(() -> store.get("a/b"))
                .isInstanceOfSatisfying(StoreException.class,
                        e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.NOT_FOUND));
        assertThat(store.delete(List.of("a/b")).complete()).isTrue();
        assertThat(store.list("a/b/", null).objects()).isEmpty();
        assertThat(store.list("a/", null).objects()).isEmpty();
        assertThat(store.list("a", null).objects()).extracting(ObjectInfo::key).containsExactly("a");
    }

    @Test
    void aDirectoryIsNotAnObject() {
        FileObjectStore store = new FileObjectStore(root);
        store.putIfAbsent("dir/x", Payload.of(bytes("x")));

        assertThat(store.head("dir")).isEmpty();
        assertThatThrownBy(() -> store.get("dir"))
                .isInstanceOfSatisfying(StoreException.class,
                        e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.NOT_FOUND));
        assertThatThrownBy(() -> store.putIfAbsent("dir", Payload.of(bytes("y"))))
                .isInstanceOfSatisfying(StoreException.class,
                        e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.IO));
        assertThat(store.delete(List.of("dir")).complete()).isTrue();
        assertThat(store.head("dir/x")).isPresent();
    }

    @Test
    void deleteKeepsEmptyDirectories() {
        FileObjectStore store = new FileObjectStore(root);
        store.putIfAbsent("chunks/ab/x", Payload.of(bytes("x")));

        store.delete(List.of("chunks/ab/x"));

        assertThat(root.resolve("chunks/ab")).isDirectory();
    }

    @Test
    void missingRootReadsAsEmpty() {
        FileObjectStore store = new FileObjectStore(root.resolve("not/yet"));

        assertThat(store.head("x")).isEmpty();
        assertThat(store.list("", null).objects()).isEmpty();
        assertThat(store.delete(List.of("x")).complete()).isTrue();
        assertThat(store.putIfAbsent("x", Payload.of(bytes("x")))).isEqualTo(PutOutcome.CREATED);
    }

    @Test
    void defaultPageIsAThousandKeys() throws IOException {
        FileObjectStore store = new FileObjectStore(root);
        // Written directly: this is about listing, and 1,100 fsynced puts are slow on a busy disk.
        for (int i = 0; i < 1100; i++) {
            Path file = root.resolve(String.format("k/%02d/%04d", i % 16, i));
            Files.createDirectories(file.getParent());
            Files.write(file, new byte[] {(byte) i});
        }

        ListPage first = store.list("k/", null);
        ListPage second = store.list("k/", first.next());

        assertThat(first.objects()).hasSize(1000);
        assertThat(second.objects()).hasSize(100);
        assertThat(second.next()).isNull();
        List<String> all = new ArrayList<>();
        first.objects().forEach(o -> all.add(o.key()));
        second.objects().forEach(o -> all.add(o.key()));
        assertThat(all).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void describeIsAFileUrl() {
        assertThat(new FileObjectStore(root).describe()).startsWith("file:///").endsWith("/");
    }

    @Test
    void staleUploadsAreRemovedAndFreshOnesKept() throws IOException {
        FileObjectStore store = new FileObjectStore(root);
        store.putIfAbsent("chunks/ab/one", Payload.of(bytes("one")));
        Path stale = Files.writeString(root.resolve(".tmp/put-1.part"), "killed upload");
        Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minus(Duration.ofHours(25))));
        Path fresh = Files.writeString(root.resolve(".tmp/put-2.part"), "upload in progress");
        Files.setLastModifiedTime(fresh, FileTime.from(Instant.now().minus(Duration.ofHours(23))));

        int removed = store.removeStaleUploads(FileObjectStore.STALE_UPLOAD_AGE);

        assertThat(removed).isEqualTo(1);
        assertThat(stale).doesNotExist();
        assertThat(fresh).exists();
        assertThat(root.resolve("chunks/ab/one")).hasContent("one");
    }

    @Test
    void removingStaleUploadsOfAStoreWithoutTmpDoesNothing() {
        assertThat(new FileObjectStore(root.resolve("empty")).removeStaleUploads(Duration.ZERO)).isZero();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
