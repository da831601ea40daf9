package dev.s3backup.core.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class RepositoryConfigTest {

    @Test
    void encodeDecodeRoundTrip() {
        RepositoryConfig config = RepositoryConfig.create(1 << 20);

        RepositoryConfig decoded = RepositoryConfig.decode(config.encode(), "test");

        assertThat(decoded).isEqualTo(config);
        assertThat(RepositoryConfig.create(1 << 20).repositoryId()).isNotEqualTo(config.repositoryId());
    }

    @Test
    void decodeIgnoresBlankLines() {
        String text = "s3backup-repository\n\nformat-version=1\nrepository-id=abc\nhash=sha256\n\n"
                + "chunker=fixed\nchunk-size=65536\n\n";

        assertThat(RepositoryConfig.decode(bytes(text), "test"))
                .isEqualTo(new RepositoryConfig(1, "abc", "sha256", "fixed", 65536));
    }

    @Test
    void objectLockSettingsRoundTripInFormatVersionTwoAndOthersStayVersionOne() {
        ObjectLockSettings lock = new ObjectLockSettings(dev.s3backup.core.store.Retention.Mode.COMPLIANCE, 30, 7);
        RepositoryConfig locked = RepositoryConfig.create(1 << 20, lock);

        assertThat(locked.formatVersion()).isEqualTo(RepositoryConfig.CURRENT_FORMAT);
        assertThat(new String(locked.encode(), StandardCharsets.UTF_8)).contains("object-lock-mode=COMPLIANCE\n",
                "object-lock-days=30\n", "object-lock-slack-days=7\n");
        assertThat(RepositoryConfig.decode(locked.encode(), "test")).isEqualTo(locked);
        RepositoryConfig oldLocked = locked.withFormatVersion(RepositoryConfig.OBJECT_LOCK_FORMAT);
        assertThat(RepositoryConfig.decode(oldLocked.encode(), "test")).as("a repository of an older s3backup")
                .isEqualTo(oldLocked);
        assertThat(oldLocked.manifestVersion()).isEqualTo(1);
        assertThat(locked.manifestVersion()).isEqualTo(2);
        String badMode = new String(locked.encode(), StandardCharsets.UTF_8).replace("COMPLIANCE", "FOREVER");
        assertThatThrownBy(() -> RepositoryConfig.decode(bytes(badMode), "test")).hasMessageContaining("GOVERNANCE or COMPLIANCE");
    }

    @Test
    void aNewerFormatVersionIsRefusedAskingForAnUpgrade() {
        String text = new String(RepositoryConfig.create(1 << 20).encode(), StandardCharsets.UTF_8)
                .replace("format-version=3", "format-version=4")
                // a newer format may well use parameters this version does not know
                .replace("chunker=fixed", "chunker=fastcdc");

        assertThatThrownBy(() -> RepositoryConfig.decode(bytes(text), "file:///r/"))
                .isInstanceOfSatisfying(BackupException.class, e -> {
                    assertThat(e.reason()).isNotEqualTo(Reason.INTEGRITY);
                    assertThat(e.getMessage()).contains("file:///r/").contains("format version 4").contains("(3)")
                            .contains("newer").contains("upgrade");
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "garbage",
        "\u0000\u0001\u0002",
        "s3backup-repository\nno equals sign\n",
        "s3backup-repository\nformat-version=1\nrepository-id=a\nhash=sha256\nchunker=fixed\n",
        "s3backup-repository\nformat-version=one\nrepository-id=a\nhash=sha256\nchunker=fixed\nchunk-size=65536\n",
        "s3backup-repository\nformat-version=1\nrepository-id=a\nhash=md5\nchunker=fixed\nchunk-size=65536\n",
        "s3backup-repository\nformat-version=1\nrepository-id=a\nhash=sha256\nchunker=fixed\nchunk-size=12\n",
        "s3backup-repository\nformat-version=1\nhash=sha256\nchunker=fixed\nchunk-size=65536\n",
        "s3backup-repository\nformat-version=0\nrepository-id=a\nhash=sha256\nchunker=fixed\nchunk-size=65536\n",
        "s3backup-repository\nformat-version=-3\nrepository-id=a\nhash=sha256\nchunker=fixed\nchunk-size=65536\n",
    })
    void aGarbledConfigIsRefusedAsIntegrityFailure(String text) {
        assertThatThrownBy(() -> RepositoryConfig.decode(bytes(text), "file:///r/"))
                .isInstanceOfSatisfying(BackupException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.INTEGRITY);
                    assertThat(e.getMessage()).startsWith("Cannot open repository file:///r/");
                });
    }

    @Test
    void chunkSizeBoundsAreEnforced() {
        assertThatThrownBy(() -> RepositoryConfig.create(RepositoryConfig.MIN_CHUNK_SIZE - 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RepositoryConfig.create(RepositoryConfig.MAX_CHUNK_SIZE + 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(RepositoryConfig.create(RepositoryConfig.MAX_CHUNK_SIZE).chunkSize())
                .isEqualTo(RepositoryConfig.MAX_CHUNK_SIZE);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theProbedServerFactsRoundTripAndAnOlderConfigHasNone() {
        RepositoryConfig config = RepositoryConfig.create(1 << 20).withServer(new RepositoryConfig.ServerFacts(true, null,
                java.time.Instant.parse("2026-12-06T10:00:00Z")));
        RepositoryConfig back = RepositoryConfig.decode(config.encode(), "test");
        assertThat(back).isEqualTo(config);
        assertThat(back.server().checksumsVerified()).isNull();
        assertThat(RepositoryConfig.decode(RepositoryConfig.create(1 << 20).encode(), "test").server()).isNull();
    }
}
