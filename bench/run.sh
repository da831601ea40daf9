#!/usr/bin/env bash
# Benchmark s3backup against its peers on the same data, in the same run, on this machine.
#
#   bench/run.sh                      # 256 x 4 MiB SSTs (1 GiB), 10 % churn: ~3-4 minutes
#   bench/run.sh --size-mib 256 --files 64   # quick run (~2 minutes)
#   bench/run.sh --repeat 3           # three rounds; the tables show medians
#   bench/run.sh --server rgw         # against Ceph RGW (scripts/ceph-rgw.sh) instead of S3Mock
#   bench/run.sh --tls                # over HTTPS, with a private CA made for the run
#   bench/run.sh --help
#
# Peers: rclone copy, aws s3 sync, restic (all against Adobe S3Mock or Ceph RGW on loopback, one
# bucket each) and rsync --link-dest to a local directory (the HyperDex manual's method). Scenarios:
# first push, unchanged push, churn push (a compaction replaced CHURN % of the SSTs), restore of
# snapshot 2 into an empty directory. Each step runs under /usr/bin/time -v; bytes and requests
# are counted on the server side (S3Mock's store and its access log), the same way for every tool.
#
# Not part of `mvn test`: nothing here is a Maven module.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
LIB="$BENCH_DIR/lib"
. "$LIB/copy-jar.sh"

# ---- options ---------------------------------------------------------------------------------
SIZE_MIB=1024
SHAPE=sst
FILES=256
CHURN=10
SEED=20240101
TOOLS="s3backup rclone aws restic rsync"
WORK_PARENT=${TMPDIR:-/tmp}
REPEAT=1
KEEP=0
MIRROR_DELETE=0
INSTALL=1
BUILD=0
RESULTS_DIR="$BENCH_DIR/results"
SERVER=s3mock
TLS=0
CA_BUNDLE=""   # with --tls: the run's self-signed certificate (PEM), which every tool is told to trust
SERVER_VERSION=""
CALIBRATION=""
S3MOCK_VERSION=5.2.0
S3MOCK_JAR=${S3MOCK_JAR:-}
S3BACKUP_JAR=${S3BACKUP_JAR:-"$REPO_DIR/cli/target/s3backup.jar"}
S3BACKUP="$REPO_DIR/bin/s3backup"   # replaced by a private copy once the run's directory exists

usage() {
  cat <<EOF
Usage: bench/run.sh [options]

  --size-mib N        total size of snapshot 1's SST files in MiB (default $SIZE_MIB)
  --files N           number of SST files (default $FILES; file size = size / files)
  --churn PCT         percent of SSTs replaced by new files in snapshot 2 (default $CHURN)
  --shape NAME        what the SSTs look like: sst (RocksDB, HyperLevelDB), ldb (LevelDB), or
                      cassandra (--files SSTables of 8 component files each, mostly small)
                      (default $SHAPE)
  --seed N            seed of the data generator (default $SEED)
  --repeat N          run the whole series N times on fresh buckets; tables show medians
                      (default $REPEAT)
  --tools "A B ..."   tools to run, from: s3backup rclone aws restic rsync (default: all),
                      and s3backup:CLIENT = s3backup with the HTTP client CLIENT (apache,
                      url-connection, crt), each with its own jar copy, bucket and cache,
                      and s3backup+enc = s3backup on an encrypted, compressed repository
                      (init with a passphrase file; restic encrypts too)
  --workdir DIR       parent of the run's temporary directory (default \$TMPDIR or /tmp)
  --results DIR       where <date>.md and <date>.jsonl go (default bench/results)
  --server NAME       s3mock (Adobe S3Mock, default) or rgw (Ceph RGW 16.2 on a memstore OSD,
                      scripts/ceph-rgw.sh; needs ceph-mon ceph-osd radosgw ceph-common). Over
                      RGW, requests and bytes sent are not counted (no access log); bytes stored
                      are summed from a listing
  --tls               speak HTTPS to the server: a self-signed certificate (openssl, SAN IP:127.0.0.1)
                      is made for the run and every tool is told to trust it (s3backup --ca-bundle,
                      aws AWS_CA_BUNDLE, rclone --ca-cert, restic --cacert); host names are checked
  --s3mock-jar PATH   S3Mock exec jar (default: ~/.m2, fetched with mvn dependency:get if absent)
  --s3backup-jar PATH s3backup CLI jar (default: cli/target/s3backup.jar)
  --build             build s3backup first (mvn -q -DskipTests package in the repository)
  --no-install        never apt-get install missing peers; skip them instead
  --mirror-delete     push with rclone sync / aws s3 sync --delete instead of rclone copy /
                      aws s3 sync, so their mirror holds snapshot 2 only (default: the
                      plain commands; their restore then carries snapshot 1's stale files)
  --keep              keep the temporary directory (data, S3Mock store, logs)
  -h, --help          this text

Needs java 17+, python3, curl, /usr/bin/time and the aws CLI (it makes the buckets). Missing peers are installed with apt-get when
running as root (unless --no-install); otherwise they are skipped with a notice.
EOF
}

while [[ $# -gt 0 ]]; do
  case $1 in
    --size-mib) SIZE_MIB=$2; shift 2 ;;
    --files) FILES=$2; shift 2 ;;
    --churn) CHURN=$2; shift 2 ;;
    --shape) SHAPE=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --tools) TOOLS=$2; shift 2 ;;
    --repeat) REPEAT=$2; shift 2 ;;
    --workdir) WORK_PARENT=$2; shift 2 ;;
    --results) RESULTS_DIR=$2; shift 2 ;;
    --s3mock-jar) S3MOCK_JAR=$2; shift 2 ;;
    --server) SERVER=$2; shift 2
              [[ $SERVER == s3mock || $SERVER == rgw ]] || { echo "bench: --server must be s3mock or rgw" >&2; exit 2; } ;;
    --s3backup-jar) S3BACKUP_JAR=$2; shift 2 ;;
    --tls) TLS=1; shift ;;
    --build) BUILD=1; shift ;;
    --no-install) INSTALL=0; shift ;;
    --keep) KEEP=1; shift ;;
    --mirror-delete) MIRROR_DELETE=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench: unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---- state and cleanup -----------------------------------------------------------------------
