package dev.s3backup.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BackupIdTest {
    @Test
    void hasTheDocumentedShape() {
        String id = BackupId.generate(Instant.parse("2026-11-25T08:13:09.123987Z"), new SplittableRandom(3));
        assertThat(id).matches("20261125T081309\\.123Z-[0-9a-f]{8}").hasSize(BackupId.LENGTH);
        assertThat(BackupId.isValid(id)).isTrue();
        assertThat(BackupId.timeOf(id)).isEqualTo(Instant.parse("2026-11-25T08:13:09.123Z"));
    }

    @Test
    void idsSortByTimeAsStrings() {
        SplittableRandom random = new SplittableRandom(4);
        List<Instant> times = List.of(Instant.parse("0000-01-01T00:00:00Z"), Instant.parse("1969-12-31T23:59:59.999Z"),
                Instant.EPOCH, Instant.parse("2026-01-09T10:00:00Z"), Instant.parse("2026-01-10T09:00:00Z"),
                Instant.parse("2026-01-10T09:00:00.001Z"), Instant.parse("9999-12-31T23:59:59.999Z"));
        List<String> ids = new ArrayList<>();
        for (Instant t : times) {
            String id = BackupId.generate(t, random);
            assertThat(BackupId.timeOf(id)).isEqualTo(t);
            ids.add(id);
        }
        assertThat(ids).isSorted();
    }

    @Test
    void refusesTimesOutsideFourDigitYears() {
        assertThatThrownBy(() -> BackupId.generate(Instant.parse("+10000-01-01T00:00:00Z"), new SplittableRandom(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BackupId.generate(Instant.parse("-0001-12-31T23:59:59Z"), new SplittableRandom(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void randomPartIsLowercaseHexOfEightDigits() {
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < 1000; i++) {
            String id = BackupId.generate(Instant.EPOCH, random);
            assertThat(id.substring(21)).matches("[0-9a-f]{8}");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "20261125T081309.123Z", "20261125T081309.123Z-1f2e3d4", "20261125T081309.123Z-1f2e3d4c0",
            "20261125T081309.123Z-1F2E3D4C", "20261125T081309.123Z_1f2e3d4c", "20261125t081309.123Z-1f2e3d4c",
            "20261125T081309,123Z-1f2e3d4c", "20261125T081309.123-01f2e3d4c", "20261325T081309.123Z-1f2e3d4c",
            "20260230T081309.123Z-1f2e3d4c", "20261125T241309.123Z-1f2e3d4c", "20261125T086009.123Z-1f2e3d4c",
            "20261125T081360.123Z-1f2e3d4c", "20250229T000000.000Z-00000000", "../../../etc/passwd/xxxxxxxxxx",
            "２0261125T081309.123Z-1f2e3d4c"})
    void rejectsMalformedIds(String id) {
        assertThat(BackupId.isValid(id)).isFalse();
        assertThatThrownBy(() -> BackupId.timeOf(id)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void acceptsLeapDays() {
        assertThat(BackupId.isValid("20240229T235959.999Z-ffffffff")).isTrue();
        assertThat(BackupId.isValid(null)).isFalse();
    }
}
