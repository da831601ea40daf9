package dev.s3backup.core.retention;

import java.time.Duration;

/**
 * Which backups to keep, applied to each backup name separately. A backup is kept if any rule
 * keeps it. Calendar rules bucket backups by their creation time (from the manifest header) in
 * UTC and keep the newest backup of each of the N newest buckets; {@code keepWithin} keeps every
 * backup created within that duration before "now" (the only rule that reads a clock).
 *
 * @param all forget every backup; only valid without any keep rule (an explicit "no policy")
 */
public record RetentionPolicy(int keepLast, int keepHourly, int keepDaily, int keepWeekly, int keepMonthly,
                              int keepYearly, Duration keepWithin, boolean all) {
    public RetentionPolicy {
        for (int n : new int[] {keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly}) {
            if (n < 0) {
                throw new IllegalArgumentException("Cannot use a keep count below 0: " + n);
            }
        }
        if (keepWithin != null && (keepWithin.isNegative() || keepWithin.isZero())) {
            throw new IllegalArgumentException("Cannot use --keep-within " + keepWithin + ": it must be positive");
        }
        if (all && hasKeepRule(keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly, keepWithin)) {
            throw new IllegalArgumentException("Cannot combine --all with keep rules: --all forgets every backup");
        }
        if (!all && !hasKeepRule(keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly, keepWithin)) {
            throw new IllegalArgumentException("Cannot forget without a keep rule: give --keep-last, --keep-hourly, "
                    + "--keep-daily, --keep-weekly, --keep-monthly, --keep-yearly or --keep-within "
                    + "(or --all to forget every backup)");
        }
    }

    private static boolean hasKeepRule(int last, int h, int d, int w, int m, int y, Duration within) {
        return last > 0 || h > 0 || d > 0 || w > 0 || m > 0 || y > 0 || within != null;
    }

    public static RetentionPolicy keepLast(int n) {
        return new RetentionPolicy(n, 0, 0, 0, 0, 0, null, false);
    }
}
