#!/bin/bash
# Lambda: warm-invoke latency (median, p99) and invocations per second of an
# echo function in Python, in a `provided` shell bootstrap (curl) and in a
# `provided` compiled C bootstrap (bench/echo_bootstrap.c), and cold starts;
# moto_server side by side where it can run without Docker.
#   bench/functions.sh [N]      N warm invocations per function (default 2000)
# The client is a keep-alive HTTP connection with its own SigV4 signer (no
# SDK on the hot path), so the figures are nuage's, not boto3's. Cold start:
# UpdateFunctionConfiguration (a new revision retires the warm environment),
# then Invoke, measured from the client and read from the REPORT line's Init
# Duration; cold starts are a second apart, so a Python one finds the spare
# interpreter nuage keeps started (back-to-back ones pay the interpreter's
# own start-up). Appends its tables to bench/RESULTS.md.
set -e
cd "$(dirname "$0")/.."
N=${1:-2000}
make -s build/nuage
mkdir -p build/bench
cc -O2 -o build/bench/echo_bootstrap bench/echo_bootstrap.c
MOTO=$(command -v moto_server || true)
python3 - "$N" "$MOTO" <<'PY'
import base64, datetime, hashlib, hmac, http.client, io, json, os, platform, re, shutil, socket, statistics
import subprocess, sys, tempfile, threading, time, zipfile
import boto3, botocore.config

N = int(sys.argv[1]); MOTO = sys.argv[2]
ROLE = "arn:aws:iam::000000000000:role/bench"

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def wait_ready(port, path):
    for _ in range(3000):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1); c.request("GET", path)
            if c.getresponse().status < 500: return
        except OSError:
            time.sleep(0.01)
    raise SystemExit("server on %d did not start" % port)

class Signer:
    """SigV4 for one service over a keep-alive connection."""
    def __init__(self, port, service):
        self.port, self.service = port, service
        self.conn = http.client.HTTPConnection("127.0.0.1", port)
        self.day = None
    def call(self, method, path, body=b"", headers=None):
        now = time.gmtime()
        amz = time.strftime("%Y%m%dT%H%M%SZ", now); day = amz[:8]
        if day != self.day:
            k = hmac.new(b"AWS4test", day.encode(), hashlib.sha256).digest()
            for part in ("us-east-1", self.service, "aws4_request"):
                k = hmac.new(k, part.encode(), hashlib.sha256).digest()
            self.key, self.day = k, day
        host = "127.0.0.1:%d" % self.port
        ph = hashlib.sha256(body).hexdigest()
        canon = "\n".join([method, path, "", "host:" + host, "x-amz-date:" + amz, "", "host;x-amz-date", ph])
        scope = "%s/us-east-1/%s/aws4_request" % (day, self.service)
        sts = "\n".join(["AWS4-HMAC-SHA256", amz, scope, hashlib.sha256(canon.encode()).hexdigest()])
        sig = hmac.new(self.key, sts.encode(), hashlib.sha256).hexdigest()
        h = {"Host": host, "X-Amz-Date": amz, "Content-Type": "application/json",
             "Authorization": "AWS4-HMAC-SHA256 Credential=test/%s, SignedHeaders=host;x-amz-date, Signature=%s" % (scope, sig)}
        h.update(headers or {})
        t0 = time.perf_counter()
        self.conn.request(method, path, body=body, headers=h)
        r = self.conn.getresponse(); data = r.read()
        return time.perf_counter() - t0, r.status, dict(r.getheaders()), data

def zip_of(files):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        for name, (data, mode) in files.items():
            zi = zipfile.ZipInfo(name); zi.external_attr = (0o100000 | mode) << 16; z.writestr(zi, data)
    return b.getvalue()

