#!/bin/bash
# bench/formats.sh — nuage's file formats side by side with DuckDB (one
# thread) on the same generated CSV: 2,000,000 rows, ~130 MB, mixed types
# (bench/gen_mixed.py, fixed seed).
#
#   CSV -> Parquet (snappy)   nuage file convert  | COPY (FROM read_csv) TO parquet
#   Parquet -> CSV            nuage file convert  | COPY (FROM read_parquet) TO csv
#   CSV parse (into batches)  nuage file count    | CREATE TABLE AS FROM read_csv
#   CSV -> JSON lines, JSON lines -> CSV, JSON parse (the same, for JSON)
#
# Each step runs RUNS times (default 3); the best time is kept (the machine
# is shared, the best run is the least disturbed) and the largest peak RSS.
# nuage times are whole processes (start-up included); DuckDB times are the
# query alone, measured inside node; DuckDB's RSS includes node (~50 MB).
# Both Parquet -> CSV columns read the Parquet file DuckDB wrote, so the
# input is the same; nuage reading its own file is shown too.
# Prints a table and replaces (or appends) its section of bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${RUNS:-3}
ROWS=${ROWS:-2000000}
OUT=bench/out/formats
mkdir -p "$OUT"
CSV=bench/out/mixed.csv
NUAGE=build/nuage
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

make -s build/nuage >/dev/null
if [ ! -s "$CSV" ] || [ "$(head -c 100 "$CSV.rows" 2>/dev/null)" != "$ROWS" ]; then
	echo "generating $CSV ($ROWS rows)..."
	python3 bench/gen_mixed.py "$CSV" "$ROWS"
	echo "$ROWS" >"$CSV.rows"
fi
SIZE=$(stat -c %s "$CSV")

cat >"$OUT/duck.mjs" <<'EOF'
// node duck.mjs ROOT SQL... : runs each statement on one DuckDB thread and
// prints the seconds the last one took.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
const require = createRequire(process.argv[2] + '/tests/package.json');
const { DuckDBInstance } = await import(pathToFileURL(require.resolve('@duckdb/node-api')).href);
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
await con.run('SET threads=1');
let secs = 0;
for (const sql of process.argv.slice(3)) {
	const t0 = performance.now();
	await con.run(sql);
	secs = (performance.now() - t0) / 1000;
}
console.log(secs.toFixed(3));
EOF

# best_of CMD...: runs CMD RUNS times under /usr/bin/time; sets BEST (the
# least elapsed seconds, or what CMD printed on its last stdout line when
# DUCK=1) and RSS (largest peak, MiB).
best_of() {
	BEST=""
	RSS=0
	for _ in $(seq "$RUNS"); do
		local t out
		out=$(/usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$@" 2>"$OUT/stderr.txt" | tail -1) || {
			cat "$OUT/stderr.txt" >&2
			return 1
		}
		read -r t kb <"$OUT/time.txt"
		[ "${DUCK:-0}" = 1 ] && t=$out
		local mib=$((kb / 1024))
		[ "$mib" -gt "$RSS" ] && RSS=$mib
		if [ -z "$BEST" ] || awk "BEGIN{exit !($t < $BEST)}"; then BEST=$t; fi
	done
}

rows=()
row() { # name nuage_s nuage_rss duck_s duck_rss [mb_for_throughput]
	local ratio mbs=""
	ratio=$(awk "BEGIN{printf \"%.2f\", $2 / $4}")
	if [ -n "${6:-}" ]; then
		mbs=$(awk "BEGIN{printf \" (%.0f vs %.0f MB/s)\", $6 / $2, $6 / $4}")
	fi
	rows+=("| $1 | $2 s | $3 MiB | $4 s | $5 MiB | $ratio$mbs |")
}

echo "CSV: $CSV, $(awk "BEGIN{printf \"%.1f\", $SIZE / 1e6}") MB, $ROWS rows; $RUNS runs each"

# CSV -> Parquet
best_of $NUAGE file convert "$CSV" "$OUT/nuage.parquet" --compression snappy --no-progress -q
n_s=$BEST n_r=$RSS
DUCK=1 best_of node "$OUT/duck.mjs" "$ROOT" \
	"COPY (SELECT * FROM read_csv('$CSV')) TO '$OUT/duck.parquet' (FORMAT parquet, COMPRESSION snappy)"
row "CSV -> Parquet (snappy)" "$n_s" "$n_r" "$BEST" "$RSS"

# Parquet -> CSV (the same input for both: DuckDB's file)
best_of $NUAGE file convert "$OUT/duck.parquet" "$OUT/nuage.csv" --no-progress -q
n_s=$BEST n_r=$RSS
DUCK=1 best_of node "$OUT/duck.mjs" "$ROOT" "COPY (SELECT * FROM read_parquet('$OUT/duck.parquet')) TO '$OUT/duck.csv' (HEADER)"
row "Parquet -> CSV" "$n_s" "$n_r" "$BEST" "$RSS"
best_of $NUAGE file convert "$OUT/nuage.parquet" "$OUT/nuage2.csv" --no-progress -q
rows+=("| Parquet (nuage's own file) -> CSV | $BEST s | $RSS MiB | | | |")

