package dev.s3backup.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Sha256SetTest {
    private static Sha256 random(SplittableRandom r) {
        byte[] b = new byte[32];
        r.nextBytes(b);
        return Sha256.of(b);
    }

    @Test
    void behavesLikeAHashSetThroughManyResizes() {
        SplittableRandom r = new SplittableRandom(5);
        Sha256Set set = new Sha256Set();
        Set<Sha256> reference = new HashSet<>();
        for (int i = 0; i < 200_000; i++) {
            Sha256 d = random(r);
            assertThat(set.add(d)).isEqualTo(reference.add(d));
            if (i % 3 == 0) {
                assertThat(set.add(d)).isFalse();
            }
        }
        assertThat(set.size()).isEqualTo(reference.size());
        for (Sha256 d : reference) {
            assertThat(set.contains(d)).isTrue();
        }
        for (int i = 0; i < 10_000; i++) {
            Sha256 absent = random(r);
            assertThat(set.contains(absent)).isEqualTo(reference.contains(absent));
        }
    }

    @Test
    void digestsSharingTheirFirstBytesAreToldApart() {
        Sha256Set set = new Sha256Set();
        byte[] a = new byte[32];
        byte[] b = new byte[32];
        a[0] = b[0] = 7;
        b[31] = 1;
        set.add(Sha256.of(a));
        assertThat(set.contains(Sha256.of(b))).isFalse();
        assertThat(set.add(Sha256.of(b))).isTrue();
        assertThat(set.contains(Sha256.of(a))).isTrue();
    }
}
