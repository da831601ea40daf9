package dev.s3backup.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.crypt.KeySlot;
import dev.s3backup.core.crypt.KmsKeys;
import dev.s3backup.core.crypt.RepositoryKeys;
import dev.s3backup.s3.testing.S3TestServers;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;

/**
 * KMS key slots against moto, which serves KMS on its S3 port: a slot made with GenerateDataKey
 * unlocks through Decrypt, and KMS's refusals become the documented reasons (moto does not
 * enforce a disabled key: KmsErrorMappingTest covers that answer). Skipped with a NOTICE
 * where moto_server is not installed.
 */
class KmsKeysClientMotoTest {

    private static final String REPO = UUID.randomUUID().toString();
    private static S3TestServers.Server server;
    private static KmsClient admin;

    @BeforeAll
    static void start() {
        server = S3TestServers.moto();
        admin = KmsClient.builder()
                .endpointOverride(server.endpoint())
                .region(Region.of(server.region()))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(server.accessKey(), server.secretKey())))
                .build();
    }

    @AfterAll
    static void stop() {
        if (admin != null) {
            admin.close();
        }
    }

    private static String newKey() {
        return admin.createKey(r -> r.description("s3backup test")).keyMetadata().arn();
    }

    private static KmsKeysClient client() {
        return KmsKeysClient.open(server.options("unused").build(), Map.of());
    }

    @Test
    void aKmsSlotRoundTripsThroughGenerateDataKeyAndDecrypt() {
        String arn = newKey();
        RepositoryKeys keys = RepositoryKeys.generate();
        try (KmsKeysClient kms = client()) {
            KmsKeys.DataKey dataKey = kms.generateDataKey(arn);
            assertThat(dataKey.plaintext()).hasSize(32);
            assertThat(kms.decrypt(dataKey.ciphertext(), arn)).isEqualTo(dataKey.plaintext());

            byte[] stored = KeySlot.kms("ops", keys, REPO, kms, arn).encode();
            KeySlot slot = KeySlot.decode("ops", stored);
            assertThat(slot.describe()).isEqualTo("kms " + arn);
            assertThat(slot.unlock(REPO, kms)).hasValueSatisfying(k -> assertThat(k.keyId()).isEqualTo(keys.keyId()));
            assertThat(slot.unlock(UUID.randomUUID().toString(), kms)).isEmpty();
        }
    }

    @Test
    void aSlotNamingAnotherKeyIsDenied() {
        String arn = newKey();
        String other = newKey();
        RepositoryKeys keys = RepositoryKeys.generate();
        try (KmsKeysClient kms = client()) {
            String text = new String(KeySlot.kms("ops", keys, REPO, kms, arn).encode(), StandardCharsets.UTF_8);
            KeySlot moved = KeySlot.decode("ops", text.replace(arn, other).getBytes(StandardCharsets.UTF_8));
            // moto answers AccessDeniedException where AWS says IncorrectKeyException (INTEGRITY).
            assertThatThrownBy(() -> moved.unlock(REPO, kms))
                    .isInstanceOfSatisfying(BackupException.class, e -> assertThat(e.reason())
                            .isIn(BackupException.Reason.ACCESS_DENIED, BackupException.Reason.INTEGRITY))
                    .hasMessageStartingWith("Cannot unlock the repository with KMS key " + other + ": ");
        }
    }

    @Test
    void anUnknownKeyIsNotFound() {
        String missing = "arn:aws:kms:" + server.region() + ":123456789012:key/" + UUID.randomUUID();
        try (KmsKeysClient kms = client()) {
            assertThatThrownBy(() -> KeySlot.kms("ops", RepositoryKeys.generate(), REPO, kms, missing))
                    .isInstanceOfSatisfying(BackupException.class, e -> assertThat(e.reason())
                            .isEqualTo(BackupException.Reason.NOT_FOUND))
                    .hasMessageStartingWith("Cannot add a key slot with KMS key " + missing + ": no such key");
        }
    }
}