WORK=""
S3MOCK_PID=""
declare -A SKIPPED=()     # tool -> reason
declare -A VERSIONS=()    # tool -> version line

stop_server() {
  if [[ $SERVER == rgw ]]; then
    if [[ -n ${CEPH_DIR:-} && -d $CEPH_DIR ]]; then bash "$REPO_DIR/scripts/ceph-rgw.sh" stop "$CEPH_DIR" || true; fi
    CEPH_DIR=""
    return
  fi
  if [[ -n $S3MOCK_PID ]] && kill -0 "$S3MOCK_PID" 2>/dev/null; then
    kill "$S3MOCK_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$S3MOCK_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$S3MOCK_PID" 2>/dev/null || true
    wait "$S3MOCK_PID" 2>/dev/null || true
  fi
  S3MOCK_PID=""
}

cleanup() {
  local rc=$?
  stop_server
  if [[ -n $WORK && -d $WORK ]]; then
    if [[ $KEEP == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- prerequisites ---------------------------------------------------------------------------
have() { command -v "$1" >/dev/null 2>&1; }

apt_install() {  # apt_install PACKAGE...: true if installed
  [[ $INSTALL == 1 && $(id -u) == 0 ]] && have apt-get || return 1
  log "installing $* with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1 && return 0
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1
}

require() {  # require COMMAND [PACKAGE]: the harness cannot run without it
  have "$1" || apt_install "${2:-$1}" || die "$1 is missing (Debian package: ${2:-$1})"
}

check_prerequisites() {
  [[ -x /usr/bin/time ]] || apt_install time || die "/usr/bin/time is missing (Debian package: time)"
  require python3
  require curl
  require java openjdk-17-jre-headless
  require aws awscli   # creates and removes the buckets of every S3 tool, and warms S3Mock up
  if [[ $TLS == 1 ]]; then require openssl; fi
}

check_tools() {
  local selected=() tool pkg
  for tool in $TOOLS; do
    case $tool in
      s3backup|s3backup:*|s3backup+enc)
        if [[ $BUILD == 1 ]]; then
          BUILD=0   # once for s3backup and its variants
          log "building s3backup (mvn -q -DskipTests package)"
          (cd "$REPO_DIR" && mvn -q -DskipTests package) || die "build failed"
        fi
        if [[ -f $S3BACKUP_JAR ]]; then selected+=("$tool")
        else SKIPPED[$tool]="not built ($S3BACKUP_JAR missing; run with --build or mvn -DskipTests package)"; fi
        ;;
      rclone|restic|rsync|aws)
        pkg=$tool; [[ $tool == aws ]] && pkg=awscli
        if have "$tool" || apt_install "$pkg"; then selected+=("$tool")
        else SKIPPED[$tool]="$tool not installed (apt-get install $pkg)"; fi
        ;;
      *) die "unknown tool: $tool" ;;
    esac
  done
  for tool in "${!SKIPPED[@]}"; do log "skipping $tool: ${SKIPPED[$tool]}"; done
  RUN_TOOLS=("${selected[@]}")
  [[ ${#RUN_TOOLS[@]} -gt 0 ]] || die "no tool left to run"
}

first_line() {  # first_line CMD...: first line of CMD's output (no pipe: no SIGPIPE under pipefail)
  local out
  out=$("$@" 2>&1) || true
  printf '%s\n' "${out%%$'\n'*}"
}

tool_version() {
  case $1 in
    s3backup*) echo "$(first_line "$S3BACKUP" --version) (repository HEAD $(git -C "$REPO_DIR" rev-parse --short HEAD \
                2>/dev/null || echo '?'), jar built $(date -u -r "$S3BACKUP_JAR" +%Y-%m-%dT%H:%MZ))" ;;
    restic) first_line restic version ;;
    *) first_line "$1" --version ;;
  esac
}

