#!/bin/bash
# bench/ingest.sh — loading a warehouse table from S3 with COPY INTO,
# against the databases' own bulk loaders on the same file:
#
#   nuage COPY INTO (embedded SQLite warehouse)  vs  sqlite3 .import   goal >= 1.5x
#   nuage COPY INTO (PostgreSQL warehouse)       vs  psql \copy        goal >= 1.0x
#   the same file as Parquet and as JSON lines, into both (no peer)
#   nuage's peak RSS during each set of loads (VmHWM)                  goal < 128 MiB
#
# Input: ROWS (default 1,000,000) generated rows of 6 columns, fixed seed:
# id bigint, name varchar(40), amount double, qty integer, day date, ts
# timestamp. Parquet and JSON lines are made from the CSV with
# `nuage file convert`. PostgreSQL is a temporary cluster (Debian's
# postgresql; tests/integration/pgserver.py) on a loopback port, fsync on.
# Debian's python3 and boto3 drive it. Best of RUNS (default 3). Prints a table and replaces (or appends) its
# section of bench/RESULTS.md. See bench/ingest.py for what is timed.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
ROWS=${ROWS:-1000000}
OUT=$PWD/bench/out/ingest
NUAGE=$PWD/build/nuage
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$OUT"
make -s build/nuage >/dev/null

if [ ! -s "$OUT/data.csv" ] || [ "$(cut -d' ' -f1 "$OUT/data.sum" 2>/dev/null)" != "$ROWS" ]; then
	echo "generating $OUT/data.csv ($ROWS rows)..."
	python3 - "$OUT" "$ROWS" <<'PY'
import random, sys, datetime
out, rows = sys.argv[1], int(sys.argv[2])
rnd = random.Random(20261128)
words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
base = datetime.datetime(2026, 1, 1)
qsum = 0
with open(out + "/data.csv", "w") as f:
    f.write("id,name,amount,qty,day,ts\n")
    lines = []
    for i in range(rows):
        q = rnd.randrange(1000)
        qsum += q
        t = base + datetime.timedelta(seconds=rnd.randrange(365 * 86400))
        lines.append("%d,%s-%d,%.2f,%d,%s,%s\n" % (i, words[rnd.randrange(8)], i, rnd.random() * 1000, q,
                                                  t.strftime("%Y-%m-%d"), t.strftime("%Y-%m-%d %H:%M:%S")))
        if len(lines) == 10000:
            f.writelines(lines)
            lines = []
    f.writelines(lines)
with open(out + "/data.sum", "w") as f:
    f.write("%d %d\n" % (rows, qsum))
PY
	rm -f "$OUT/data.parquet" "$OUT/data.jsonl"
fi
[ -s "$OUT/data.parquet" ] || "$NUAGE" file convert "$OUT/data.csv" "$OUT/data.parquet" --no-progress
[ -s "$OUT/data.jsonl" ] || "$NUAGE" file convert "$OUT/data.csv" "$OUT/data.jsonl" --no-progress

table=$(/usr/bin/python3 bench/ingest.py "$NUAGE" "$OUT" "$ROWS" "$RUNS")
echo
echo "$table"

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
section="## Warehouse ingest: COPY INTO against sqlite3 .import and psql \\copy (bench/ingest.sh, best of $RUNS)

$(date -u +%Y-%m-%d), $(nproc) cores ($cpu), load average at start: $LOAD
Command: \`RUNS=$RUNS ROWS=$ROWS bench/ingest.sh\`. $ROWS rows of id bigint, name varchar(40), amount double,
qty integer, day date, ts timestamp (generated, fixed seed); Parquet (snappy) and JSON lines made from the CSV
with \`nuage file convert\`. nuage: \`COPY INTO t FROM 's3://ingest/FILE' ... FORCE = TRUE\` through the Redshift
Data API (boto3), timed by the client from ExecuteStatement to FINISHED; the file is in nuage's S3 on the same
disk. Peers: whole \`sqlite3\` / \`psql\` processes reading the CSV from disk. Both SQLite loads are durable
(nuage: WAL, synchronous=FULL, the WAL copied into the database file afterwards by a background
checkpoint, not timed; sqlite3: rollback journal, synchronous=FULL); PostgreSQL is a temporary
cluster with fsync on, on a loopback port. Peak RSS is nuage's VmHWM over one process's runs of that load.
The machine is shared with other jobs (see the load average): compare within one run.

$table
"
R=bench/RESULTS.md
[ -f $R ] || printf '# Benchmark results\n' >$R
# Replace this script's section if there is one, else append it.
# (The section goes through the environment: awk -v would eat its backslashes.)
SEC="$section" awk '
	/^## / { if (skip) skip = 0; if (index($0, "(bench/ingest.sh")) { skip = 1; if (!done) print ENVIRON["SEC"]; done = 1; next } }
	!skip { print }
	END { if (!done) print "\n" ENVIRON["SEC"] }
' $R >$R.tmp && mv $R.tmp $R
echo "updated $R"
