package dev.s3backup.core.crypt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class RepositoryKeysTest {

    private static final HexFormat HEX = HexFormat.of();

    @Test
    void hkdfMatchesRfc5869TestCase1() {
        byte[] ikm = HEX.parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
        byte[] salt = HEX.parseHex("000102030405060708090a0b0c");
        byte[] info = HEX.parseHex("f0f1f2f3f4f5f6f7f8f9");
        assertThat(HEX.formatHex(Hkdf.derive(ikm, salt, info, 42))).isEqualTo(
                "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
    }

    @Test
    void theAddressDigestIsHmacSha256UnderTheDerivedAddressKey() throws Exception {
        byte[] master = new byte[64];
        for (int i = 0; i < master.length; i++) {
            master[i] = (byte) i;
        }
        RepositoryKeys keys = RepositoryKeys.fromMaster(master);
        byte[] data = "some chunk".getBytes(StandardCharsets.US_ASCII);

        // HKDF written out here with the JDK's Mac, apart from Hkdf: extract, then one expand block.
        Mac extract = Mac.getInstance("HmacSHA256");
        extract.init(new SecretKeySpec("s3backup-repository-keys-v1".getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
        byte[] prk = extract.doFinal(master);
        Mac expand = Mac.getInstance("HmacSHA256");
        expand.init(new SecretKeySpec(prk, "HmacSHA256"));
        expand.update("address".getBytes(StandardCharsets.US_ASCII));
        expand.update((byte) 1);
        byte[] addressKey = expand.doFinal();
        Mac hmac = Mac.getInstance("HmacSHA256");
        hmac.init(new SecretKeySpec(addressKey, "HmacSHA256"));
        byte[] expected = hmac.doFinal(data);

        MessageDigest digest = keys.newAddressDigest();
        assertThat(digest.getDigestLength()).isEqualTo(32);
        assertThat(digest.digest(data)).isEqualTo(expected);
        // digest() resets; update in pieces and an explicit reset give the same.
        digest.update(data, 0, 4);
        digest.update(data[4]);
        digest.update(data, 5, data.length - 5);
        assertThat(digest.digest()).isEqualTo(expected);
        digest.update((byte) 9);
        digest.reset();
        assertThat(digest.digest(data)).isEqualTo(expected);
        assertThat(digest.digest(data)).isNotEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
    }

    @Test
    void twoRepositoriesAddressTheSameChunkDifferently() {
        byte[] data = "the same chunk".getBytes(StandardCharsets.US_ASCII);
        RepositoryKeys a = RepositoryKeys.generate();
        RepositoryKeys b = RepositoryKeys.generate();
        assertThat(a.newAddressDigest().digest(data)).isNotEqualTo(b.newAddressDigest().digest(data));
        assertThat(a.keyId()).isNotEqualTo(b.keyId());
        RepositoryKeys again = RepositoryKeys.fromMaster(a.master());
        assertThat(again.newAddressDigest().digest(data)).isEqualTo(a.newAddressDigest().digest(data));
        assertThat(again.keyId()).isEqualTo(a.keyId()).matches("[0-9a-f]{16}");
    }

    @Test
    void aMasterKeyHas64BytesAndIsCopied() {
        assertThatThrownBy(() -> RepositoryKeys.fromMaster(new byte[32])).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("A master key has 64 bytes, not 32");
        byte[] master = new byte[64];
        RepositoryKeys keys = RepositoryKeys.fromMaster(master);
        master[0] = 1;
        assertThat(keys.master()).isEqualTo(new byte[64]);
    }

    @Test
    void toStringShowsNoSecret() {
        RepositoryKeys keys = RepositoryKeys.generate();
        byte[] master = keys.master();
        String shown = keys + " " + keys.sealer(Compression.AUTO) + " " + keys.newAddressDigest();
        assertThat(shown).contains(keys.keyId())
                .doesNotContain(HEX.formatHex(master).substring(0, 16))
                .doesNotContain(Base64.getEncoder().encodeToString(master).substring(0, 12));
        assertThat(shown).isEqualTo("RepositoryKeys[keyId=" + keys.keyId() + "] ObjectSealer[aes-256-gcm, compression=auto]"
                + " AddressDigest[HmacSHA256]");
    }
}
