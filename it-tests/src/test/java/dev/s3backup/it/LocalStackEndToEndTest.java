package dev.s3backup.it;

import dev.s3backup.s3.S3Options;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The end-to-end suite on LocalStack, where a Docker daemon exists. Elsewhere (these build
 * machines have none) every case is skipped with a notice on stderr and in the test report.
 */
class LocalStackEndToEndTest extends EndToEndSuite {
    /** Newer images need an auth token; this tag runs without one. */
    static final DockerImageName IMAGE = DockerImageName.parse("localstack/localstack:4.14.0");
    private static LocalStackContainer container;
    private static S3Backend backend;

    @BeforeAll
    static void startContainer() {
        boolean docker;
        try {
            docker = DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            docker = false;
        }
        if (!docker) {
            System.err.println("NOTICE: no Docker daemon here: LocalStack end-to-end suite skipped "
                    + "(S3Mock and S3Proxy suites still run)");
        }
        Assumptions.assumeTrue(docker, "no Docker daemon: LocalStack end-to-end suite skipped");
        container = new LocalStackContainer(IMAGE).withServices(LocalStackContainer.Service.S3);
        container.start();
        S3Options.Builder options = S3Options.builder().endpoint(container.getEndpoint()).region(container.getRegion())
                .pathStyle(true).credentials(container.getAccessKey(), container.getSecretKey())
                .checksumPolicy(S3Options.ChecksumPolicy.WHEN_REQUIRED);
        backend = new S3Backend("localstack", container.getEndpoint(), container.getRegion(), "it-localstack",
                container.getAccessKey(), container.getSecretKey(), options);
    }

    @AfterAll
    static void stopContainer() {
        if (container != null) {
            container.stop();
        }
    }

    @Override
    Backend backend() {
        S3Backend.useCredentials(container.getAccessKey(), container.getSecretKey());
        return backend;
    }
}
