package dev.s3backup.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class S3OptionsTest {

    @Test
    void parsesS3Urls() {
        assertThat(S3Location.parse("s3://bucket")).isEqualTo(new S3Location("bucket", ""));
        assertThat(S3Location.parse("s3://bucket/")).isEqualTo(new S3Location("bucket", ""));
        assertThat(S3Location.parse("s3://bucket/backups/db1")).isEqualTo(new S3Location("bucket", "backups/db1/"));
        assertThat(S3Location.parse("s3://bucket/backups/db1/").prefix()).isEqualTo("backups/db1/");
        assertThat(S3Location.parse("s3://b/p").keyOf("chunks/ab/x")).isEqualTo("p/chunks/ab/x");
        assertThat(S3Location.parse("s3://b/p").toString()).isEqualTo("s3://b/p/");
    }

    @Test
    void rejectsBadUrls() {
        assertThatThrownBy(() -> S3Location.parse("file:///x")).hasMessageContaining("expected s3://bucket/prefix");
        assertThatThrownBy(() -> S3Location.parse("s3:///prefix")).hasMessageContaining("no bucket");
        assertThatThrownBy(() -> S3Location.parse("s3://bucket//double")).hasMessageContaining("Invalid repository prefix");
        assertThatThrownBy(() -> S3Location.parse("s3://bucket/../up")).hasMessageContaining("Invalid repository prefix");
        assertThatThrownBy(() -> S3Location.parse("s3://bu cket/")).hasMessageContaining("Invalid bucket name");
    }

    @Test
    void credentialsInAUrlAreRefusedWithoutBeingRepeated() {
        assertThatThrownBy(() -> S3Location.parse("s3://AKIAKEY:S3cr/WiTh+SlAsH@bucket/p"))
                .hasMessageContaining("credentials in the repository URL").hasMessageContaining("s3://***@bucket/p")
                .message().doesNotContain("AKIAKEY").doesNotContain("S3cr").doesNotContain("SlAsH");
        assertThatThrownBy(() -> S3Options.builder("s3://b/p").endpoint("http://AKIAKEY:S3cr3tKey@127.0.0.1:9000").build())
                .hasMessageContaining("credentials in the endpoint URL").message().doesNotContain("AKIAKEY")
                .doesNotContain("S3cr3tKey");
        assertThatThrownBy(() -> S3Options.builder("s3://b/p").endpoint("http://AKIAKEY:SEC RET@127.0.0.1:9000").build())
                .message().doesNotContain("AKIAKEY").doesNotContain("SEC RET");
        assertThat(S3Location.parse("s3://bucket/team@example").prefix()).isEqualTo("team@example/");
    }

    @Test
    void toStringNeverShowsTheSecret() {
        S3Options options = S3Options.builder("s3://b/p").credentials("AKIAEXAMPLE", "very-secret-key").build();

        assertThat(options.toString()).contains("****MPLE").doesNotContain("AKIAEXAMPLE").doesNotContain("very-secret-key");
    }

    @Test
    void validatesCombinations() {
        assertThatThrownBy(() -> S3Options.builder().build()).hasMessageContaining("bucket");
        assertThatThrownBy(() -> S3Options.builder("s3://b").credentials("a", null).build())
                .hasMessageContaining("both");
        assertThatThrownBy(() -> S3Options.builder("s3://b").credentials("a", "s").profile("p").build())
                .hasMessageContaining("either a profile or static credentials");
        assertThatThrownBy(() -> S3Options.builder("s3://b").storageClass("deep_archive").build())
                .hasMessageContaining("cannot be read without a restore");
        assertThatThrownBy(() -> S3Options.builder("s3://b").listPageSize(1001).build())
                .hasMessageContaining("listPageSize");
        assertThat(S3Options.builder("s3://b").kms("key-1").build().encryption()).isEqualTo(S3Options.Encryption.KMS);
        assertThat(S3Options.builder("s3://b").storageClass("standard_ia").build().storageClass())
                .isEqualTo("STANDARD_IA");
    }

    @Test
    void builderSetsBucketThenPrefix() {
        S3Options options = S3Options.builder().bucket("b").prefix("repo").build();

        assertThat(options.bucket()).isEqualTo("b");
        assertThat(options.prefix()).isEqualTo("repo/");
        assertThat(options.toBuilder().build()).isEqualTo(options);
    }
}
