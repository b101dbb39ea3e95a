#!/bin/bash
# S3 benchmark, side by side in one run (issue 3):
#  1. 4 KiB GET and PUT requests/s, 16 connections (wrk over presigned URLs,
#     wrk on core 0, servers on core 1): nuage vs moto_server vs nginx (GET,
#     static file with sendfile; nuage and nginx alternate, ROUNDS rounds).
#  2. 64 MiB PUT and GET throughput: nuage vs nginx (GET) and vs dd conv=fsync
#     writing the same bytes to the same disk (PUT).
#  3. ListObjectsV2 of a 1,000-key page from a bucket of 100,000 keys: median.
#  4. Peak RSS of nuage while uploading 1 GiB.
#   [ROUNDS=3] bench/s3.sh [seconds per wrk run (default 10)]
set -eo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-10}
LOAD=$(cut -d' ' -f1-3 /proc/loadavg) # before this script's own load
scripts/deps.sh bench >/dev/null
make -s build/nuage
W=$(mktemp -d /tmp/nuage-bench-s3-XXXX)
chmod 755 "$W" # nginx's workers run as nobody: they must be able to read www/
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$W"' EXIT
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
PY=/usr/bin/python3
free_port() { $PY -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_http() { for i in $(seq 1 200); do curl -sf -o /dev/null "$1" && return 0; sleep 0.05; done; echo "no 200 from $1" >&2; return 1; }

NP=$(free_port)
taskset -c 1 build/nuage serve --port "$NP" --data "$W/nuage" --no-access-log --log-level warn &
NPID=$!
wait_http "http://127.0.0.1:$NP/_nuage/health"
NE="http://127.0.0.1:$NP"
aws --endpoint-url "$NE" s3 mb s3://bench >/dev/null
head -c 4096 /dev/urandom > "$W/4k"
aws --endpoint-url "$NE" s3 cp "$W/4k" s3://bench/4k >/dev/null

MP=$(free_port)
taskset -c 1 moto_server -H 127.0.0.1 -p "$MP" >/dev/null 2>&1 &
wait_http "http://127.0.0.1:$MP/moto-api/"
ME="http://127.0.0.1:$MP"
aws --endpoint-url "$ME" s3 mb s3://bench >/dev/null
aws --endpoint-url "$ME" s3 cp "$W/4k" s3://bench/4k >/dev/null

GP=$(free_port)
mkdir -p "$W/www" "$W/ngx"
cp "$W/4k" "$W/www/4k"
cat > "$W/ngx/nginx.conf" <<NGX
worker_processes 1;
daemon off;
pid $W/ngx/nginx.pid;
error_log $W/ngx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path $W/ngx/body;
  proxy_temp_path $W/ngx/proxy;
  fastcgi_temp_path $W/ngx/fcgi;
  uwsgi_temp_path $W/ngx/uwsgi;
  scgi_temp_path $W/ngx/scgi;
  server { listen 127.0.0.1:$GP; root $W/www; }
}
NGX
taskset -c 1 nginx -c "$W/ngx/nginx.conf" -p "$W/ngx" &
wait_http "http://127.0.0.1:$GP/4k"

