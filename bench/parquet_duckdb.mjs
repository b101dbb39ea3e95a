// parquet_duckdb.mjs — DuckDB's side of bench/parquet.sh (one thread).
//   node bench/parquet_duckdb.mjs DIR RUNS
// Loads DIR/n_none.parquet (written by nuage) into a table, untimed; then
// times, best of RUNS: COPY to snappy and zstd Parquet, and reading
// DIR/n_snappy.parquet and DIR/d_snappy.parquet with an aggregate over
// every column (so every value is decoded). Prints "name seconds" lines.
import { createRequire } from 'node:module';
const require = createRequire(new URL('../tests/package.json', import.meta.url));
const { DuckDBInstance } = require('@duckdb/node-api');

const [dir, runsArg] = process.argv.slice(2);
const runs = Number(runsArg || 3);
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
await c.run('SET threads = 1');
await c.run(`CREATE TABLE t AS SELECT * FROM read_parquet('${dir}/n_none.parquet')`);

async function best(sql) {
	let b = Infinity;
	for (let i = 0; i < runs; i++) {
		const t0 = performance.now();
		await c.run(sql);
		b = Math.min(b, (performance.now() - t0) / 1000);
	}
	return b;
}
const scan = (f) => `SELECT max(id), max(length(name)), max(length(city)), sum(amount), sum(qty), bool_or(active), max(day), max(ts) FROM read_parquet('${f}')`;
console.log('write_snappy', (await best(`COPY t TO '${dir}/d_snappy.parquet' (FORMAT parquet, COMPRESSION 'snappy')`)).toFixed(3));
console.log('write_zstd', (await best(`COPY t TO '${dir}/d_zstd.parquet' (FORMAT parquet, COMPRESSION 'zstd')`)).toFixed(3));
console.log('read_nuage_snappy', (await best(scan(`${dir}/n_snappy.parquet`))).toFixed(3));
console.log('read_duckdb_snappy', (await best(scan(`${dir}/d_snappy.parquet`))).toFixed(3));