# ---- S3Mock ----------------------------------------------------------------------------------
find_s3mock_jar() {
  [[ -n $S3MOCK_JAR ]] && { [[ -f $S3MOCK_JAR ]] || die "no such jar: $S3MOCK_JAR"; return; }
  local m2=${MAVEN_REPO:-$HOME/.m2/repository}
  S3MOCK_JAR="$m2/com/adobe/testing/s3mock/$S3MOCK_VERSION/s3mock-$S3MOCK_VERSION-exec.jar"
  if [[ ! -f $S3MOCK_JAR ]]; then
    have mvn || die "S3Mock jar not found at $S3MOCK_JAR and mvn is missing"
    log "fetching com.adobe.testing:s3mock:$S3MOCK_VERSION:jar:exec"
    mvn -q dependency:get -Dartifact="com.adobe.testing:s3mock:$S3MOCK_VERSION:jar:exec" -Dtransitive=false \
      || die "could not fetch S3Mock"
  fi
}

# --tls: a self-signed certificate for 127.0.0.1 (the endpoint every tool is given), its key, and
# the PKCS12 keystore S3Mock's Tomcat reads. The certificate is the CA bundle, as a private CA's
# root would be.
make_certificate() {
  local dir="$WORK/tls"
  mkdir -p "$dir" "$WORK/logs"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=s3backup bench" \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>"$WORK/logs/openssl.log" \
    || { cat "$WORK/logs/openssl.log" >&2; die "could not make a certificate"; }
  openssl pkcs12 -export -in "$dir/cert.pem" -inkey "$dir/key.pem" -name s3mock -passout pass:bench \
    -out "$dir/server.p12" 2>>"$WORK/logs/openssl.log" || { cat "$WORK/logs/openssl.log" >&2; die "could not make a keystore"; }
  CA_BUNDLE="$dir/cert.pem"
  log "TLS: certificate $CA_BUNDLE ($(openssl x509 -noout -ext subjectAltName -in "$CA_BUNDLE" | tail -1 | xargs))"
}

# S3Mock 5 opens two connectors: HTTPS on server.port (default 9191) and plain HTTP on
# http.port (default 9090). Over plain HTTP we want that on a free port and the HTTPS one out of
# the way (port 0 = any free port); with --tls, HTTPS on a free port with the run's certificate,
# and plain HTTP on another, unused. The HTTP connector binds every interface; server.address only
# applies to the HTTPS one. The Tomcat access log (one for both) gives per-request counts and sizes.
start_s3mock() {
  local http_port https_port=0 tls_args=()
  S3_PORT=$(python3 "$LIB/benchlib.py" free-port)
  http_port=$S3_PORT
  S3_ENDPOINT="http://127.0.0.1:$S3_PORT"
  if [[ $TLS == 1 ]]; then
    https_port=$S3_PORT
    http_port=$(python3 "$LIB/benchlib.py" free-port)
    S3_ENDPOINT="https://127.0.0.1:$S3_PORT"
    tls_args=(--server.ssl.key-store="file:$WORK/tls/server.p12" --server.ssl.key-store-type=PKCS12
              --server.ssl.key-store-password=bench --server.ssl.key-password=bench --server.ssl.key-alias=s3mock)
  fi
  STORE="$WORK/s3mock-store"
  ACCESS_LOG="$WORK/logs/access.log"
  mkdir -p "$STORE" "$WORK/logs"
  : >"$ACCESS_LOG"
  log "starting S3Mock $S3MOCK_VERSION on $S3_ENDPOINT (store $STORE)"
  java -Xms256m -jar "$S3MOCK_JAR" \
    --http.port="$http_port" --server.port="$https_port" --server.address=127.0.0.1 "${tls_args[@]}" \
    --com.adobe.testing.s3mock.store.root="$STORE" \
    --com.adobe.testing.s3mock.store.retain-files-on-exit=true \
    --server.tomcat.accesslog.enabled=true \
    --server.tomcat.accesslog.directory="$WORK/logs" \
    --server.tomcat.accesslog.prefix=access --server.tomcat.accesslog.suffix=.log \
    --server.tomcat.accesslog.rotate=false --server.tomcat.accesslog.buffered=false \
    '--server.tomcat.accesslog.pattern=%m %U %s %{Content-Length}i %b %D' \
    >"$WORK/logs/s3mock.log" 2>&1 &
  S3MOCK_PID=$!
  local i
  for i in $(seq 120); do
    if curl -fsS ${CA_BUNDLE:+--cacert "$CA_BUNDLE"} -o /dev/null "$S3_ENDPOINT/" 2>/dev/null; then
      log "S3Mock up after ~$((i / 2)) s"
      return
    fi
    kill -0 "$S3MOCK_PID" 2>/dev/null || { tail -20 "$WORK/logs/s3mock.log" >&2; die "S3Mock exited"; }
    sleep 0.5
  done
  tail -20 "$WORK/logs/s3mock.log" >&2
  die "S3Mock did not answer on $S3_ENDPOINT within 60 s"
}

