package dev.s3backup.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedactionTest {
    @Test
    void hidesEverythingBeforeTheHost() {
        assertThat(Redaction.userInfo("http://AKIAKEY:s3cr3t@host:9000/x")).isEqualTo("http://***@host:9000/x");
        assertThat(Redaction.userInfo("s3://KEY:SECRET@bucket/prefix")).isEqualTo("s3://***@bucket/prefix");
        // A secret key may hold '/': the URL is then no URL, and all of it up to the '@' goes.
        assertThat(Redaction.userInfo("http://KEY:ab/cd+ef@host")).isEqualTo("http://***@host");
        assertThat(Redaction.hasUserInfo("http://KEY:ab/cd+ef@host")).isTrue();
    }

    @Test
    void leavesUrlsWithoutCredentialsAlone() {
        assertThat(Redaction.userInfo("http://127.0.0.1:9000")).isEqualTo("http://127.0.0.1:9000");
        assertThat(Redaction.userInfo("file:///srv/backups")).isEqualTo("file:///srv/backups");
        assertThat(Redaction.userInfo("s3://bucket/prefix?x=@y")).isEqualTo("s3://bucket/prefix?x=@y");
        assertThat(Redaction.hasUserInfo("s3://bucket/prefix")).isFalse();
        // '@' is a valid character of an S3 key prefix.
        assertThat(Redaction.userInfo("s3://bucket/team@example/db")).isEqualTo("s3://bucket/team@example/db");
        assertThat(Redaction.userInfo(null)).isNull();
    }
}
