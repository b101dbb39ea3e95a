#!/bin/bash
# Parquet encode/decode throughput of nuage against DuckDB, one thread each,
# on a generated 2,000,000-row mixed-type table (id, user name, city, amount,
# qty, active, day, ts: ~70 bytes a row as CSV).
#   bench/parquet.sh [ROWS] [RUNS]      (defaults 2000000, 3; best of RUNS)
# nuage: bench/parquet_bench.c, linked against the release objects, times
# pq_writer on in-memory batches and pq_reader into batches (generation is
# not timed). DuckDB (tests/node_modules/@duckdb/node-api, SET threads=1)
# times COPY of the same rows from an in-memory table, and an aggregate over
# every column of each file. Appends its table to bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-2000000}
RUNS=${2:-3}
OUT=bench/out
mkdir -p "$OUT"
make -s build/nuage
cc -std=c11 -D_GNU_SOURCE -O2 -Isrc bench/parquet_bench.c build/rel/src/formats/parquet/*.o \
	build/rel/src/formats/batch.o build/rel/src/core/*.o -o build/parquet_bench \
	$(pkg-config --libs zlib libzstd liblz4 openssl) -lsnappy -lm

best() { # best of RUNS for "build/parquet_bench ARGS"; prints "seconds bytes rssKB"
	local b="" bytes="" rss=0 line t m
	for _ in $(seq "$RUNS"); do
		line=$( { /usr/bin/time -f "RSS %M" build/parquet_bench "$@"; } 2>&1 )
		t=$(echo "$line" | head -1 | cut -d' ' -f1)
		bytes=$(echo "$line" | head -1 | cut -d' ' -f3)
		m=$(echo "$line" | grep RSS | cut -d' ' -f2)
		[ "$m" -gt "$rss" ] && rss=$m
		if [ -z "$b" ] || awk "BEGIN{exit !($t < $b)}"; then b=$t; fi
	done
	echo "$b $bytes $rss"
}

read -r w_snappy s_snappy r_wsnappy < <(best write $OUT/n_snappy.parquet "$ROWS" snappy)
read -r w_zstd s_zstd r_wzstd < <(best write $OUT/n_zstd.parquet "$ROWS" zstd)
read -r w_none s_none r_wnone < <(best write $OUT/n_none.parquet "$ROWS" none)
declare -A duck
while read -r k v; do duck[$k]=$v; done < <(node bench/parquet_duckdb.mjs "$PWD/$OUT" "$RUNS")
read -r rd_n _ r_rn < <(best read $OUT/n_snappy.parquet)
read -r rd_d _ r_rd < <(best read $OUT/d_snappy.parquet)
s_dsnappy=$(stat -c %s $OUT/d_snappy.parquet)
s_dzstd=$(stat -c %s $OUT/d_zstd.parquet)

mb() { awk "BEGIN{printf \"%.1f\", $1/1048576}"; }
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
table=$(cat <<TBL

## Parquet encode/decode (bench/parquet.sh $ROWS $RUNS, best of $RUNS)

$(date +%F), $(nproc) cores ($cpu), load average at start: $(cut -d' ' -f1-3 /proc/loadavg)
Command: \`bench/parquet.sh $ROWS $RUNS\`. One thread each; $ROWS rows of id, name, city, amount, qty, active, day, ts.

| operation | nuage (s) | DuckDB (s) | nuage file (MiB) | DuckDB file (MiB) | nuage peak RSS (MiB) |
|---|---|---|---|---|---|
| write snappy | $w_snappy | ${duck[write_snappy]} | $(mb $s_snappy) | $(mb $s_dsnappy) | $((r_wsnappy / 1024)) |
| write zstd | $w_zstd | ${duck[write_zstd]} | $(mb $s_zstd) | $(mb $s_dzstd) | $((r_wzstd / 1024)) |
| write uncompressed | $w_none | - | $(mb $s_none) | - | $((r_wnone / 1024)) |
| read nuage-written snappy | $rd_n | ${duck[read_nuage_snappy]} | | | $((r_rn / 1024)) |
| read DuckDB-written snappy | $rd_d | ${duck[read_duckdb_snappy]} | | | $((r_rd / 1024)) |

nuage write RSS includes the pre-generated in-memory batches (~$(( ROWS / 1000 * 60 / 1000 )) MB); reads
keep one batch of 65,536 rows and one page per column.
TBL
)
echo "$table"
echo "$table" >> bench/RESULTS.md
