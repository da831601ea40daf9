#!/usr/bin/env bash
# 100,000 small files (1-16 KiB, ~830 MiB) pushed to S3Mock on loopback: first push, unchanged
# push (with and without the hash cache), restore; wall time, peak RSS, requests, manifest size.
#   bench/small-files.sh [--files N]       (default 100000; ~3-5 minutes on 2 cores)
# Needs: java 17, python3, cli/target/s3backup.jar (mvn -DskipTests package), the S3Mock exec
# jar in ~/.m2 (bench/run.sh fetches it). Not part of `mvn test`.
set -euo pipefail
FILES=100000
[[ ${1:-} == --files ]] && FILES=$2
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/s3backup-small-XXXXXX")
JAR=${S3MOCK_JAR:-$HOME/.m2/repository/com/adobe/testing/s3mock/5.2.0/s3mock-5.2.0-exec.jar}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PID=""
cleanup() { [[ -n $PID ]] && kill "$PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

python3 - "$WORK/data/node" "$FILES" <<'PY'
import os, random, sys
base, n = sys.argv[1], int(sys.argv[2])
random.seed(1)
for i in range(n):
    d = f"{base}/d{i // 1000:03d}"
    if i % 1000 == 0:
        os.makedirs(d, exist_ok=True)
    with open(f"{d}/f{i % 1000:04d}", "wb") as f:
        f.write(os.urandom(random.randint(1024, 16384)))
PY
java -XX:+UseSerialGC -jar "$JAR" --http.port="$PORT" --server.port=0 --server.address=127.0.0.1 \
  --com.adobe.testing.s3mock.store.root="$WORK/s3mock" \
  --spring.main.banner-mode=off >"$WORK/s3mock.log" 2>&1 &
PID=$!
for _ in $(seq 120); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.5; done
curl -s -X PUT "http://127.0.0.1:$PORT/small" >/dev/null

export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench S3BACKUP_REPO=s3://small/repo S3BACKUP_CACHE_DIR="$WORK/cache"
unset AWS_CA_BUNDLE
CONN=(--endpoint "http://127.0.0.1:$PORT" --path-style --region us-east-1)
s3() { "$ROOT/bin/s3backup" "$@" "${CONN[@]}"; }
step() {  # step NAME S3BACKUP-ARGS...: one row of the table
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$ROOT/bin/s3backup" "$@" "${CONN[@]}" --json >"$WORK/out.json"
  read -r wall rss <"$WORK/time"
  local req; req=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["requests"]; print(", ".join(f"{k.upper()} {v}" for k,v in r.items()))' "$WORK/out.json")
  printf '| %s | %s | %d | %s |\n' "$name" "$wall" $((rss / 1024)) "$req"
}
s3 init >/dev/null
echo "files: $FILES, $(du -sm "$WORK/data" | cut -f1) MiB; machine: $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
echo
echo "| step | wall s | peak RSS MiB | requests |"
echo "|---|---:|---:|---|"
step "first push" push "$WORK/data/node"
step "unchanged push (hash cache)" push "$WORK/data/node"
step "unchanged push (--no-cache: every file read)" push --no-cache "$WORK/data/node"
step "restore" restore --manifest latest --target "$WORK/restored"
diff -r "$WORK/data/node" "$WORK/restored/node" >/dev/null && echo && echo "restore check: identical"
curl -s "http://127.0.0.1:$PORT/small?list-type=2&prefix=repo/manifests/" \
  | python3 -c 'import re,sys; print("manifest sizes (bytes):", re.findall(r"<Size>(\d+)</Size>", sys.stdin.read()))' 
