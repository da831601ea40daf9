package dev.s3backup.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3backup.cli.ExitCodes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

/**
 * A real RocksDB backed up, then drilled with a check command that opens the restored database
 * read-only in a separate JVM and reads every key back.
 */
class DrillRocksDbTest {
    private static final long KEYS = 20_000;

    @TempDir
    Path dir;

    @Test
    void restoredRocksDbOpensAndHoldsEveryKey() throws Exception {
        Path db = dir.resolve("db");
        RocksDB.loadLibrary();
        try (Options options = RocksDbWriterMain.options(); RocksDB rocks = RocksDB.open(options, db.toString());
             FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
            for (long i = 0; i < KEYS; i++) {
                rocks.put(RocksDbWriterMain.key(i).getBytes(StandardCharsets.UTF_8), RocksDbWriterMain.value("db", i));
            }
            rocks.flush(flush);
        }
        try (Stream<Path> files = Files.list(db)) {
            assertThat(files.filter(p -> p.toString().endsWith(".sst")).count()).as("real SST files").isGreaterThan(1);
        }
        String repo = dir.resolve("repo").toUri().toString();
        List<String> conn = List.of("--repo", repo);
        assertThat(Cli.run(conn, "init").exitCode()).isZero();
        Cli push = Cli.run(conn, "push", "db=" + db);
        assertThat(push.exitCode()).as(push.toString()).isZero();
        Path temp = Files.createDirectories(dir.resolve("tmp"));
        Path junit = dir.resolve("drill.xml");

        Cli ok = Cli.run(conn, "drill", "--temp-dir", temp.toString(), "--check", check(KEYS), "--check-timeout", "2m",
                "--junit", junit.toString());
        assertThat(ok.exitCode()).as(ok.toString()).isEqualTo(ExitCodes.OK);
        assertThat(ok.err()).contains("check | opened", KEYS + " keys, all values correct");
        assertThat(Files.readString(junit)).contains("failures=\"0\"", "opened");

        Cli wrong = Cli.run(conn, "drill", "--temp-dir", temp.toString(), "--check", check(KEYS + 1), "--check-timeout", "2m");
        assertThat(wrong.exitCode()).as("a check that finds the data wrong fails the drill; " + wrong)
                .isEqualTo(ExitCodes.INTEGRITY);
        assertThat(wrong.err()).contains("Check command failed with exit code 1", "want " + (KEYS + 1));
        try (Stream<Path> left = Files.list(temp)) {
            assertThat(left.toList()).isEmpty();
        }
    }

    /** java -cp (this test's classpath) DrillRocksDbCheck {dir}/db db COUNT */
    private static String check(long count) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return quote(java) + " -cp " + quote(System.getProperty("java.class.path")) + " "
                + DrillRocksDbCheck.class.getName() + " {dir}/db db " + count;
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