# CSV parse throughput
best_of $NUAGE file count "$CSV" -q
n_s=$BEST n_r=$RSS
DUCK=1 best_of node "$OUT/duck.mjs" "$ROOT" "CREATE TABLE t AS SELECT * FROM read_csv('$CSV')"
row "CSV parse into batches / a table" "$n_s" "$n_r" "$BEST" "$RSS" "$(awk "BEGIN{print $SIZE / 1e6}")"

# JSON lines
best_of $NUAGE file convert "$CSV" "$OUT/nuage.jsonl" --no-progress -q
n_s=$BEST n_r=$RSS
DUCK=1 best_of node "$OUT/duck.mjs" "$ROOT" "COPY (SELECT * FROM read_csv('$CSV')) TO '$OUT/duck.jsonl' (FORMAT json)"
row "CSV -> JSON lines" "$n_s" "$n_r" "$BEST" "$RSS"
JSIZE=$(stat -c %s "$OUT/duck.jsonl")
best_of $NUAGE file convert "$OUT/duck.jsonl" "$OUT/nuage_j.csv" --no-progress -q
n_s=$BEST n_r=$RSS
DUCK=1 best_of node "$OUT/duck.mjs" "$ROOT" "COPY (SELECT * FROM read_json('$OUT/duck.jsonl')) TO '$OUT/duck_j.csv' (HEADER)"
row "JSON lines -> CSV" "$n_s" "$n_r" "$BEST" "$RSS"
best_of $NUAGE file count "$OUT/duck.jsonl" -q
n_s=$BEST n_r=$RSS
DUCK=1 best_of node "$OUT/duck.mjs" "$ROOT" "CREATE TABLE t AS SELECT * FROM read_json('$OUT/duck.jsonl')"
row "JSON lines parse" "$n_s" "$n_r" "$BEST" "$RSS" "$(awk "BEGIN{print $JSIZE / 1e6}")"

# Cross-checks: both Parquet files hold the same rows (DuckDB reads both).
check=$(node -e "
const { createRequire } = require('node:module');
const req = createRequire('$ROOT/tests/package.json');
(async () => {
  const { DuckDBInstance } = await import(require('node:url').pathToFileURL(req.resolve('@duckdb/node-api')).href);
  const con = await (await DuckDBInstance.create(':memory:')).connect();
  const r = await con.runAndReadAll(\"SELECT (SELECT count(*) FROM (SELECT * FROM read_parquet('$OUT/nuage.parquet') EXCEPT ALL SELECT * FROM read_parquet('$OUT/duck.parquet'))) + (SELECT count(*) FROM (SELECT * FROM read_parquet('$OUT/duck.parquet') EXCEPT ALL SELECT * FROM read_parquet('$OUT/nuage.parquet')))\");
  console.log(String(r.getRows()[0][0]));
})();" 2>&1 || true)

table="| operation | nuage | nuage peak RSS | DuckDB (1 thread) | DuckDB peak RSS (node incl.) | nuage / DuckDB time |
|---|---|---|---|---|---|"
for r in "${rows[@]}"; do table+=$'\n'"$r"; done
echo
echo "$table"
echo
echo "rows differing between nuage's and DuckDB's Parquet (DuckDB reads both): $check"

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
section="## CSV, JSON and Parquet conversions against DuckDB (bench/formats.sh, best of $RUNS)

$(date -u +%Y-%m-%d), $(nproc) cores ($cpu), load average at start: $LOAD
Command: \`RUNS=$RUNS bench/formats.sh\`. Input: bench/gen_mixed.py, $ROWS rows, $(awk "BEGIN{printf \"%.1f\", $SIZE / 1e6}") MB
(id, qty, score double, price 2-decimal, name, day date, ts timestamp, flag boolean; ~4% NULLs).
nuage times are whole processes (\`nuage file convert|count\`, start-up and sniffing included);
DuckDB times are the statement alone inside node with \`SET threads=1\`. The machine is shared with
other jobs (see the load average): compare the columns of one run rather than runs with each other.

$table

Rows differing between nuage's and DuckDB's Parquet output, as DuckDB reads them: $check
"
R=bench/RESULTS.md
[ -f $R ] || printf '# Benchmark results\n' >$R
# Replace this script's section if there is one, else append it.
awk -v sec="$section" '
	/^## / { if (skip) skip = 0; if (index($0, "(bench/formats.sh")) { skip = 1; if (!done) print sec; done = 1; next } }
	!skip { print }
	END { if (!done) print "\n" sec }
' $R >$R.tmp && mv $R.tmp $R
echo "updated $R"
