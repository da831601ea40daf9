package dev.s3backup.s3;

import dev.s3backup.s3.testing.S3TestServers;

/**
 * The ObjectStore contract against Ceph's RADOS Gateway (a one-node cluster on loopback; skipped
 * with a NOTICE where Ceph is not installed). RGW needs {@code WHEN_REQUIRED}: the SDK's default
 * aws-chunked upload with a CRC32 trailer is refused with 400 XAmzContentSHA256Mismatch. Empty objects
 * are written since a PUT of known SHA-256 goes out plain (RGW refuses a zero-length aws-chunked PUT).
 */
class CephRgwContractTest extends S3StoreContract {
    @Override
    S3TestServers.Server server() {
        return S3TestServers.cephRgw();
    }

    @Override
    S3Options.ChecksumPolicy policy() {
        return S3Options.ChecksumPolicy.WHEN_REQUIRED;
    }
}
