#!/usr/bin/env bash
# Many small files on a file:// repository, with the launcher's defaults (bin/s3backup: 256 MiB
# heap): push, unchanged push, restore, verify, forget + gc. Wall and CPU seconds and peak RSS of
# each command from GNU time; the restore is compared with the source.
#   bench/many-files.sh [--files N] [--data DIR] [--jar FILE] [--restic] [--quick] [--keep]
#     --files N   how many files to generate (default 200000; 1.5-2.5 KiB each, 1000 per directory)
#     --data DIR  a tree generated before (DIR/node), instead of generating one
#     --jar FILE  measure this jar instead of cli/target/s3backup.jar (e.g. a build of main)
#     --restic    also restic backup and restic restore of the same tree to a local repository, in
#                 the same run (RESTIC_PASSWORD is set to a throwaway value)
#     --quick     only the first push and the restore (and restic's two)
# Needs: java 17, python3, GNU time, cli/target/s3backup.jar (mvn -DskipTests package).
# Not part of `mvn test`. Figures: docs/BENCHMARKS.md, "Many small files".
set -euo pipefail
FILES=200000
KEEP=0
DATA=""
JAR=""
RESTIC=0
QUICK=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --files) FILES=$2; shift 2 ;;
    --data) DATA=$2; shift 2 ;;
    --jar) JAR=$2; shift 2 ;;
    --restic) RESTIC=1; shift ;;
    --quick) QUICK=1; shift ;;
    --keep) KEEP=1; shift ;;
    *) echo "usage: $0 [--files N] [--data DIR] [--jar FILE] [--restic] [--quick] [--keep]" >&2; exit 2 ;;
  esac
done
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/bench/lib/copy-jar.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/s3backup-many-XXXXXX")
cleanup() { if [[ $KEEP == 1 ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT

if [[ -n $DATA ]]; then
  ln -s "$(cd "$DATA" && pwd)" "$WORK/data"
else
python3 - "$WORK/data/node" "$FILES" <<'PY'
import os, random, sys
base, n = sys.argv[1], int(sys.argv[2])
random.seed(1)
for i in range(n):
    d = f"{base}/d{i // 1000:04d}"
    if i % 1000 == 0:
        os.makedirs(d, exist_ok=True)
    with open(f"{d}/f{i % 1000:04d}", "wb") as f:
        f.write(os.urandom(random.randint(1536, 2560)))
PY
fi

# A copy of the jar: a rebuild during the run does not change the program measured.
copy_s3backup_jar "${JAR:-$ROOT/cli/target/s3backup.jar}" "$WORK"
export S3BACKUP_JAR="$WORK/s3backup.jar" S3BACKUP_REPO="file://$WORK/repo" S3BACKUP_CACHE_DIR="$WORK/cache"
step() {  # step NAME S3BACKUP-ARGS...: one row of the table
  local name=$1; shift
  run "$name" "$ROOT/bin/s3backup" "$@"
}
run() {  # run NAME COMMAND...: one row of the table; a sync first, so no step pays for another's writes
  local name=$1; shift
  sync
  if ! /usr/bin/time -f "%e %U %S %M" -o "$WORK/time" "$@" >"$WORK/out" 2>"$WORK/err"; then
    echo "| $name | FAILED: $(tail -c 300 "$WORK/err" | tr '\n' ' ') |"
    return 1
  fi
  read -r wall user sys rss < <(tail -n 1 "$WORK/time")
  # Durable means different things (s3backup's restore syncs its files, restic's does not): the
  # sync right after the step is timed and added to the total.
  local s0 s1
  s0=$(date +%s.%N); sync; s1=$(date +%s.%N)
  printf '| %s | %s | %.2f | %.2f | %.1f | %d |\n' "$name" "$wall" "$(echo "$s1 - $s0" | bc)" \
    "$(echo "$wall + $s1 - $s0" | bc)" "$(echo "$user + $sys" | bc)" $((rss / 1024))
}
"$ROOT/bin/s3backup" init >/dev/null
echo "files: ${DATA:-$FILES generated}, $(ls "$WORK/data/node" | wc -l) directories;" \
  "machine: $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg); heap ${S3BACKUP_HEAP:-launcher default}"
echo
echo "| step | wall s | sync s | wall + sync s | CPU s | peak RSS MiB |"
echo "|---|---:|---:|---:|---:|---:|"
step "first push" push "$WORK/data/node"
[[ $QUICK == 1 ]] || step "unchanged push (hash cache)" push "$WORK/data/node"
step "restore" restore --manifest latest --target "$WORK/restored"
if [[ $QUICK == 0 ]]; then
  step "verify" verify
  step "verify --read-data" verify --read-data
  step "forget --all" forget --all
  step "gc --grace 0" gc --grace 0
fi
if [[ $RESTIC == 1 ]]; then
  # restic's defaults, a local repository, its cache in the work directory; restore writes the
  # tree under its absolute path below the target.
  export RESTIC_REPOSITORY="$WORK/restic" RESTIC_PASSWORD=bench RESTIC_CACHE_DIR="$WORK/restic-cache"
  restic init -q >/dev/null
  run "restic backup" restic backup -q "$WORK/data/node/"
  run "restic restore" restic restore -q latest --target "$WORK/restic-restored"
fi
echo
if diff -r "$WORK/data/node" "$WORK/restored/node" >/dev/null; then echo "restore check: identical"; else echo "restore check: DIFFERENT"; fi
if [[ $RESTIC == 1 ]]; then
  if diff -r "$WORK/data/node" "$WORK/restic-restored$WORK/data/node" >/dev/null; then echo "restic restore check: identical"; else echo "restic restore check: DIFFERENT"; fi
fi
