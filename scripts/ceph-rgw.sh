#!/usr/bin/env bash
# A one-node Ceph cluster with a RADOS Gateway on loopback, for tests and benchmarks:
# one monitor, one memstore OSD (data in memory), radosgw serving S3 over HTTP (or HTTPS), auth off.
#
#   scripts/ceph-rgw.sh start DIR PORT ACCESS_KEY SECRET_KEY   # prints "ready http://127.0.0.1:PORT" when it answers
#   scripts/ceph-rgw.sh start DIR PORT ACCESS_KEY SECRET_KEY CERT.pem KEY.pem
#                                                              # HTTPS on PORT instead, with that certificate
#                                                              # (beast ssl_endpoint); prints "ready https://..."
#   scripts/ceph-rgw.sh stop DIR                               # kills what start started (by pid) and removes DIR
#   scripts/ceph-rgw.sh user DIR UID ACCESS_KEY SECRET_KEY     # one more user (for bucket-policy tests)
#
# CEPH_MEMSTORE_BYTES sizes the in-memory OSD (default 2 GiB; the benchmark asks for more).
# Needs Debian's ceph-mon ceph-osd radosgw ceph-common (Ceph 16.2 on Debian 12). Takes ~15 s;
# idles at ~140 MB. Facts this relies on are in docs/TESTING.md ("Ceph RGW").
set -euo pipefail

cmd=${1:?usage: ceph-rgw.sh start DIR PORT ACCESS SECRET | stop DIR}
dir=${2:?DIR}

stop() {
    for f in "$dir"/run/*.pid; do
        [ -e "$f" ] || continue
        pid=$(cat "$f")
        kill "$pid" 2>/dev/null || true
    done
    for f in "$dir"/run/*.pid; do
        [ -e "$f" ] || continue
        pid=$(cat "$f")
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    done
    rm -rf "$dir"
}

if [ "$cmd" = stop ]; then
    stop
    exit 0
fi
if [ "$cmd" = user ]; then
    radosgw-admin -c "$dir/ceph.conf" user create --uid "${3:?UID}" --display-name "$3" --access-key "${4:?ACCESS}" \
        --secret "${5:?SECRET}" >/dev/null
    exit 0
fi
[ "$cmd" = start ] || { echo "usage: ceph-rgw.sh start DIR PORT ACCESS SECRET | stop DIR" >&2; exit 2; }
port=${3:?PORT}
access=${4:?ACCESS}
secret=${5:?SECRET}
cert=${6:-}
key=${7:-}
if [ -n "$cert" ]; then
    [ -r "$cert" ] && [ -r "$key" ] || { echo "ceph-rgw.sh: cannot read certificate '$cert' or key '$key'" >&2; exit 2; }
    cert=$(cd "$(dirname "$cert")" && pwd)/$(basename "$cert")
    key=$(cd "$(dirname "$key")" && pwd)/$(basename "$key")
    scheme=https
    frontend="beast ssl_endpoint=127.0.0.1:$port ssl_certificate=$cert ssl_private_key=$key"
    curl_tls=(--cacert "$cert")
else
    scheme=http
    frontend="beast endpoint=127.0.0.1:$port"
    curl_tls=()
fi
for p in ceph-mon ceph-osd radosgw radosgw-admin ceph monmaptool ceph-authtool; do
    command -v "$p" >/dev/null || { echo "missing: $p (apt-get install ceph-mon ceph-osd radosgw ceph-common)" >&2; exit 3; }
done

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
mkdir -p "$dir"/{run,log,mon,osd}
dir=$(cd "$dir" && pwd)
mon_port=$(free_port)
fsid=$(cat /proc/sys/kernel/random/uuid)
conf=$dir/ceph.conf
cat > "$conf" <<CONF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
mon initial members = a
auth cluster required = none
auth service required = none
auth client required = none
ms bind ipv6 = false
public addr = 127.0.0.1
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
osd crush chooseleaf type = 0
osd objectstore = memstore
memstore device bytes = ${CEPH_MEMSTORE_BYTES:-2147483648}
run dir = $dir/run
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
pid file = $dir/run/\$name.pid
mon data = $dir/mon/\$cluster-\$id
osd data = $dir/osd/\$cluster-\$id
keyring = $dir/keyring
[client]
ms mon client mode = crc
auth client required = none
rgw frontends = $frontend
rgw dns name = 127.0.0.1
rgw data = $dir/rgw
CONF
export CEPH_CONF=$conf
ceph-authtool --create-keyring "$dir/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
monmaptool --create --add a "v2:127.0.0.1:$mon_port" --fsid "$fsid" "$dir/monmap" >/dev/null
ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/keyring"
ceph-mon -c "$conf" -i a
osd_uuid=$(cat /proc/sys/kernel/random/uuid)
osd_id=$(ceph -c "$conf" osd new "$osd_uuid")
mkdir -p "$dir/osd/ceph-$osd_id"
ceph-osd -c "$conf" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" 2>>"$dir/log/mkfs.log"
ceph-osd -c "$conf" -i "$osd_id"
mkdir -p "$dir/rgw"
radosgw -c "$conf" -n client.rgw.a
for _ in $(seq 300); do
    if curl -s "${curl_tls[@]}" -o /dev/null "$scheme://127.0.0.1:$port/"; then
        break
    fi
    sleep 0.1
done
radosgw-admin -c "$conf" user create --uid s3backup --display-name s3backup --access-key "$access" --secret "$secret" >/dev/null
echo "ready $scheme://127.0.0.1:$port"