# Ceph RGW: a one-node cluster on a memstore OSD (in memory). Every S3 tool's bucket holds ~1.1 GiB
# at the end of a round, so the OSD gets room for all of them. No access log: requests are not counted.
start_rgw() {
  local tools=0 t
  for t in "${RUN_TOOLS[@]}"; do [[ $t == rsync ]] || tools=$((tools + 1)); done
  S3_PORT=$(python3 "$LIB/benchlib.py" free-port)
  CEPH_DIR="$WORK/ceph"
  STORE=""
  ACCESS_LOG="$WORK/logs/access.log"   # stays empty
  mkdir -p "$WORK/logs"
  : >"$ACCESS_LOG"
  export CEPH_MEMSTORE_BYTES=$(( (tools + 1) * (SIZE_MIB * 13 / 10 + 256) * 1048576 ))
  log "starting Ceph RGW on port $S3_PORT (memstore $((CEPH_MEMSTORE_BYTES / 1048576)) MiB)"
  local tls_args=()
  if [[ $TLS == 1 ]]; then tls_args=("$WORK/tls/cert.pem" "$WORK/tls/key.pem"); fi
  bash "$REPO_DIR/scripts/ceph-rgw.sh" start "$CEPH_DIR" "$S3_PORT" bench bench-secret "${tls_args[@]}" \
    >"$WORK/logs/ceph.log" 2>&1 || { tail -20 "$WORK/logs/ceph.log" >&2; die "Ceph RGW did not start"; }
  # Not "http$([[ ... ]] && echo s)": under set -e, a false test in that substitution ends the run.
  if [[ $TLS == 1 ]]; then S3_ENDPOINT="https://127.0.0.1:$S3_PORT"; else S3_ENDPOINT="http://127.0.0.1:$S3_PORT"; fi
  SERVER_VERSION="Ceph RGW $(radosgw --version 2>/dev/null | awk '{print $3; exit}')"
}

start_server() {
  if [[ $TLS == 1 ]]; then make_certificate; fi
  if [[ $SERVER == rgw ]]; then start_rgw; else start_s3mock; SERVER_VERSION="Adobe S3Mock $S3MOCK_VERSION"; fi
}

