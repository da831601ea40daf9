#!/usr/bin/env bash
# Start-up of S3 commands beside `aws s3 ls` and `rclone lsd` on the same endpoint, in the same run
# (issue #13: an S3 command's start-up <= 1.0 x `aws s3 ls`).
#
#   bench/startup.sh [--server s3mock|rgw] [--runs N] [--jar PATH]... [--java PATH]...
#
# Starts the server (S3Mock, or Ceph RGW through scripts/ceph-rgw.sh), pushes a tiny backup (8
# files of 100 kB), then times with hyperfine, per command: s3backup --version (JVM only), list,
# show latest, push of nothing new (a repository of its own, so list and show keep one backup) and
# restore of the tiny backup; beside them aws s3 ls, rclone lsd and rclone lsf of the same prefix.
# Every s3backup command runs once per --jar and per --java (default: the java on the PATH, and
# every JDK 25 or newer under /usr/lib/jvm, which the launcher gives an AOT cache); the launcher's
# archive is recorded before timing. --runs (default 7) runs per command, after 2 warm-ups.
# Writes bench/results/<date>-startup-<server>.md: hyperfine's table, then medians of wall time
# and CPU (user + system, hyperfine's mean) per command with the ratio to `aws s3 ls`.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
. "$BENCH_DIR/lib/copy-jar.sh"
SERVER=s3mock RUNS=7 JARS=() JAVAS=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --server) SERVER=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --jar) JARS+=("$2"); shift 2 ;;
    --java) JAVAS+=("$2"); shift 2 ;;
    -h|--help) sed -n 2,15p "$0"; exit 0 ;;
    *) echo "startup: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ ${#JARS[@]} -gt 0 ]] || JARS=("$REPO_DIR/cli/target/s3backup.jar")
if [[ ${#JAVAS[@]} -eq 0 ]]; then
  JAVAS=("$(readlink -f "$(command -v java)")")
  for release in /usr/lib/jvm/*/release; do
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release" 2>/dev/null)
    if [[ -n $v && $v -ge 25 && -x $(dirname "$release")/bin/java ]]; then
      JAVAS+=("$(dirname "$release")/bin/java")
      break
    fi
  done
fi
for tool in hyperfine aws rclone; do
  command -v $tool >/dev/null || { echo "startup: needs $tool (apt-get install $tool)" >&2; exit 1; }
done
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
unset AWS_CA_BUNDLE AWS_PROFILE AWS_ENDPOINT_URL AWS_SESSION_TOKEN JAVA JAVA_HOME JAVA_OPTS
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
SOURCE="node1=$WORK/data/node1"
export S3BACKUP_REPO=s3://startup/repo S3BACKUP_CACHE_DIR="$WORK/cache"
# A restore needs a target that does not exist yet: this removes the last one first.
cat >"$WORK/restore.sh" <<EOF
#!/bin/sh
rm -rf "$WORK/restored"
exec "\$@" restore $CONN -m latest -t "$WORK/restored"
EOF
chmod +x "$WORK/restore.sh"
cmds=() names=()
n=0
for jar in "${JARS[@]}"; do
  n=$((n + 1))
  copy_s3backup_jar "$jar" "$WORK/j$n"
  for java in "${JAVAS[@]}"; do
    jv=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$(dirname "$(dirname "$java")")/release" 2>/dev/null || echo "?")
    S="env JAVA=$java S3BACKUP_JAR=$WORK/j$n/s3backup.jar $REPO_DIR/bin/s3backup"
    if [[ $n == 1 && ${#cmds[@]} == 0 ]]; then
      $S init $CONN >/dev/null
      $S push $CONN "$SOURCE" >/dev/null
      $S init $CONN --repo s3://startup/push-repo >/dev/null
    fi
    $S list $CONN >/dev/null 2>&1   # records the launcher's archive for this jar and Java, unmeasured
    $S push $CONN --repo s3://startup/push-repo "$SOURCE" >/dev/null   # later pushes find nothing new
    tag="j$n, JDK $jv"
    names+=("version [$tag]" "list [$tag]" "show latest [$tag]" "push unchanged [$tag]" "restore tiny [$tag]")
    cmds+=("$S --version" "$S list $CONN" "$S show latest $CONN" "$S push $CONN --repo s3://startup/push-repo $SOURCE"
      "$WORK/restore.sh $S")
  done
done
names+=("aws s3 ls" "rclone lsd" "rclone lsf")
cmds+=("aws --endpoint-url $EP s3 ls s3://startup/repo/" "rclone lsd s3:startup/repo" "rclone lsf s3:startup/repo")
args=()
for i in "${!cmds[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done
mkdir -p "$BENCH_DIR/results"
out="$BENCH_DIR/results/$(date -u +%Y-%m-%dT%H%M%SZ)-startup-$SERVER.md"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
hyperfine -N --warmup 2 --runs "$RUNS" --export-markdown "$out" --export-json "${out%.md}.json" "${args[@]}" 2>&1 | tee "$WORK/hyperfine.txt" >&2
{ echo; echo "Medians of $RUNS runs (wall), CPU = user + system (hyperfine's mean), ratio = wall ÷ aws s3 ls:"; echo
  python3 - "${out%.md}.json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
aws = next(r["median"] for r in results if r["command"] == "aws s3 ls")
print("| command | wall (median) | CPU | ÷ aws s3 ls |")
print("|---|---|---|---|")
for r in results:
    print("| %s | %.3f s | %.2f s | %.2f |" % (r["command"], r["median"], r["user"] + r["system"], r["median"] / aws))
PY
  echo; echo "Server: $SERVER at $EP; jars: ${JARS[*]}; javas: ${JAVAS[*]}; load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg) (2 CPUs)"
} >>"$out"
cat "$out"
