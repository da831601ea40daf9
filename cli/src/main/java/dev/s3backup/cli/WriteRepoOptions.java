package dev.s3backup.cli;

import picocli.CommandLine.Option;

/** The repository options of a command that writes objects (config, manifests, logs, markers). */
class WriteRepoOptions extends RepoOptions {
    @Option(names = "--sse", paramLabel = "MODE",
            description = "Server-side encryption of new objects: AES256 (SSE-S3) or aws:kms (SSE-KMS) (default: the bucket's).")
    String sse;

    @Option(names = "--sse-kms-key-id", paramLabel = "KEY", description = "KMS key for --sse aws:kms (default: the AWS-managed key).")
    String sseKmsKeyId;

    @Override
    String sse() {
        return sse;
    }

    @Override
    String sseKmsKeyId() {
        return sseKmsKeyId;
    }
}
