#!/usr/bin/env bash
# The embedded default: build s3backup, then push -> push again -> restore -> compare, against a
# local file:// repository with sample LSM-like data. No cloud account, no server.
#   bash scripts/demo.sh [WORK_DIR]      (default WORK_DIR: ./target/demo)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-target/demo}
work=$(mkdir -p "$work" && cd "$work" && pwd)

echo "== building s3backup (mvn -DskipTests package)"
mvn -B -q -DskipTests package

rm -rf "$work/data" "$work/repo" "$work/restored"
echo "== creating sample data in $work/data: two nodes of SST files and a coordinator.bin"
for node in 13036267341651542609 9912831721286214145; do
  mkdir -p "$work/data/$node"
  for i in 1 2 3 4; do
    head -c $((3 * 1024 * 1024 + i * 4096)) /dev/urandom > "$work/data/$node/00000$i.sst"
  done
  echo "MANIFEST-000005" > "$work/data/$node/CURRENT"
  head -c 2048 /dev/urandom > "$work/data/$node/MANIFEST-000005"
done
head -c 4096 /dev/urandom > "$work/data/coordinator.bin"

export S3BACKUP_REPO="file://$work/repo"
s3backup() { bin/s3backup "$@"; }

echo; echo "== s3backup init"
s3backup init
sources=("$work/data/13036267341651542609" "$work/data/9912831721286214145" "$work/data/coordinator.bin")
echo; echo "== s3backup push (first backup: everything is uploaded)"
s3backup push --name demo "${sources[@]}"
echo; echo "== s3backup push (nothing changed: nothing is uploaded)"
s3backup push --name demo "${sources[@]}"
echo; echo "== s3backup list"
s3backup list
echo; echo "== s3backup restore --manifest latest"
s3backup restore --manifest latest --target "$work/restored"
echo; echo "== comparing restored files with the originals"
diff -r "$work/data" "$work/restored"
echo "identical: every restored file matches its original byte for byte"
