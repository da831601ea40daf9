#!/usr/bin/env bash
# Compares s3backup's HTTP clients (Apache, the default; URLConnection; AWS CRT) on the same data,
# in the same run, against S3Mock on loopback: bench/run.sh with one s3backup per client.
#
#   bench/http-clients.sh                  # 1 GiB, one round
#   bench/http-clients.sh --repeat 3       # any bench/run.sh option passes through
#
# Builds a jar with all three clients (mvn -Phttp-clients) into a temporary directory, then
# rebuilds cli/target/s3backup.jar as released (Apache only). Results: docs/BENCHMARKS.md.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
JAR_DIR=$(mktemp -d "${TMPDIR:-/tmp}/s3backup-http-clients.XXXXXX")
trap 'rm -rf "$JAR_DIR"' EXIT

echo "[http-clients] building s3backup with every HTTP client (mvn -Phttp-clients)" >&2
(cd "$REPO_DIR" && mvn -B -q -Phttp-clients -DskipTests package -pl cli -am)
cp "$REPO_DIR/cli/target/s3backup.jar" "$JAR_DIR/s3backup.jar"
echo "[http-clients] rebuilding the released jar (Apache client only)" >&2
(cd "$REPO_DIR" && mvn -B -q -DskipTests package -pl cli -am)

"$BENCH_DIR/run.sh" --s3backup-jar "$JAR_DIR/s3backup.jar" \
  --tools "s3backup s3backup:url-connection s3backup:crt" "$@"
