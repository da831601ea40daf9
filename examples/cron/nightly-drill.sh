#!/bin/sh
# Nightly verification and restore drill of an s3backup repository, for cron or a systemd timer.
#
#   17 3 * * *  /usr/local/bin/nightly-drill.sh >> /var/log/s3backup/drill.log 2>&1
#
# Exits with the worst s3backup exit code (0 all good, 4 data damaged or check failed,
# 5 I/O / no space / cleanup failed, 3 nothing to drill, 2 bad options; see docs/VERIFY.md) and
# keeps JSON and JUnit reports per night under $REPORTS_ROOT. Set ALERT_URL to a dead man's switch
# (healthchecks.io, Cronitor...) that is pinged with the outcome.
set -u

: "${S3BACKUP_REPO:?set S3BACKUP_REPO, e.g. s3://my-backups/hyperdex-prod}"
export S3BACKUP_REPO
S3BACKUP=${S3BACKUP:-s3backup}
REPORTS_ROOT=${REPORTS_ROOT:-/var/lib/s3backup/reports}
SCRATCH=${SCRATCH:-/var/tmp}                    # needs room for one backup (or use --node)
CHECK=${CHECK:-"ldb --db={dir}/13036267341651542609 checkconsistency"}
ALERT_URL=${ALERT_URL:-}

exec 9>"${LOCK:-/var/lock/s3backup-drill.lock}"
if ! flock -n 9; then
    echo "$(date -u +%FT%TZ) another drill is still running; skipping this one" >&2
    exit 0
fi

night=$(date -u +%Y%m%d)
reports="$REPORTS_ROOT/$night"
mkdir -p "$reports"

echo "$(date -u +%FT%TZ) verify"
"$S3BACKUP" verify --read-data --max-age 30d \
    --report "$reports/verify.json" --junit "$reports/verify.xml"
verify=$?

echo "$(date -u +%FT%TZ) drill"
"$S3BACKUP" drill --temp-dir "$SCRATCH" --check "$CHECK" --check-timeout 30m \
    --report "$reports/drill.json" --junit "$reports/drill.xml"
drill=$?

worst=$verify
[ "$drill" -gt "$worst" ] && worst=$drill
# An integrity failure (4) is the one that means data is lost: make it win over I/O (5).
{ [ "$verify" -eq 4 ] || [ "$drill" -eq 4 ]; } && worst=4
echo "$(date -u +%FT%TZ) verify exit $verify, drill exit $drill; reports in $reports"

if [ -n "$ALERT_URL" ]; then
    # healthchecks.io style: /<exit status> marks the run failed when non-zero.
    curl -fsS -m 10 --retry 3 --data-binary "@$reports/drill.json" "$ALERT_URL/$worst" >/dev/null || true
fi

# Reports older than a year go; the repository's verify/ log keeps its own history.
find "$REPORTS_ROOT" -mindepth 1 -maxdepth 1 -type d -mtime +365 -exec rm -rf {} + 2>/dev/null

exit "$worst"