# The issue #13 CPU target is relative to one SHA-256 pass plus one read of snapshot 1's bytes on
# this machine: time that (openssl uses the CPU's SHA instructions, as the JVM's intrinsic does).
calibrate() {
  local out
  have openssl || return 0
  out=$(cd "$SRC" && { /usr/bin/time -f '%U %S' openssl dgst -sha256 node1/*.sst >/dev/null; } 2>&1 | tail -1) || return 0
  CALIBRATION=$(awk '{printf "%.2f", $1 + $2}' <<<"$out")
  log "calibration: one read and SHA-256 pass over snapshot 1's SSTs (openssl) = $CALIBRATION CPU-s"
}

# ---- environment shared by the S3 tools ------------------------------------------------------
setup_env() {
  # Over plain HTTP a CA bundle is useless; rclone refuses to start with AWS_CA_BUNDLE set, so
  # drop the user's for everyone. Keep the user's AWS config out of the run.
  unset AWS_CA_BUNDLE AWS_PROFILE AWS_ENDPOINT_URL AWS_SESSION_TOKEN
  # --tls: aws (every bucket command too) reads the run's bundle from AWS_CA_BUNDLE; rclone runs
  # without that variable and gets --ca-cert, restic --cacert, s3backup --ca-bundle.
  RCLONE=(rclone) RESTIC=(restic)
  if [[ $TLS == 1 ]]; then
    export AWS_CA_BUNDLE=$CA_BUNDLE
    RCLONE=(env -u AWS_CA_BUNDLE rclone --ca-cert "$CA_BUNDLE")
    RESTIC=(restic --cacert "$CA_BUNDLE")
  fi
  export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret
  export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
  export AWS_CONFIG_FILE="$WORK/aws-config" AWS_SHARED_CREDENTIALS_FILE="$WORK/aws-credentials"
  : >"$AWS_CONFIG_FILE"; : >"$AWS_SHARED_CREDENTIALS_FILE"
  # botocore >= 1.36 adds CRC32 checksums to every upload by default; S3Mock then rejects
  # CompleteMultipartUpload ("The upload was created using a crc32 checksum ... missing for part 1").
  export AWS_REQUEST_CHECKSUM_CALCULATION=when_required AWS_RESPONSE_CHECKSUM_VALIDATION=when_required
  export RCLONE_CONFIG="$WORK/rclone.conf"; : >"$RCLONE_CONFIG"
  export RCLONE_CONFIG_S3MOCK_TYPE=s3 RCLONE_CONFIG_S3MOCK_PROVIDER=Other
  export RCLONE_CONFIG_S3MOCK_ENDPOINT="$S3_ENDPOINT" RCLONE_CONFIG_S3MOCK_FORCE_PATH_STYLE=true
  export RCLONE_CONFIG_S3MOCK_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID
  export RCLONE_CONFIG_S3MOCK_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
  export RCLONE_CONFIG_S3MOCK_REGION=us-east-1
  export RESTIC_PASSWORD=bench-password
  S3BACKUP_CONN=(--endpoint "$S3_ENDPOINT" --path-style --region us-east-1)
  if [[ $TLS == 1 ]]; then S3BACKUP_CONN+=(--ca-bundle "$CA_BUNDLE"); fi
}

warm_up_s3mock() {
  # S3Mock initialises lazily and its JIT starts cold: whichever tool ran first would pay for
  # that. Push and fetch some data once, unmeasured, so every tool meets a warm server.
  local dir="$WORK/warmup" ssts=() f
  for f in "$SRC"/node1/*; do case $f in *.sst|*.ldb|*-Data.db) ssts+=("$f") ;; esac; done
  mkdir -p "$dir/up" "$dir/down"
  ln "${ssts[@]:0:32}" "$dir/up/"
  log "warming up S3Mock"
  aws --endpoint-url "$S3_ENDPOINT" s3 mb s3://bench-warmup >/dev/null
  aws --endpoint-url "$S3_ENDPOINT" s3 sync --only-show-errors "$dir/up" s3://bench-warmup/w
  aws --endpoint-url "$S3_ENDPOINT" s3 sync --only-show-errors s3://bench-warmup/w "$dir/down"
  aws --endpoint-url "$S3_ENDPOINT" s3 rb --force s3://bench-warmup >/dev/null
  rm -rf "$dir"
}

# ---- per-tool commands -----------------------------------------------------------------------
# Every push runs with the current directory = $SRC, which holds node1/ and coordinator.bin.
# $SRC keeps its path across snapshots (snapshot 2 is renamed into place), so path-keyed
# tools (restic's parent snapshot) see the same layout a cron job would. Each round ($ROUND)
# starts every tool from scratch: its own bucket (or rsync directory) and its own caches.

bucket_of() { echo "bench-${1//[:+]/-}-r$ROUND"; }

# s3backup:VARIANT is s3backup with the HTTP client VARIANT (apache, url-connection, crt): its own
# copy of the jar (so its class-data archive is recorded with that client), bucket and cache.
s3backup_cmd() {  # s3backup_cmd TOOL: sets S3B to the argv prefix that runs that s3backup
  local variant=${1#s3backup}
  S3B=(env S3BACKUP_REPO="s3://$(bucket_of "$1")/repo" S3BACKUP_CACHE_DIR="$WORK/cache-r$ROUND/${1//[:+]/-}")
  if [[ $variant == +enc ]]; then
    # the passphrase file makes init create an encrypted, compressed repository (docs/SECURITY.md)
    printf 'bench-password\n' >"$WORK/s3backup-passphrase"
    S3B+=(S3BACKUP_PASSWORD_FILE="$WORK/s3backup-passphrase")
  elif [[ -n $variant ]]; then
    S3B+=(S3BACKUP_JAR="$WORK/${1//:/-}/lib/s3backup.jar" S3BACKUP_HTTP_CLIENT="${variant#:}")
  fi
  S3B+=("$S3BACKUP")
}
rsync_dest() { echo "$WORK/rsync-dest-r$ROUND"; }
make_bucket() { aws --endpoint-url "$S3_ENDPOINT" s3 mb "s3://$1" >/dev/null; }

tool_setup() {
  # Caches live in the round's directory, so no tool starts a round with a warm cache.
  export XDG_CACHE_HOME="$WORK/cache-r$ROUND" RESTIC_CACHE_DIR="$WORK/cache-r$ROUND/restic"
  export S3BACKUP_CACHE_DIR="$WORK/cache-r$ROUND/s3backup"   # s3backup's hash cache
  export RESTIC_REPOSITORY="s3:$S3_ENDPOINT/$(bucket_of restic)"
  export S3BACKUP_REPO="s3://$(bucket_of s3backup)/repo"
  case $1 in
    s3backup*) make_bucket "$(bucket_of "$1")"
              s3backup_cmd "$1"
              "${S3B[@]}" init "${S3BACKUP_CONN[@]}" >"$WORK/logs/$1-init.log" 2>&1 \
                || { cat "$WORK/logs/$1-init.log" >&2; return 1; }
              # The launcher records a class-data-sharing archive beside the jar on the first
              # real command and maps it afterwards, as it would for a user after day one. Let an
              # unmeasured `list` pay for the recording rather than the first measured push.
              "${S3B[@]}" list "${S3BACKUP_CONN[@]}" >>"$WORK/logs/$1-init.log" 2>&1 || true ;;
    rclone|aws) make_bucket "$(bucket_of "$1")" ;;
    restic) make_bucket "$(bucket_of restic)"; "${RESTIC[@]}" init -q >"$WORK/logs/restic-init.log" 2>&1 \
              || { cat "$WORK/logs/restic-init.log" >&2; return 1; } ;;
    rsync) RSYNC_GEN=0; mkdir -p "$(rsync_dest)" ;;
  esac
}

tool_teardown() {  # free the round's space: the next round starts from scratch anyway
  case $1 in
    rsync) rm -rf "$(rsync_dest)" ;;
    *) aws --endpoint-url "$S3_ENDPOINT" s3 rb --force "s3://$(bucket_of "$1")" >/dev/null 2>&1 \
         || log "could not remove bucket $(bucket_of "$1")" ;;
  esac
}

push_cmd() {  # push_cmd TOOL: sets CMD to the argv of one push
  case $1 in
    s3backup*) s3backup_cmd "$1"; CMD=("${S3B[@]}" push --json "${S3BACKUP_CONN[@]}" node1 coordinator.bin) ;;
    rclone) CMD=("${RCLONE[@]}" copy . "s3mock:$(bucket_of rclone)/mirror")
            if [[ $MIRROR_DELETE == 1 ]]; then CMD[${#RCLONE[@]}]=sync; fi ;;
    aws) CMD=(aws --endpoint-url "$S3_ENDPOINT" s3 sync --only-show-errors . "s3://$(bucket_of aws)/mirror")
         if [[ $MIRROR_DELETE == 1 ]]; then CMD+=(--delete); fi ;;
    restic) CMD=("${RESTIC[@]}" backup --quiet --json node1 coordinator.bin) ;;
    rsync)
      RSYNC_GEN=$((RSYNC_GEN + 1))
      CMD=(rsync -a)
      if [[ $RSYNC_GEN -gt 1 ]]; then CMD+=(--link-dest="$(rsync_dest)/b$((RSYNC_GEN - 1))"); fi
      CMD+=(./ "$(rsync_dest)/b$RSYNC_GEN/")
      ;;
  esac
}

restore_cmd() {  # restore_cmd TOOL DIR: sets CMD, and RESTORED = where snapshot 2 lands inside DIR
  local dir=$2
  RESTORED=$dir
  case $1 in
    s3backup*) s3backup_cmd "$1"; CMD=("${S3B[@]}" restore --json "${S3BACKUP_CONN[@]}" --manifest latest --target "$dir") ;;
    rclone) CMD=("${RCLONE[@]}" copy "s3mock:$(bucket_of rclone)/mirror" "$dir") ;;
    aws) CMD=(aws --endpoint-url "$S3_ENDPOINT" s3 sync --only-show-errors "s3://$(bucket_of aws)/mirror" "$dir") ;;
    restic) CMD=("${RESTIC[@]}" restore latest --target "$dir") ;;  # paths relative to the sources' common parent
    rsync) CMD=(rsync -a "$(rsync_dest)/b$RSYNC_GEN/" "$dir/") ;;
  esac
}

stored_bytes() {  # bytes the tool's target holds: its S3Mock bucket, or the rsync directory
  local d
  if [[ $1 != rsync && $SERVER == rgw ]]; then
    aws --endpoint-url "$S3_ENDPOINT" s3api list-objects-v2 --bucket "$(bucket_of "$1")" \
      --query 'sum(Contents[].Size)' --output text 2>/dev/null | sed 's/None/0/' || echo 0
    return
  fi
  if [[ $1 == rsync ]]; then d=$(rsync_dest); else d="$STORE/$(bucket_of "$1")"; fi
  if [[ -d $d ]]; then du -sb "$d" | cut -f1; else echo 0; fi
}

# ---- one measured step -----------------------------------------------------------------------
run_step() {  # run_step TOOL SCENARIO [EXPECTED_DIR]; runs "${CMD[@]}" in $SRC
  local tool=$1 scenario=$2 expected=${3:-}
  local base="$WORK/logs/r$ROUND-$tool-$scenario" before after offset rc=0 verify="" remote=(--remote) t0 sync_s
  if [[ $tool == rsync || $SERVER == rgw ]]; then remote=(); fi
  before=$(stored_bytes "$tool")
  offset=$(stat -c %s "$ACCESS_LOG")
  sync   # nothing dirty from earlier steps competes with this one or lands in its sync time
  log "round $ROUND/$REPEAT, $tool $scenario: ${CMD[*]}"
  (cd "$SRC" && /usr/bin/time -v -o "$base.time" "${CMD[@]}" >"$base.out" 2>"$base.err") || rc=$?
  # Tools differ in what "done" means: s3backup fsyncs each restored file, rclone, aws, restic
  # and rsync leave their writes in the page cache. Time a sync of the file system after each
  # step so the comparison can be made on "data on disk" (S3Mock's own writes included).
  t0=$(date +%s%N)
  sync -f "$WORK"
  sync_s=$(( ($(date +%s%N) - t0) / 1000000 ))
  after=$(stored_bytes "$tool")
  if [[ $rc -ne 0 ]]; then
    log "$tool $scenario FAILED (exit $rc); last lines of its stderr:"
    tail -5 "$base.err" >&2 || true
  fi
  if [[ -n $expected ]]; then
    verify=$(python3 "$LIB/benchlib.py" verify "$expected" "$RESTORED")
  fi
  python3 "$LIB/benchlib.py" measure --tool "$tool" --scenario "$scenario" --round "$ROUND" \
    --time-file "$base.time" --access-log "$ACCESS_LOG" --log-offset "$offset" \
    --stored-before "$before" --stored-after "$after" --exit-code "$rc" --stdout "$base.out" \
    --sync-ms "$sync_s" \
    ${verify:+--verify "$verify"} "${remote[@]}" | tee -a "$JSONL"
}

# ---- one round: every tool through every scenario --------------------------------------------
use_snapshot() {  # use_snapshot 1|2: rename that snapshot to $SRC (a rename keeps inodes and times)
  local other=$((3 - $1))
  if [[ -d "$WORK/data/snap$1" ]]; then
    mv "$SRC" "$WORK/data/snap$other"
    mv "$WORK/data/snap$1" "$SRC"
  fi
  if [[ $1 == 2 ]]; then
    # Snapshot 2's new and rewritten files (link count 1: not shared with snapshot 1) were
    # generated up front; date them now, as if the store wrote them after backup 1. Otherwise
    # mtime-based tools (aws s3 sync uploads only when the local file is newer; rsync's quick
    # check) would rightly skip a same-size CURRENT or coordinator.bin that looks older.
    find "$SRC" -type f -links 1 -exec touch {} +
  fi
}

run_round() {
  local tool ok_tools=() reason
  use_snapshot 1
  for tool in "${RUN_TOOLS[@]}"; do
    if tool_setup "$tool" 2>"$WORK/logs/$tool-setup.err"; then ok_tools+=("$tool")
    else
      reason=$(sed -n '/[^[:space:]]/{s/^\(.\{1,160\}\).*/\1/;p;q}' "$WORK/logs/$tool-setup.err")
      SKIPPED[$tool]="setup failed: $reason"
      log "skipping $tool: ${SKIPPED[$tool]}"
    fi
  done
  RUN_TOOLS=("${ok_tools[@]}")
  [[ ${#RUN_TOOLS[@]} -gt 0 ]] || die "no tool left to run"

  for tool in "${RUN_TOOLS[@]}"; do push_cmd "$tool"; run_step "$tool" push-first; done
  for tool in "${RUN_TOOLS[@]}"; do push_cmd "$tool"; run_step "$tool" push-unchanged; done
  use_snapshot 2
  for tool in "${RUN_TOOLS[@]}"; do push_cmd "$tool"; run_step "$tool" push-churn; done
  for tool in "${RUN_TOOLS[@]}"; do
    local target="$WORK/restore/$tool"
    mkdir -p "$target"
    restore_cmd "$tool" "$target"
    run_step "$tool" restore "$SRC"
    rm -rf "$target"
  done
  for tool in "${RUN_TOOLS[@]}"; do tool_teardown "$tool"; done
  rm -rf "$WORK/cache-r$ROUND"
}

# ---- the run ---------------------------------------------------------------------------------
machine_summary() {
  local model mem
  model=$(lscpu | sed -n 's/^Model name: *//p')
  mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)
  echo "$(nproc) CPUs (${model%%$'\n'*}), $mem RAM, $(. /etc/os-release && echo "$PRETTY_NAME"), $(first_line java -version)"
}

write_meta() {  # the facts report.py needs beside the JSON lines
  local t
  for t in "${!VERSIONS[@]}"; do printf '%s\t%s\n' "$t" "${VERSIONS[$t]}"; done >"$WORK/versions.tsv"
  for t in "${!SKIPPED[@]}"; do printf '%s\t%s\n' "$t" "${SKIPPED[$t]}"; done >"$WORK/skipped.tsv"
  TLS=$TLS SERVER_VERSION=$SERVER_VERSION CALIBRATION=$CALIBRATION DATE=$DATE REPEAT=$REPEAT SIZE_MIB=$SIZE_MIB FILES=$FILES SHAPE=$SHAPE CHURN=$CHURN S3MOCK_VERSION=$S3MOCK_VERSION TOOLS=$TOOLS \
  COMMAND=$COMMAND MACHINE=$(machine_summary) GEN=$1 python3 - "$WORK/versions.tsv" "$WORK/skipped.tsv" >"$META" <<'EOF'
import json, os, sys
def tsv(path):
    with open(path, encoding="utf-8") as f:
        return dict(line.rstrip("\n").split("\t", 1) for line in f if "\t" in line)
e, gen = os.environ, json.loads(os.environ["GEN"])
order = e["TOOLS"].split()
versions = tsv(sys.argv[1])
print(json.dumps({
    "date": e["DATE"], "size_mib": int(e["SIZE_MIB"]), "files": int(e["FILES"]), "churn": float(e["CHURN"]), "repeat": int(e["REPEAT"]), "cpus": os.cpu_count(),
    "churned_files": gen["churned_files"], "churned_bytes": gen["churned_bytes"],
    "s3mock_version": e["S3MOCK_VERSION"], "server": e["SERVER_VERSION"], "tls": e["TLS"] == "1",
    "calibration_cpu_s": float(e["CALIBRATION"]) if e["CALIBRATION"] else None, "machine": e["MACHINE"], "command": e["COMMAND"], "tools": order,
    "versions": {t: versions[t] for t in order if t in versions}, "skipped": tsv(sys.argv[2])}))
EOF
}

main() {
  COMMAND="bench/run.sh --size-mib $SIZE_MIB --files $FILES --churn $CHURN"
  if [[ $SERVER != s3mock ]]; then COMMAND+=" --server $SERVER"; fi
  if [[ $TLS == 1 ]]; then COMMAND+=" --tls"; fi
  if [[ $REPEAT != 1 ]]; then COMMAND+=" --repeat $REPEAT"; fi
  if [[ $TOOLS != "s3backup rclone aws restic rsync" ]]; then COMMAND+=" --tools \"$TOOLS\""; fi
  if [[ $MIRROR_DELETE == 1 ]]; then COMMAND+=" --mirror-delete"; fi
  DATE=$(date -u +%Y-%m-%dT%H%M%SZ)
  check_prerequisites
  check_tools
  if [[ $SERVER == s3mock ]]; then find_s3mock_jar; fi

  mkdir -p "$WORK_PARENT" "$RESULTS_DIR"
  WORK=$(mktemp -d "$WORK_PARENT/s3backup-bench.XXXXXX")
  JSONL="$RESULTS_DIR/$DATE.jsonl"
  META="$RESULTS_DIR/$DATE.meta.json"   # with the .jsonl, enough to redo the report
  SRC="$WORK/src"
  : >"$JSONL"
  log "work directory $WORK"
  local tool
  if [[ " ${RUN_TOOLS[*]} " == *" s3backup"* ]]; then
    # Others may rebuild the jar or edit the launcher while we run: measure one copy of both.
    mkdir -p "$WORK/s3backup/bin"
    cp "$REPO_DIR/bin/s3backup" "$WORK/s3backup/bin/s3backup"
    copy_s3backup_jar "$S3BACKUP_JAR" "$WORK/s3backup/lib"
    S3BACKUP="$WORK/s3backup/bin/s3backup"
    export S3BACKUP_JAR="$WORK/s3backup/lib/s3backup.jar"   # read by the launcher
  fi
  for tool in "${RUN_TOOLS[@]}"; do
    if [[ $tool == s3backup:* ]]; then
      copy_s3backup_jar "$S3BACKUP_JAR" "$WORK/${tool//:/-}/lib"  # no ":" in a java -jar path
    fi
  done

  log "generating data: $FILES SSTs, $SIZE_MIB MiB, churn $CHURN %"
  local gen
  gen=$(python3 "$LIB/gen_snapshots.py" --out "$WORK/data" --size-mib "$SIZE_MIB" --files "$FILES" --shape "$SHAPE" \
        --churn "$CHURN" --seed "$SEED")
  mv "$WORK/data/snap1" "$SRC"

  start_server
  setup_env
  warm_up_s3mock
  calibrate

  for tool in "${RUN_TOOLS[@]}"; do VERSIONS[$tool]=$(tool_version "$tool"); done
  for ROUND in $(seq "$REPEAT"); do run_round; done

  stop_server
  write_meta "$gen"
  local md="$RESULTS_DIR/$DATE.md"
  python3 "$LIB/benchlib.py" report --jsonl "$JSONL" --meta "$META" | tee "$md"
  log "results: $md and $JSONL"
}

main
