#!/bin/bash
# Start-up to first answered request, and idle RSS, of nuage and moto_server
# started the same way (a fresh data dir / process each run), median of N runs.
#   bench/startup.sh [RUNS]      (default 21)
# The time is measured from fork/exec to the first complete HTTP response on
# the health endpoint, polled every 0.2 ms over loopback. Idle RSS is VmRSS
# one second after ready. Appends its table to bench/RESULTS.md.
set -e
cd "$(dirname "$0")/.."
RUNS=${1:-21}
make -s build/nuage
MOTO=$(command -v moto_server || true)
python3 - "$RUNS" "$MOTO" <<'PY'
import os, socket, statistics, subprocess, sys, tempfile, time, shutil, datetime, platform

runs = int(sys.argv[1]); moto = sys.argv[2]

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def first_response(port, path, deadline):
    req = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" % path).encode()
    while time.perf_counter() < deadline:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=1)
            s.sendall(req)
            data = s.recv(65536)
            s.close()
            if data.startswith(b"HTTP/1."):
                return True
        except OSError:
            time.sleep(0.0002)
    return False

def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])

def measure(cmd_for, path, keep_dir=False):
    times, rss, inside = [], [], []
    kept = tempfile.mkdtemp(prefix="nuage-bench-") if keep_dir else None
    for i in range(runs):
        port = free_port()
        d = kept or tempfile.mkdtemp(prefix="nuage-bench-")
        cmd = cmd_for(port, d)
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        ok = first_response(port, path, t0 + 30)
        t1 = time.perf_counter()
        if not ok:
            p.kill(); raise SystemExit("did not start: %s" % cmd)
        banner = ""
        for _ in range(10 if cmd[0] == "build/nuage" else 0):  # log lines may come first
            banner = p.stderr.readline().decode()
            if " ready in " in banner or not banner:
                break
        if " ready in " in banner:  # nuage's own count: main() to listening
            inside.append(float(banner.split(" ready in ")[1].split()[0]))
        p.stderr.close()
        time.sleep(1.0)
        rss.append(rss_kb(p.pid))
        p.terminate(); p.wait()
        if not keep_dir:
            shutil.rmtree(d, ignore_errors=True)
        times.append((t1 - t0) * 1000)
    if kept:
        shutil.rmtree(kept, ignore_errors=True)
    return statistics.median(times), statistics.median(rss) / 1024.0, statistics.median(inside) if inside else None

cmd = lambda port, d: ["build/nuage", "serve", "--port", str(port), "--data", d, "--no-access-log"]
ver = open("VERSION").read().strip()
fresh_t, fresh_r, fresh_i = measure(cmd, "/_nuage/health")
kept_t, kept_r, kept_i = measure(cmd, "/_nuage/health", keep_dir=True)
rows = [("nuage %s, existing data dir" % ver, kept_t, kept_r, kept_i),
        ("nuage %s, new data dir (creates the database)" % ver, fresh_t, fresh_r, fresh_i)]
if moto:
    moto_t, moto_r, _ = measure(lambda port, d: [moto, "-H", "127.0.0.1", "-p", str(port)], "/moto-api/")
    rows.append(("moto_server", moto_t, moto_r, None))
cpu = [l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")][0]
load = open("/proc/loadavg").read().split()[:3]
out = ["", "## Start-up and idle memory (bench/startup.sh, %d runs, median)" % runs, "",
       "Load average at start: %s." % " ".join(load),
       "%s, %d cores (%s), %s" % (datetime.date.today(), os.cpu_count(), cpu, platform.platform()), "",
       "| server | ready (ms) | of which inside main() (ms, nuage's banner) | idle RSS (MiB) |", "|---|---|---|---|"]
for name, t, r, i in rows:
    out.append("| %s | %.1f | %s | %.1f |" % (name, t, "%.1f" % i if i is not None else "-", r))
if moto:
    out += ["", "Against moto_server: nuage is ready %.0fx sooner (existing data dir; %.0fx with a new one) and uses %.1fx less memory idle." % (rows[2][1] / rows[0][1], rows[2][1] / rows[1][1], rows[2][2] / rows[0][2])]
print("\n".join(out))
with open("bench/RESULTS.md", "a") as f:
    f.write("\n".join(out) + "\n")
PY