SHELL = r'''#!/bin/sh
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  H=$(mktemp); E=$(curl -sS -D "$H" "$API/invocation/next")
  ID=$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$H" | cut -d: -f2 | tr -d ' \r\n'); rm -f "$H"
  curl -sS -o /dev/null -d "$E" "$API/invocation/$ID/response"
done
'''
PY_ECHO = {"app.py": ("def handler(event, context):\n    return event\n", 0o644)}
FUNCTIONS = [
    ("python echo", "python3.12", "app.handler", PY_ECHO),
    # PYTHON* variables act at interpreter start: such a function never
    # takes the pre-started interpreter, so this row is a plain cold start.
    ("python echo, no spare interpreter", "python3.12", "app.handler", PY_ECHO, {"PYTHONHASHSEED": "0"}),
    ("provided shell (curl)", "provided.al2023", "x", {"bootstrap": (SHELL, 0o755)}),
    ("provided C", "provided.al2023", "x", {"bootstrap": (open("build/bench/echo_bootstrap", "rb").read(), 0o755)}),
]

def pct(xs, p):
    xs = sorted(xs); return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]

def run_suite(extra, functions):
    """Starts a nuage, measures each function, returns (rows, cold rows, GetFunction median)."""
    port = free_port(); data = tempfile.mkdtemp(prefix="nuage-bench-")
    nuage = subprocess.Popen(["build/nuage", "serve", "--port", str(port), "--data", data, "--no-access-log",
                              "--lambda-idle", "3600"] + extra, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows, cold_rows = [], []
    try:
        wait_ready(port, "/_nuage/health")
        lam = boto3.client("lambda", endpoint_url="http://127.0.0.1:%d" % port, region_name="us-east-1",
                           aws_access_key_id="test", aws_secret_access_key="test",
                           config=botocore.config.Config(retries={"max_attempts": 1}))
        payload = json.dumps({"hello": "world", "n": 42}).encode()
        for label, runtime, handler, files, *env in functions:
            name = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
            lam.create_function(FunctionName=name, Runtime=runtime, Role=ROLE, Handler=handler,
                                Code={"ZipFile": zip_of(files)}, Timeout=30,
                                Environment={"Variables": env[0] if env else {}})
            lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
            path = "/2015-03-31/functions/%s/invocations" % name
            c = Signer(port, "lambda")
            # Cold starts: a new revision retires the warm environment.
            colds, inits = [], []
            for i in range(10):
                lam.update_function_configuration(FunctionName=name, Description="cold %d" % i)
                # Cold starts a second apart: the spare Python environment
                # the previous one left behind has started (see docs/lambda.md).
                time.sleep(1)
                dt, st, h, body = c.call("POST", path, payload, {"X-Amz-Log-Type": "Tail"})
                assert st == 200 and body == payload, (st, body)
                tail = base64.b64decode(h.get("X-Amz-Log-Result", "")).decode()
                m = re.search(r"Init Duration: ([0-9.]+) ms", tail)
                colds.append(dt * 1000); inits.append(float(m.group(1)) if m else float("nan"))
            cold_rows.append((label, statistics.median(colds), statistics.median(inits)))
            n = N if "shell" not in label else max(100, N // 10)
            for _ in range(20):
                c.call("POST", path, payload)
            lat = []
            t0 = time.perf_counter()
            for _ in range(n):
                dt, st, h, body = c.call("POST", path, payload)
                assert st == 200 and body == payload, (st, body)
                lat.append(dt * 1000)
            seq_rate = n / (time.perf_counter() - t0)
            # Four clients at once: up to four environments.
            done = [0] * 4
            stop = time.perf_counter() + 5
            def worker(k):
                w = Signer(port, "lambda")
                while time.perf_counter() < stop:
                    dt, st, h, body = w.call("POST", path, payload)
                    assert st == 200
                    done[k] += 1
            ts = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
            t1 = time.perf_counter()
            [t.start() for t in ts]; [t.join() for t in ts]
            par_rate = sum(done) / (time.perf_counter() - t1)
            rows.append((label, n, statistics.median(lat), pct(lat, 99), seq_rate, par_rate))
        c = Signer(port, "lambda")
        name = re.sub(r"[^a-z0-9]+", "-", functions[0][0].lower()).strip("-")
        gf = [c.call("GET", "/2015-03-31/functions/%s" % name)[0] * 1000 for _ in range(500)]
        return rows, cold_rows, statistics.median(gf)
    finally:
        nuage.terminate(); nuage.wait(); shutil.rmtree(data, ignore_errors=True)

rows, cold_rows, nuage_get = run_suite([], FUNCTIONS)
if os.path.exists("/usr/bin/python3"):
    # The image's pyenv python imports certifi from a .pth file at every
    # start; Debian's python3 shows what a plain interpreter costs.
    r2, c2, _ = run_suite(["--lambda-python", "/usr/bin/python3"],
                          [("python echo, /usr/bin/python3",) + FUNCTIONS[0][1:],
                           ("python echo, /usr/bin/python3, no spare",) + FUNCTIONS[1][1:]])
    rows += r2; cold_rows += c2

moto_note, moto_get = "", None
if MOTO:
    mport = free_port()
    moto = subprocess.Popen([MOTO, "-H", "127.0.0.1", "-p", str(mport)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(mport, "/moto-api/")
        kw = dict(endpoint_url="http://127.0.0.1:%d" % mport, region_name="us-east-1", aws_access_key_id="test",
                  aws_secret_access_key="test", config=botocore.config.Config(retries={"max_attempts": 1}))
        role = boto3.client("iam", **kw).create_role(RoleName="bench", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        mlam = boto3.client("lambda", **kw)
        mlam.create_function(FunctionName="python-echo", Runtime="python3.12", Role=role, Handler="app.handler",
                             Code={"ZipFile": zip_of(FUNCTIONS[0][3])})
        r = mlam.invoke(FunctionName="python-echo", Payload=b'{"hello": "world"}')
        out = r["Payload"].read().decode(errors="replace")
        if r.get("FunctionError") or "docker" in out.lower():
            moto_note = ("moto_server cannot run function code without Docker: its Invoke answered %s %r, so it has "
                         "no invocation figures here." % (r.get("FunctionError"), out[:80]))
        c = Signer(mport, "lambda")
        gf = [c.call("GET", "/2015-03-31/functions/python-echo")[0] * 1000 for _ in range(500)]
        moto_get = statistics.median(gf)
    finally:
        moto.terminate(); moto.wait()
else:
    moto_note = "moto_server is not installed: no comparison."

cpu = [l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")][0]
out = ["", "## Lambda invocations (bench/functions.sh %d)" % N, "",
       "%s, %d cores (%s), %s, load average %.1f at the end (other jobs share the machine); command: "
       "`bench/functions.sh %d`" % (datetime.date.today(), os.cpu_count(), cpu, platform.platform(),
                                    os.getloadavg()[0], N), "",
       "Warm invoke, one keep-alive client, 45-byte JSON payload echoed back:", "",
       "| function | invocations | median (ms) | p99 (ms) | inv/s, 1 client | inv/s, 4 clients |", "|---|---|---|---|---|---|"]
for label, n, med, p99, seq, par in rows:
    out.append("| %s | %d | %.3f | %.3f | %.0f | %.0f |" % (label, n, med, p99, seq, par))
out += ["", "Cold start (new environment after UpdateFunctionConfiguration), median of 10:", "",
        "| function | first invoke, client (ms) | Init Duration, REPORT (ms) |", "|---|---|---|"]
for label, cold, init in cold_rows:
    out.append("| %s | %.1f | %.1f |" % (label, cold, init))
out += ["", "Control plane, GetFunction median over 500 calls: nuage %.3f ms%s." % (
    nuage_get, "" if moto_get is None else ", moto_server %.3f ms (%.0fx)" % (moto_get, moto_get / nuage_get))]
if moto_note:
    out += ["", moto_note]
print("\n".join(out))
with open("bench/RESULTS.md", "a") as f:
    f.write("\n".join(out) + "\n")
PY
