// parquet_duckdb.mjs — DuckDB's side of nuage's Parquet round-trip test
// (tests/unit/formats/test_parquet_duckdb.c). DuckDB is the only other
// Parquet implementation available here.
//
//   node tests/tools/parquet_duckdb.mjs render IN.parquet OUT.csv
//       DuckDB reads IN and writes every column cast to VARCHAR as CSV
//       (header, every field quoted, NULL an empty field), the same
//       rendering as the conformance expectations.
//   node tests/tools/parquet_duckdb.mjs make DIR
//       DuckDB writes DIR/duck_*.parquet (many types, nested values, each
//       codec, data page v1 and v2) and renders each to DIR/duck_*.csv.
//
// Exits 0 on success; on failure prints why on stderr and exits 1 (2 when
// the @duckdb/node-api package is missing).

let DuckDBInstance;
try {
	({ DuckDBInstance } = await import('@duckdb/node-api'));
} catch (e) {
	console.error(`parquet_duckdb: cannot load @duckdb/node-api (${e.message}); run scripts/deps.sh to install the test clients`);
	process.exit(2);
}

const sq = (s) => `'${String(s).replace(/'/g, "''")}'`;

async function render(con, input, output) {
	await con.run(`COPY (SELECT COLUMNS(*)::VARCHAR FROM read_parquet(${sq(input)})) TO ${sq(output)} (HEADER, FORCE_QUOTE *)`);
}

const TABLE = `
CREATE TABLE t AS SELECT
  i::INTEGER AS i32,
  CASE WHEN i % 13 = 0 THEN NULL ELSE (i * 1000003 - 2000000000)::BIGINT END AS i64,
  (i % 3 = 0) AS b,
  CASE WHEN i % 5 = 0 THEN NULL WHEN i % 5 = 1 THEN '' ELSE 'str_' || (i % 97) || repeat('x', i % 7) END AS s,
  (i / 7.0)::DOUBLE AS d,
  CASE WHEN i % 50 = 7 THEN 'nan'::FLOAT ELSE (i / 3.0)::FLOAT END AS f,
  (i * 1.25)::DECIMAL(10, 2) AS dec10,
  (i * 123456789.123 - 5e10)::DECIMAL(30, 3) AS dec30,
  (i % 1000 * 0.3)::DECIMAL(4, 1) AS dec4,
  (i * 7919)::DECIMAL(18, 0) AS dec18,
  DATE '1969-06-01' + i::INTEGER AS dt,
  TIMESTAMP '2020-01-01' + to_seconds(i * 1000) + to_microseconds(i * 7) AS ts,
  (TIMESTAMP '2020-01-01' + to_seconds(i * 1000))::TIMESTAMPTZ AS tstz,
  (TIMESTAMP '2020-01-01' + to_microseconds(i * 1234567))::TIMESTAMP_MS AS ts_ms,
  (TIMESTAMP '2020-01-01' + to_seconds(i))::TIMESTAMP_S AS ts_s,
  (TIMESTAMP '2020-01-01' + to_microseconds(i * 1001))::TIMESTAMP_NS AS ts_ns,
  TIME '00:00:00' + to_microseconds(i * 1000123) AS tm,
  ('00000000-0000-4000-8000-' || lpad(i::VARCHAR, 12, '0'))::UUID AS u,
  (i % 100)::TINYINT AS i8,
  (i % 30000)::SMALLINT AS i16,
  (i % 250)::UTINYINT AS u8,
  (i % 60000)::USMALLINT AS u16,
  (i * 100000)::UINTEGER AS u32,
  (i::UBIGINT * 3000000000000000) AS u64,
  ('b' || i)::BLOB AS bl,
  CASE WHEN i % 11 = 0 THEN NULL ELSE [i, i + 1, NULL] END AS lst,
  CASE WHEN i % 4 = 0 THEN [] ELSE ['x' || i, NULL, 'a,b'] END AS lst_s,
  {'a': i, 'b': 'v' || i, 'c': [i % 3, NULL]} AS st,
  CASE WHEN i % 6 = 0 THEN NULL ELSE MAP {'k' || (i % 3): i, 'z': NULL} END AS mp,
  [[i], [], NULL, [i + 1, i + 2]] AS ll,
  [{'x': i, 'y': [DATE '2000-01-01' + i::INTEGER]}] AS ls
FROM range(4000) r(i)`;

async function make(con, dir) {
	await con.run(TABLE);
	const variants = [
		['duck_snappy', "COMPRESSION 'snappy'"],
		['duck_zstd', "COMPRESSION 'zstd', ROW_GROUP_SIZE 1000"],
		['duck_gzip', "COMPRESSION 'gzip'"],
		['duck_none', "COMPRESSION 'uncompressed'"],
		['duck_lz4', "COMPRESSION 'lz4_raw'"],
		['duck_v2', "COMPRESSION 'zstd', PARQUET_VERSION V2, ROW_GROUP_SIZE 1500"],
		['duck_v2_snappy', "COMPRESSION 'snappy', PARQUET_VERSION V2"],
	];
	for (const [name, opts] of variants) {
		const file = `${dir}/${name}.parquet`;
		await con.run(`COPY t TO ${sq(file)} (FORMAT parquet, ${opts})`);
		await render(con, file, `${dir}/${name}.csv`);
	}
}

const [cmd, a, b] = process.argv.slice(2);
try {
	const db = await DuckDBInstance.create(':memory:');
	const con = await db.connect();
	await con.run('SET threads = 1');
	if (cmd === 'render' && a && b) await render(con, a, b);
	else if (cmd === 'make' && a) await make(con, a);
	else {
		console.error('usage: parquet_duckdb.mjs render IN.parquet OUT.csv | make DIR');
		process.exit(1);
	}
} catch (e) {
	console.error(`parquet_duckdb: ${e.message}`);
	process.exit(1);
}
