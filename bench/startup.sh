#!/usr/bin/env bash
# Start-up of S3 commands beside `aws s3 ls` on the same endpoint, in the same run (issue #13).
#
#   bench/startup.sh [--server s3mock|rgw] [--runs N] [--jar PATH]...
#
# Starts the server (S3Mock, or Ceph RGW through scripts/ceph-rgw.sh), pushes a small repository
# (8 files), then times with hyperfine: s3backup --version (JVM only), s3backup list, ls latest
# and show latest (each one S3 client, a HeadBucket and a few requests), aws s3 ls and rclone lsf
# of the same prefix. Each --jar adds the same s3backup commands run with that jar (e.g. an older
# build, to compare). Writes the hyperfine tables to bench/results/<date>-startup.md.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
SERVER=s3mock RUNS=15 JARS=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --server) SERVER=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --jar) JARS+=("$2"); shift 2 ;;
    -h|--help) sed -n 2,11p "$0"; exit 0 ;;
    *) echo "startup: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ ${#JARS[@]} -gt 0 ]] || JARS=("$REPO_DIR/cli/target/s3backup.jar")
command -v hyperfine >/dev/null || { echo "startup: needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/s3backup-startup.XXXXXX")
PID="" CEPH=""
cleanup() {
  if [[ -n $PID ]]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  if [[ -n $CEPH ]]; then bash "$REPO_DIR/scripts/ceph-rgw.sh" stop "$CEPH" || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
PORT=$(python3 "$BENCH_DIR/lib/benchlib.py" free-port)
EP="http://127.0.0.1:$PORT"
unset AWS_CA_BUNDLE AWS_PROFILE AWS_ENDPOINT_URL AWS_SESSION_TOKEN
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE="$WORK/aws-config" AWS_SHARED_CREDENTIALS_FILE="$WORK/aws-credentials"
: >"$AWS_CONFIG_FILE"; : >"$AWS_SHARED_CREDENTIALS_FILE"
export AWS_REQUEST_CHECKSUM_CALCULATION=when_required AWS_RESPONSE_CHECKSUM_VALIDATION=when_required
export RCLONE_CONFIG="$WORK/rclone.conf"; : >"$RCLONE_CONFIG"
export RCLONE_CONFIG_S3_TYPE=s3 RCLONE_CONFIG_S3_PROVIDER=Other RCLONE_CONFIG_S3_ENDPOINT="$EP" \
  RCLONE_CONFIG_S3_FORCE_PATH_STYLE=true RCLONE_CONFIG_S3_ACCESS_KEY_ID=bench \
  RCLONE_CONFIG_S3_SECRET_ACCESS_KEY=bench-secret RCLONE_CONFIG_S3_REGION=us-east-1
if [[ $SERVER == rgw ]]; then
  CEPH="$WORK/ceph"
  bash "$REPO_DIR/scripts/ceph-rgw.sh" start "$CEPH" "$PORT" bench bench-secret >"$WORK/ceph.log" 2>&1
else
  jar=${S3MOCK_JAR:-$HOME/.m2/repository/com/adobe/testing/s3mock/5.2.0/s3mock-5.2.0-exec.jar}
  java -Xms256m -jar "$jar" --http.port="$PORT" --server.port=0 \
    --com.adobe.testing.s3mock.store.root="$WORK/store" >"$WORK/s3mock.log" 2>&1 &
  PID=$!
  for _ in $(seq 120); do curl -fsS -o /dev/null "$EP/" 2>/dev/null && break; sleep 0.5; done
fi
aws --endpoint-url "$EP" s3 mb s3://startup >/dev/null
mkdir -p "$WORK/data/node1"
for i in $(seq 8); do head -c 100000 /dev/urandom >"$WORK/data/node1/00000$i.sst"; done
CONN="--endpoint $EP --path-style --region us-east-1"
export S3BACKUP_REPO=s3://startup/repo S3BACKUP_CACHE_DIR="$WORK/cache"
cmds=() names=()
n=0
for jar in "${JARS[@]}"; do
  n=$((n + 1))
  mkdir -p "$WORK/j$n"; cp "$jar" "$WORK/j$n/s3backup.jar"
  S="env S3BACKUP_JAR=$WORK/j$n/s3backup.jar $REPO_DIR/bin/s3backup"
  if [[ $n == 1 ]]; then
    $S init $CONN >/dev/null
    (cd "$WORK/data" && $S push $CONN node1 >/dev/null)
  fi
  $S list $CONN >/dev/null 2>&1   # records the launcher's class-data archive, unmeasured
  names+=("version [j$n]" "list [j$n]" "ls latest [j$n]" "show latest [j$n]")
  cmds+=("$S --version" "$S list $CONN" "$S ls latest $CONN" "$S show latest $CONN")
done
names+=("aws s3 ls" "rclone lsf")
cmds+=("aws --endpoint-url $EP s3 ls s3://startup/repo/" "rclone lsf s3:startup/repo")
args=()
for i in "${!cmds[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done
mkdir -p "$BENCH_DIR/results"
out="$BENCH_DIR/results/$(date -u +%Y-%m-%dT%H%M%SZ)-startup-$SERVER.md"
hyperfine -N --warmup 2 --runs "$RUNS" --export-markdown "$out" --export-json "${out%.md}.json" "${args[@]}" 2>&1 | tee "$WORK/hyperfine.txt" >&2
{ echo; echo "CPU (user + system) per run, from hyperfine:"; echo; python3 - "${out%.md}.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("- %s: %.0f ms wall, %.0f ms CPU" % (r["command"], r["mean"] * 1000, (r["user"] + r["system"]) * 1000))
PY
} >>"$out"
{ echo; echo "Server: $SERVER at $EP; jars: ${JARS[*]}; load average: $(cut -d' ' -f1-3 /proc/loadavg)"; } >>"$out"
cat "$out"