run_wrk() { taskset -c 0 wrk -t1 -c16 -d"${DUR}s" "$@" 2>&1; }
# ok_rps [allow-errors]: successful answers per second from wrk's output on
# stdin. nuage and nginx must answer every request with 2xx (an error run
# measures nothing: stop); moto_server fails some concurrent PUTs, so its
# figure counts only its successes and the errors are reported.
ok_rps() {
	local out n secs bad
	out=$(cat)
	n=$(echo "$out" | awk '/requests in/ {print $1}')
	secs=$(echo "$out" | awk '/requests in/ {sub(/s,$/, "", $4); print $4}')
	bad=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
	if [ -n "$bad" ] && [ -z "${1:-}" ]; then echo "error responses:" >&2; echo "$out" >&2; return 1; fi
	[ -n "$bad" ] && echo "$bad of $n answers were errors" >> "$W/errors"
	$PY -c "print('%.2f' % (($n - ${bad:-0}) / $secs))"
}
# GETs: nuage and nginx alternate for ROUNDS rounds (this machine's speed
# drifts by 20% from one 10 s run to the next); the table has each one's
# median and the median of the per-round ratios.
ROUNDS=${ROUNDS:-3}
N_URL=$($PY bench/lib/presign.py "$NE" GET bench 4k)
: > "$W/rounds"
for i in $(seq 1 "$ROUNDS"); do
	n=$(run_wrk "$N_URL" | ok_rps)
	g=$(run_wrk "http://127.0.0.1:$GP/4k" | ok_rps)
	echo "$n $g" >> "$W/rounds"
done
medcol() { awk -v c="$1" '{print $c}' "$W/rounds" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
N_GET=$(medcol 1)
G_GET=$(medcol 2)
GET_RATIO=$(awk '{printf "%.4f\n", $1 / $2}' "$W/rounds" | sort -g | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]}')
GET_ROUNDS=$(awk '{printf "%s%.0f/%.0f", (NR > 1 ? ", " : ""), $1, $2}' "$W/rounds")
M_GET=$(run_wrk "$($PY bench/lib/presign.py "$ME" GET bench 4k)" | ok_rps moto)
N_PUT=$(run_wrk -s bench/lib/wrk_put.lua "$($PY bench/lib/presign.py "$NE" PUT bench put4k)" | ok_rps)
M_PUT=$(run_wrk -s bench/lib/wrk_put.lua "$($PY bench/lib/presign.py "$ME" PUT bench put4k)" | ok_rps moto)
MOTO_ERR=$(cat "$W/errors" 2>/dev/null | paste -sd';' || true)

# 64 MiB throughput (median of 5): curl over presigned URLs, bytes to /dev/null.
head -c $((64 << 20)) /dev/urandom > "$W/64m"
cp "$W/64m" "$W/www/64m"
mbps() { # $1 = seconds for 64 MiB
	$PY -c "print('%.0f' % (64 / $1))"
}
med() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
put_url=$($PY bench/lib/presign.py "$NE" PUT bench 64m)
ok200() { # $1 = URL; the 64 MiB runs below only time successful transfers
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = 200 ] || { echo "no 200 from $1" >&2; exit 1; }
}
N_PUT64=$(for i in 1 2 3 4 5; do taskset -c 0 curl -s -o /dev/null -w '%{time_total}\n' -X PUT -H 'Content-Type:' --data-binary @"$W/64m" "$put_url"; done | med)
get_url=$($PY bench/lib/presign.py "$NE" GET bench 64m)
N_GET64=$(for i in 1 2 3 4 5; do taskset -c 0 curl -s -o /dev/null -w '%{time_total}\n' "$get_url"; done | med)
ok200 "$get_url"; ok200 "http://127.0.0.1:$GP/64m"
G_GET64=$(for i in 1 2 3 4 5; do taskset -c 0 curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$GP/64m"; done | med)
# The ceiling for any single-part PUT that answers with S3's ETag: MD5 of the
# body on one core (OpenSSL's assembly), no I/O at all.
MD5_MIBS=$(openssl speed -evp md5 -bytes 1048576 -seconds 3 2>/dev/null | awk '/^md5/ {sub(/k$/, "", $2); printf "%.0f", $2 * 1000 / 1048576}')
DD64=$(for i in 1 2 3 4 5; do /usr/bin/time -f '%e' dd if="$W/64m" of="$W/dd.out" bs=1M conv=fsync 2>&1 >/dev/null | tail -1; rm -f "$W/dd.out"; done | med)

# ListObjectsV2: 1,000-key page from 100,000 keys. Keys go in through the API
# (16 threads); pages are fetched with plain HTTP over presigned URLs so the
# time is nuage's, not a client's XML parsing.
$PY - "$NE" <<'PYL' > "$W/list.txt"
import sys, time, statistics, concurrent.futures, re, urllib.request
import boto3, botocore.config
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="test",
                  aws_secret_access_key="test", config=botocore.config.Config(signature_version="s3v4",
                  max_pool_connections=16))
