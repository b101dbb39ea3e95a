"""bench/ingest.py — the measuring half of bench/ingest.sh (which builds
nuage and makes the input files first). Prints a Markdown section.

    python3 bench/ingest.py NUAGE OUTDIR ROWS RUNS

For each case nuage runs COPY INTO through the Redshift Data API (Debian's
boto3) from the file in its own S3; the time is the client's: from
ExecuteStatement until DescribeStatement says FINISHED (polled every 2 ms).
The table is emptied before every run and the COPY uses FORCE = TRUE, so
each run loads all rows. Peers are whole processes: sqlite3's .import into
a new database file, psql's \\copy into an emptied table of the same server.
Every run is checked: row count and sum(qty) as generated.
"""
import os
import signal
import subprocess
import sys
import time

import boto3
import botocore.config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from pgserver import PgServer  # noqa: E402

NUAGE, OUT, ROWS, RUNS = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
SCHEMA = "CREATE TABLE t (id BIGINT, name VARCHAR(40), amount DOUBLE PRECISION, qty INTEGER, day DATE, ts TIMESTAMP)"
CSV, PARQUET, JSONL = (os.path.join(OUT, "data." + x) for x in ("csv", "parquet", "jsonl"))
EXPECT = open(os.path.join(OUT, "data.sum")).read().split()  # rows, sum(qty)


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Server:
    def __init__(self, data, pg_url=None):
        self.port = free_port()
        args = [NUAGE, "serve", "--port", str(self.port), "--data", data]
        if pg_url:
            args += ["--warehouse", "pg=" + pg_url]
        self.log = open(data + ".log", "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log)
        kw = dict(endpoint_url="http://127.0.0.1:%d" % self.port, region_name="us-east-1",
                  aws_access_key_id="test", aws_secret_access_key="test",
                  config=botocore.config.Config(retries={"max_attempts": 1}, read_timeout=600))
        self.rsd = boto3.client("redshift-data", **kw)
        self.s3 = boto3.client("s3", **kw)
        import urllib.request
        for _ in range(500):
            try:
                urllib.request.urlopen(kw["endpoint_url"] + "/_nuage/health", timeout=1)
                break
            except OSError:
                time.sleep(0.02)

    def sql(self, text, cluster=None):
        """Runs one statement; returns (client seconds, rows as lists)."""
        kw = {"Sql": text, "Database": "dev"}
        if cluster:
            kw["ClusterIdentifier"] = cluster
        t0 = time.perf_counter()
        sid = self.rsd.execute_statement(**kw)["Id"]
        while True:
            d = self.rsd.describe_statement(Id=sid)
            if d["Status"] in ("FINISHED", "FAILED", "ABORTED"):
                break
            time.sleep(0.002)
        secs = time.perf_counter() - t0
        if d["Status"] != "FINISHED":
            raise RuntimeError("%s: %s" % (text, d.get("Error")))
        rows = []
        if d.get("HasResultSet"):
            r = self.rsd.get_statement_result(Id=sid)
            rows = [[list(f.values())[0] for f in rec] for rec in r["Records"]]
        return secs, rows

    def hwm_mib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return 0

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)
        self.log.close()


def check(rows):
    got = [str(int(float(x))) for x in rows[0]]
    if got != EXPECT:
        raise RuntimeError("loaded %s, expected %s (rows, sum(qty))" % (got, EXPECT))


def timed(args, **kw):
    t0 = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, **kw)
    return time.perf_counter() - t0


FILES = {"CSV": ("data.csv", "type = csv skip_header = 1", ""),
         "Parquet": ("data.parquet", "type = parquet", "match_by_column_name = case_insensitive"),
         "JSON lines": ("data.jsonl", "type = json", "match_by_column_name = case_insensitive")}


