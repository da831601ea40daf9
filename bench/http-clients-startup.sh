#!/usr/bin/env bash
# Start-up per HTTP client: an unchanged push of 20 small files to S3Mock on loopback, the three
# clients alternating, N rounds; prints median wall, CPU and peak RSS per client.
#
#   mvn -B -q -Phttp-clients -DskipTests package -pl cli -am && cp cli/target/s3backup.jar /tmp/all.jar
#   bench/http-clients-startup.sh /tmp/all.jar [N]      # then rebuild the released jar
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
JAR=${1:?usage: bench/http-clients-startup.sh JAR-WITH-ALL-CLIENTS [ROUNDS]}; N=${2:-10}
W=$(mktemp -d "${TMPDIR:-/tmp}/s3backup-startup.XXXXXX")
PORT=$(python3 $BENCH_DIR/lib/benchlib.py free-port)
java -Xms256m -jar ${MAVEN_REPO:-$HOME/.m2/repository}/com/adobe/testing/s3mock/5.2.0/s3mock-5.2.0-exec.jar --http.port=$PORT --server.port=0 \
  --com.adobe.testing.s3mock.store.root=$W/store >$W/s3mock.log 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$W"' EXIT
for i in $(seq 60); do curl -fsS -o /dev/null http://127.0.0.1:$PORT/ 2>/dev/null && break; sleep 0.5; done
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret AWS_REGION=us-east-1
mkdir -p $W/src && for f in $(seq 20); do head -c 100000 /dev/urandom > $W/src/f$f; done
CONN=(--endpoint http://127.0.0.1:$PORT --path-style --region us-east-1)
for c in apache url-connection crt; do
  mkdir -p $W/$c; cp $JAR $W/$c/s3backup.jar
  curl -fsS -X PUT http://127.0.0.1:$PORT/startup-$c >/dev/null
  export S3BACKUP_JAR=$W/$c/s3backup.jar S3BACKUP_HTTP_CLIENT=$c S3BACKUP_REPO=s3://startup-$c/r S3BACKUP_CACHE_DIR=$W/cache-$c
  $REPO_DIR/bin/s3backup init "${CONN[@]}" >/dev/null 2>&1
  (cd $W/src && $REPO_DIR/bin/s3backup push "${CONN[@]}" . >/dev/null 2>&1)
done
for i in $(seq $N); do
  for c in apache url-connection crt; do
    export S3BACKUP_JAR=$W/$c/s3backup.jar S3BACKUP_HTTP_CLIENT=$c S3BACKUP_REPO=s3://startup-$c/r S3BACKUP_CACHE_DIR=$W/cache-$c
    (cd $W/src && /usr/bin/time -f "$c %e %U %S %M" -a -o $W/times $REPO_DIR/bin/s3backup push "${CONN[@]}" . >/dev/null 2>&1)
  done
done
python3 - $W/times <<'PY'
import sys, statistics as st
rows={}
for l in open(sys.argv[1]):
    c,e,u,s,m=l.split(); rows.setdefault(c,[]).append((float(e),float(u)+float(s),int(m)//1024))
for c,v in rows.items():
    print("%-15s n=%d wall median %.2f s (min %.2f) cpu median %.2f s rss median %d MiB" % (c,len(v),st.median(x[0] for x in v),min(x[0] for x in v),st.median(x[1] for x in v),st.median(x[2] for x in v)))
PY
uptime