s3.create_bucket(Bucket="many")
def put(i):
    s3.put_object(Bucket="many", Key="year=2026/month=%02d/part-%06d.csv" % (i % 12 + 1, i), Body=b"")
with concurrent.futures.ThreadPoolExecutor(16) as ex:
    list(ex.map(put, range(100000)))
lat = []
token = None
for i in range(40):
    params = {"Bucket": "many", "MaxKeys": 1000}
    if token:
        params["ContinuationToken"] = token
    url = s3.generate_presigned_url("list_objects_v2", Params=params)
    t = time.perf_counter()
    body = urllib.request.urlopen(url).read()
    lat.append((time.perf_counter() - t) * 1000)
    assert body.count(b"<Key>") == 1000, body[:300]
    token = re.search(rb"<NextContinuationToken>([^<]+)<", body).group(1).decode()
print("%.1f" % statistics.median(lat))
PYL
LIST_MS=$(cat "$W/list.txt")

# Peak RSS while uploading 1 GiB (aws CLI multipart).
head -c $((1024 << 20)) /dev/zero > "$W/1g"
aws --endpoint-url "$NE" s3 cp "$W/1g" s3://bench/1g >/dev/null &
CP=$!
PEAK=0
while kill -0 $CP 2>/dev/null; do
	R=$(awk '/VmHWM/ {print $2}' /proc/$NPID/status)
	[ "$R" -gt "$PEAK" ] && PEAK=$R
	sleep 0.1
done
PEAK=$(awk '/VmHWM/ {print $2}' /proc/$NPID/status)

CPU=$(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
r() { $PY -c "print('%.2f' % ($1))"; }
OUT=$(cat <<RES

## S3 (bench/s3.sh $DUR)

$(date -u +%F), $(nproc) cores ($CPU), load average at start: $LOAD.
wrk -t1 -c16 -d${DUR}s on core 0, servers on core 1; nuage with SigV4-presigned URLs, durable PUTs (fdatasync + WAL fsync).

| 4 KiB requests/s | nuage | moto_server | nginx | nuage / moto | nuage / nginx |
|---|---|---|---|---|---|
| GET | $N_GET | $M_GET | $G_GET | $(r "$N_GET / $M_GET") | $GET_RATIO |
| PUT | $N_PUT | $M_PUT | - | $(r "$N_PUT / $M_PUT") | - |

GET: nuage and nginx alternated over $ROUNDS rounds (nuage/nginx requests/s: $GET_ROUNDS); shown are the medians, and the median of the rounds' ratios.
${MOTO_ERR:+
Counted are 2xx answers only; moto_server answered with errors too: $MOTO_ERR.}

| 64 MiB (median of 5) | nuage | peer | nuage / peer |
|---|---|---|---|
| GET MiB/s (peer: nginx) | $(mbps $N_GET64) | $(mbps $G_GET64) | $(r "$G_GET64 / $N_GET64") |
| PUT MiB/s (peer: dd conv=fsync) | $(mbps $N_PUT64) | $(mbps $DD64) | $(r "$DD64 / $N_PUT64") |

MD5 alone on one core (openssl speed -evp md5, 1 MiB blocks): $MD5_MIBS MiB/s, the ceiling for a single-part PUT, which must answer with the body's MD5 as its ETag.

ListObjectsV2, 1,000-key page from 100,000 keys, median of 40 pages: $LIST_MS ms.
Peak RSS of nuage (VmHWM) after uploading 1 GiB with aws s3 cp: $((PEAK / 1024)) MiB.
RES
)
echo "$OUT"
echo "$OUT" >> bench/RESULTS.md