def nuage_runs(data, pg_url, cluster, fmt):
    """Best of RUNS COPY INTO t of one file, in a nuage of its own; (best s, VmHWM MiB)."""
    srv = Server(data, pg_url)
    try:
        name, ff, extra = FILES[fmt]
        best = None
        for _ in range(RUNS):
            srv.sql("DROP TABLE IF EXISTS t", cluster)
            srv.sql(SCHEMA, cluster)
            secs, _ = srv.sql("COPY INTO t FROM 's3://ingest/%s' FILE_FORMAT = (%s) %s FORCE = TRUE"
                              % (name, ff, extra), cluster)
            check(srv.sql("SELECT count(*), sum(qty) FROM t", cluster)[1])
            best = secs if best is None else min(best, secs)
        return best, srv.hwm_mib()
    finally:
        srv.stop()


def main():
    data = os.path.join(OUT, "nuage-data")
    subprocess.run(["rm", "-rf", data, data + ".log"], check=True)
    up = Server(data)
    up.s3.create_bucket(Bucket="ingest")
    for f in (CSV, PARQUET, JSONL):
        with open(f, "rb") as fh:
            up.s3.put_object(Bucket="ingest", Key=os.path.basename(f), Body=fh)
    up.stop()
    results = {}
    # SQLite: nuage's embedded warehouse (DATA/warehouse.db) against sqlite3's .import
    for fmt in FILES:
        results[("sqlite", fmt)] = nuage_runs(data, None, None, fmt)
    db = os.path.join(OUT, "sqlite3.db")
    best = None
    for _ in range(RUNS):
        for suffix in ("", "-journal", "-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.unlink(db + suffix)
        secs = timed(["sqlite3", db, SCHEMA + ";", ".mode csv", ".import --skip 1 %s t" % CSV])
        out = subprocess.run(["sqlite3", db, "SELECT count(*), sum(qty) FROM t"], capture_output=True, text=True,
                             check=True).stdout.strip().split("|")
        check([out])
        best = secs if best is None else min(best, secs)
    results[("sqlite", "peer")] = best
    # PostgreSQL: a temporary cluster on a loopback port; nuage's COPY against psql's \copy
    with PgServer(db="bench") as pg:
        for fmt in FILES:
            results[("pg", fmt)] = nuage_runs(data, pg.url, "pg", fmt)
        best = None
        psql = os.path.join(pg.bindir, "psql")
        for _ in range(RUNS):
            pg.psql("DROP TABLE IF EXISTS t; " + SCHEMA)
            secs = timed([psql, "-h", "127.0.0.1", "-p", str(pg.port), "-U", pg.user, "-d", pg.db, "-v",
                          "ON_ERROR_STOP=1", "-c", "\\copy t from '%s' with (format csv, header true)" % CSV])
            check([pg.psql("SELECT count(*), sum(qty) FROM t").strip().split("|")])
            best = secs if best is None else min(best, secs)
        results[("pg", "peer")] = best
        pgver = subprocess.run([psql, "--version"], capture_output=True, text=True).stdout.split()[2]
    sqlver = subprocess.run(["sqlite3", "--version"], capture_output=True, text=True).stdout.split()[0]

    mb = os.path.getsize(CSV) / 1e6
    lines = ["| load | nuage COPY INTO (s) | peer (s) | nuage rows/s | nuage / peer speed | nuage peak RSS (MiB) |",
             "|---|---:|---:|---:|---:|---:|"]
    for backend, peer in (("sqlite", "sqlite3 %s `.import`" % sqlver), ("pg", "psql %s `\\copy`" % pgver)):
        p = results[(backend, "peer")]
        label = "SQLite (embedded)" if backend == "sqlite" else "PostgreSQL %s" % pgver
        for fmt in FILES:
            s, rss = results[(backend, fmt)]
            if fmt == "CSV":
                lines.append("| %s, CSV %.0f MB; peer: %s | %.3f | %.3f | %.0f | **%.2fx** | %.0f |"
                             % (label, mb, peer, s, p, ROWS / s, p / s, rss))
            else:
                size = os.path.getsize(os.path.join(OUT, FILES[fmt][0])) / 1e6
                lines.append("| %s, %s %.0f MB | %.3f | - | %.0f | - | %.0f |" % (label, fmt, size, s, ROWS / s, rss))
    print("\n".join(lines))


main()
