package dev.s3backup.it.crash;

import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The crash campaign on gaul S3Proxy, a real S3 server in a process of its own. Part of the long
 * campaign only ({@code -Ds3backup.crash.points=N}): S3Proxy makes every point several seconds longer.
 */
@EnabledIfSystemProperty(named = CrashCampaign.POINTS_PROPERTY, matches = ".+")
class S3ProxyCrashTest extends CrashCampaign {
    @Override
    CrashTarget target() {
        return CrashTarget.s3Proxy();
    }
}
