#!/bin/bash
# Messaging, nuage side by side with moto_server in one run:
#  1. SQS throughput with durable storage: messages per second through the
#     whole cycle SendMessageBatch (10) -> ReceiveMessage (up to 10) ->
#     DeleteMessageBatch, a message counting once it is deleted. JSON 1.0
#     protocol, SigV4-signed, keep-alive connections, 100-byte bodies.
#  2. S3 PUT -> event visible in SQS: LAT_COUNT (default 1000) PUTs of 100
#     bytes one after another into a bucket that notifies a queue, while a
#     second connection long-polls it; the time from starting each PUT to
#     holding its record (median, p99).
#  3. The event-pattern matcher: bench/match.sh (its own section).
# nuage runs its release build with its defaults (every acknowledged call is
# on disk before the answer: WAL + fdatasync, shared by concurrent commits)
# and --no-access-log; moto_server keeps everything in memory.
#   bench/messaging.sh [SECONDS_PER_POINT] [CONNECTION_COUNTS...]
#   (defaults: 10 s; 1 8 32 connections)
# Appends its tables to bench/RESULTS.md.
set -e
cd "$(dirname "$0")/.."
SECS=${1:-10}
shift || true
CONNS=${*:-1 8 32}
make -s build/nuage
cc -O2 -std=c11 -D_GNU_SOURCE -Isrc -o build/sqsload bench/sqsload.c build/rel/src/core/*.o \
	build/rel/src/http/sigv4.o $(pkg-config --libs openssl zlib) -lpthread
MOTO=$(command -v moto_server || true)
python3 - "$SECS" "$MOTO" $CONNS <<'PY'
import datetime, os, platform, shutil, socket, subprocess, sys, tempfile, time, urllib.request

secs = int(sys.argv[1]); moto = sys.argv[2]; conns = [int(x) for x in sys.argv[3:]]
lat_count = int(os.environ.get("LAT_COUNT", "1000"))
lat = {}
env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1")

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def wait_up(url):
    for _ in range(300):
        try:
            urllib.request.urlopen(url, timeout=1); return
        except Exception:
            time.sleep(0.05)
    raise SystemExit("server did not start: " + url)

def create_queue(endpoint, name):
    code = ("import boto3; c = boto3.client('sqs', endpoint_url=%r); print(c.create_queue(QueueName=%r)['QueueUrl'])"
            % (endpoint, name))
    return subprocess.check_output(["/usr/bin/python3", "-c", code], env=env).decode().strip()

def notify_setup(endpoint):
    code = ("import boto3\n"
            "s3 = boto3.client('s3', endpoint_url=%r); sqs = boto3.client('sqs', endpoint_url=%r)\n"
            "s3.create_bucket(Bucket='lat')\n"
            "u = sqs.create_queue(QueueName='lat')['QueueUrl']\n"
            "a = sqs.get_queue_attributes(QueueUrl=u, AttributeNames=['QueueArn'])['Attributes']['QueueArn']\n"
            "s3.put_bucket_notification_configuration(Bucket='lat', NotificationConfiguration={"
            "'QueueConfigurations': [{'QueueArn': a, 'Events': ['s3:ObjectCreated:*']}]})\n"
            "print(u)\n" % (endpoint, endpoint))
    return subprocess.check_output(["/usr/bin/python3", "-c", code], env=env).decode().strip()

def latency(port):
    url = notify_setup("http://127.0.0.1:%d" % port)
    out = subprocess.check_output(["build/sqsload", "latency", "127.0.0.1", str(port), url, "lat",
                                   str(lat_count)]).decode().split()
    return dict(zip(out[0::2], (int(x) for x in out[1::2])))

def load(port, url, n):
    out = subprocess.check_output(["build/sqsload", "127.0.0.1", str(port), url, str(secs), str(n), "100"]).decode()
    f = out.split()
    deleted, seconds, errors = int(f[5]), float(f[7]), int(f[9])
    return deleted / seconds, errors

def run_server(cmd, health, port):
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_up("http://127.0.0.1:%d%s" % (port, health))
    return p

results = {}
port = free_port(); data = tempfile.mkdtemp(prefix="nuage-bench-")
srv = run_server(["build/nuage", "serve", "--port", str(port), "--data", data, "--no-access-log"], "/_nuage/health", port)
try:
    for n in conns:
        url = create_queue("http://127.0.0.1:%d" % port, "bench-%d" % n)
        results[("nuage", n)] = load(port, url, n)
    lat["nuage"] = latency(port)
finally:
    srv.terminate(); srv.wait(); shutil.rmtree(data, ignore_errors=True)
if moto:
    port = free_port()
    srv = run_server([moto, "-H", "127.0.0.1", "-p", str(port)], "/moto-api/", port)
    try:
        for n in conns:
            url = create_queue("http://127.0.0.1:%d" % port, "bench-%d" % n)
            results[("moto", n)] = load(port, url, n)
        lat["moto"] = latency(port)
    finally:
        srv.terminate(); srv.wait()

cpu = [l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")][0]
out = ["", "## SQS send/receive/delete throughput, durable (bench/messaging.sh)", "",
       "%s, %d cores (%s), %s" % (datetime.date.today(), os.cpu_count(), cpu, platform.platform()),
       "Command: `bench/messaging.sh %d %s` (%d s per point, 100-byte bodies, SendMessageBatch 10 -> "
       "ReceiveMessage 10 -> DeleteMessageBatch, JSON 1.0, load generator bench/sqsload.c on the same machine)"
       % (secs, " ".join(map(str, conns)), secs), "",
       "| connections | nuage msg/s | moto_server msg/s | ratio | errors (nuage/moto) |", "|---|---|---|---|---|"]
best_n = max(results[("nuage", n)][0] for n in conns)
best_m = max((results[("moto", n)][0] for n in conns if ("moto", n) in results), default=0)
for n in conns:
    a, ea = results[("nuage", n)]
    b, eb = results.get(("moto", n), (0, 0))
    out.append("| %d | %.0f | %s | %s | %d/%d |" % (n, a, "%.0f" % b if moto else "-",
                                                   "%.0fx" % (a / b) if b else "-", ea, eb))
if best_m:
    out += ["", "Best of each: nuage %.0f msg/s, moto_server %.0f msg/s: %.0fx." % (best_n, best_m, best_n / best_m)]
load1 = open("/proc/loadavg").read().split()[:3]
out += ["", "## S3 PUT -> event visible in SQS (bench/messaging.sh)", "",
        "Same run; load average after it: %s. %d PUTs of 100 bytes one after another (bench/sqsload.c latency), "
        "a second connection long-polling the notified queue; time from starting the PUT to holding its record."
        % (" ".join(load1), lat_count), "",
        "| server | median | p99 | max | samples | lost |", "|---|---|---|---|---|---|"]
for name in ("nuage", "moto"):
    if name in lat:
        r = lat[name]
        out.append("| %s | %.2f ms | %.2f ms | %.2f ms | %d | %d |" % (
            "nuage" if name == "nuage" else "moto_server", r["median_us"] / 1000, r["p99_us"] / 1000,
            r["max_us"] / 1000, r["samples"], r["lost"]))
if "moto" in lat and lat["nuage"]["median_us"]:
    out += ["", "Median: nuage %.1fx faster than moto_server. Goal: median < 5 ms." % (
        lat["moto"]["median_us"] / lat["nuage"]["median_us"])]
print("\n".join(out))
with open("bench/RESULTS.md", "a") as f:
    f.write("\n".join(out) + "\n")
PY
bench/match.sh
