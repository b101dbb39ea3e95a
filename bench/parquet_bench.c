/* parquet_bench.c — nuage's side of bench/parquet.sh: times the Parquet
 * writer and reader on in-memory batches of a mixed-type table shaped like
 * the CSV benchmark (ints, strings of low and high cardinality,
 * doubles, booleans, dates, timestamps). One thread.
 *
 *   parquet_bench write OUT.parquet ROWS CODEC   time writing ROWS rows
 *   parquet_bench read IN.parquet [REPEAT]        time reading every column
 *
 * Prints one line "seconds rows bytes". Data generation is not timed. */
#include "formats/parquet.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static struct schema *bench_schema(void)
{
	struct schema *s = schema_new();
	schema_add(s, "id", COL_INT64, false);
	schema_add(s, "name", COL_STRING, true);
	schema_add(s, "city", COL_STRING, true);
	schema_add(s, "amount", COL_DOUBLE, true);
	schema_add(s, "qty", COL_INT32, true);
	schema_add(s, "active", COL_BOOL, true);
	schema_add(s, "day", COL_DATE, true);
	struct field *f = schema_add(s, "ts", COL_TIMESTAMP, true);
	f->unit = TS_MICROS;
	return s;
}

static void fill(struct batch *b, size_t first, size_t n)
{
	static const char *const cities[] = {"Paris", "Lyon", "Berlin", "Madrid", "Rome", "Oslo", "Lisbon", "Vienna",
					      "Prague", "Dublin", "Athens", "Warsaw", "Zurich", "Geneva", "Munich"};
	batch_clear(b);
	for (size_t k = 0; k < n; k++) {
		uint64_t row = first + k, h = mix(row);
		char name[32];
		batch_set_i64(b, 0, (int64_t)row);
		int len = snprintf(name, sizeof name, "user_%llu", (unsigned long long)(h % 1000000));
		batch_set_bytes(b, 1, name, (size_t)len);
		const char *c = cities[h % 15];
		batch_set_bytes(b, 2, c, strlen(c));
		if (h % 50 == 0)
			batch_set_null(b, 3);
		else
			batch_set_f64(b, 3, (double)(h % 100000) / 100.0);
		batch_set_i32(b, 4, (int32_t)(h >> 20) % 100);
		batch_set_bool(b, 5, (h >> 8) & 1);
		batch_set_i32(b, 6, 18000 + (int32_t)(row / 1000));
		batch_set_i64(b, 7, 1577836800000000ll + (int64_t)row * 15000000 + (int64_t)(h % 1000000));
		batch_finish_row(b);
	}
}

static int sink_null(void *ctx, const void *p, size_t n)
{
	(void)ctx;
	(void)p;
	(void)n;
	return 0;
}

int main(int argc, char **argv)
{
	struct fmt_error err;
	if (argc >= 5 && !strcmp(argv[1], "write")) {
		size_t rows = strtoull(argv[3], NULL, 10), nb = (rows + BATCH_ROWS - 1) / BATCH_ROWS;
		struct schema *s = bench_schema();
		struct batch **bs = calloc(nb, sizeof *bs);
		for (size_t i = 0; i < nb; i++) {
			size_t n = rows - i * BATCH_ROWS < BATCH_ROWS ? rows - i * BATCH_ROWS : BATCH_ROWS;
			bs[i] = batch_new(s, BATCH_ROWS);
			fill(bs[i], i * BATCH_ROWS, n);
		}
		struct pq_write_opts o = {0};
		if (pq_codec_parse(argv[4], &o.codec)) {
			fprintf(stderr, "unknown codec %s\n", argv[4]);
			return 2;
		}
		int fd = strcmp(argv[2], "-") ? open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644) : -1;
		struct pq_writer *w;
		double t0 = now();
		int rc = fd >= 0 ? pq_writer_open_fd(&w, s, &o, fd, &err) : pq_writer_open(&w, s, &o, sink_null, NULL, &err);
		for (size_t i = 0; rc == 0 && i < nb; i++)
			rc = pq_writer_write(w, bs[i], &err);
		if (rc == 0)
			rc = pq_writer_close(w, &err);
		double t1 = now();
		if (rc) {
			fprintf(stderr, "write failed: %s\n", err.msg);
			return 1;
		}
		struct stat st = {0};
		if (fd >= 0) {
			fstat(fd, &st);
			close(fd);
		}
		printf("%.4f %zu %lld\n", t1 - t0, rows, (long long)st.st_size);
		for (size_t i = 0; i < nb; i++)
			batch_free(bs[i]);
		free(bs);
		schema_free(s);
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "read")) {
		int repeat = argc >= 4 ? (int)strtol(argv[3], NULL, 10) : 1;
		double best = 1e9;
		size_t rows = 0;
		for (int k = 0; k < repeat; k++) {
			struct pq_reader *r;
			double t0 = now();
			if (pq_reader_open(&r, argv[2], NULL, &err)) {
				fprintf(stderr, "open failed: %s\n", err.msg);
				return 1;
			}
			struct batch *b = batch_new(pq_reader_schema(r), BATCH_ROWS);
			int rc;
			rows = 0;
			while ((rc = pq_reader_next(r, b, &err)) == 1)
				rows += b->nrows;
			double t1 = now();
			if (rc < 0) {
				fprintf(stderr, "read failed: %s\n", err.msg);
				return 1;
			}
			batch_free(b);
			pq_reader_close(r);
			if (t1 - t0 < best)
				best = t1 - t0;
		}
		struct stat st = {0};
		stat(argv[2], &st);
		printf("%.4f %zu %lld\n", best, rows, (long long)st.st_size);
		return 0;
	}
	fprintf(stderr, "usage: parquet_bench write OUT ROWS CODEC | read IN [REPEAT]\n");
	return 2;
}
