#!/usr/bin/env bash
# Client CPU of a first push and a restore to file://, per jar, alternating jars run by run, so
# that two builds are compared on the same data and the same (shared) machine. No S3 server: this
# is the hashing and I/O path alone (issue #13, "hash once").
#
#   bench/cpu-file.sh [--files 256] [--file-mib 4] [--runs 3] [--chunk-size 8MiB] JAR...
#
# Prints one line per run and a median per jar and step: user+sys CPU seconds and wall seconds.
set -euo pipefail

files=256
file_mib=4
runs=3
chunk_size=8MiB
jars=()
while [ $# -gt 0 ]; do
  case "$1" in
    --files) files=$2; shift 2 ;;
    --file-mib) file_mib=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --chunk-size) chunk_size=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) jars+=("$1"); shift ;;
  esac
done
[ ${#jars[@]} -gt 0 ] || { echo "cpu-file.sh: name at least one jar" >&2; exit 2; }

here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/s3backup-cpu.XXXXXX")
trap 'rm -rf "$work"' EXIT
data="$work/data"
mkdir -p "$data/n1"
for i in $(seq -w 1 "$files"); do
  head -c "$((file_mib << 20))" /dev/urandom > "$data/n1/$i.sst"
done
echo "data: $files files of $file_mib MiB, chunk size $chunk_size"

results="$work/results"
: > "$results"
measure() {   # jar step command...: appends "jar step cpu wall"
  local jar=$1 step=$2; shift 2
  local t="$work/time"
  /usr/bin/time -f "%U %S %e" -o "$t" env S3BACKUP_JAR="$jar" S3BACKUP_CDS=0 "$here/bin/s3backup" "$@" > /dev/null
  read -r user sys wall < "$t"
  local cpu
  cpu=$(echo "$user + $sys" | bc)
  echo "$jar $step $cpu $wall" | tee -a "$results"
}

for run in $(seq 1 "$runs"); do
  for jar in "${jars[@]}"; do
    repo="$work/repo"
    rm -rf "$repo" "$work/restored"
    export S3BACKUP_REPO="file://$repo"
    env S3BACKUP_JAR="$jar" S3BACKUP_CDS=0 "$here/bin/s3backup" init --chunk-size "$chunk_size" > /dev/null
    sync
    measure "$jar" push push n1="$data/n1"
    sync
    measure "$jar" restore restore --manifest latest --target "$work/restored"
  done
done

echo "medians (CPU s = user + sys, wall s):"
for jar in "${jars[@]}"; do
  for step in push restore; do
    cpu=$(awk -v j="$jar" -v s="$step" '$1 == j && $2 == s {print $3}' "$results" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    wall=$(awk -v j="$jar" -v s="$step" '$1 == j && $2 == s {print $4}' "$results" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    echo "  $jar $step: CPU $cpu s, wall $wall s"
  done
done
