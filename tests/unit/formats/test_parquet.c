/* test_parquet.c — unit tests of the Parquet pieces (Thrift, RLE, delta
 * encodings) and of writer → reader round trips within nuage: every column
 * type, nulls, each codec, data pages v1 and v2, dictionary fallback, many
 * pages and row groups, statistics, key-value metadata, projection, and
 * errors for broken input. */
#include "unit.h"
#include "pq_testdata.h"
#include "formats/parquet.h"
#include "formats/parquet/encoding.h"
#include "formats/parquet/thrift.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------- pieces */

TEST(parquet_thrift_roundtrip)
{
	struct buf b;
	struct th_out w;
	buf_init(&b, 1 << 20);
	tw_init(&w, &b);
	tw_struct_begin(&w, 0);
	tw_i32(&w, 1, -5);
	tw_i64(&w, 2, INT64_MIN);
	tw_string(&w, 20, "hello"); /* delta > 15: long form */
	tw_struct_begin(&w, 21);
	tw_bool(&w, 1, true);
	tw_bool(&w, 2, false);
	tw_struct_end(&w);
	tw_list_begin(&w, 22, TH_I32, 20);
	for (int i = 0; i < 20; i++)
		tw_elem_i32(&w, i * 1000);
	tw_i32(&w, 23, 7);
	tw_struct_end(&w);
	CHECK(!w.failed);

	struct th_in t;
	th_in_init(&t, b.data, b.len);
	CHECK_INT(th_struct_begin(&t, TH_STRUCT), 0);
	int16_t last = 0, id;
	int type, seen = 0;
	while (th_field(&t, &last, &id, &type) == 1) {
		int32_t v32;
		int64_t v64;
		const uint8_t *p;
		uint32_t n;
		int et;
		switch (id) {
		case 1:
			CHECK_INT(th_i32(&t, type, &v32), 0);
			CHECK_INT(v32, -5);
			break;
		case 2:
			CHECK_INT(th_i64(&t, type, &v64), 0);
			CHECK(v64 == INT64_MIN);
			break;
		case 20:
			CHECK_INT(th_binary(&t, type, &p, &n), 0);
			CHECK_INT(n, 5);
			CHECK(!memcmp(p, "hello", 5));
			break;
		case 21:
			CHECK_INT(th_skip(&t, type), 0);
			break;
		case 22:
			CHECK_INT(th_list(&t, type, &et, &n), 0);
			CHECK_INT(n, 20);
			for (uint32_t i = 0; i < n; i++) {
				CHECK_INT(th_i32(&t, et, &v32), 0);
				CHECK_INT(v32, (int)i * 1000);
			}
			break;
		case 23:
			CHECK_INT(th_i32(&t, type, &v32), 0);
			CHECK_INT(v32, 7);
			break;
		default:
			CHECK(0);
		}
		seen++;
	}
	CHECK(t.error == NULL);
	CHECK_INT(seen, 6);
	buf_free(&b);
}

TEST(parquet_thrift_rejects_hostile)
{
	/* 40 nested structs: deeper than the cap, must fail, not recurse on. */
	uint8_t deep[64];
	for (int i = 0; i < 40; i++)
		deep[i] = 0x1c; /* field delta 1, type struct */
	memset(deep + 40, 0, 24);
	struct th_in t;
	th_in_init(&t, deep, sizeof deep);
	CHECK_INT(th_skip(&t, TH_STRUCT), -1);
	CHECK(t.error != NULL);

	/* A list claiming more elements than bytes left. */
	uint8_t lst[] = {0xf5, 0xff, 0xff, 0xff, 0x0f};
	int et;
	uint32_t n;
	th_in_init(&t, lst, sizeof lst);
	CHECK_INT(th_list(&t, TH_LIST, &et, &n), -1);

	/* A string longer than the buffer, and a varint that never ends. */
	uint8_t str[] = {0x10, 'a'};
	const uint8_t *p;
	th_in_init(&t, str, sizeof str);
	CHECK_INT(th_binary(&t, TH_BINARY, &p, &n), -1);
	uint8_t vi[12];
	memset(vi, 0xff, sizeof vi);
	int64_t v;
	th_in_init(&t, vi, sizeof vi);
	CHECK_INT(th_i64(&t, TH_I64, &v), -1);
}

TEST(parquet_rle_roundtrip)
{
	uint32_t in[5000], out[5000];
	for (int bw = 0; bw <= 32; bw += (bw < 4 ? 1 : 7)) {
		uint64_t mask = bw == 32 ? 0xffffffffu : (1ull << bw) - 1;
		for (int i = 0; i < 5000; i++) {
			/* runs, then noise, then runs of odd lengths */
			uint64_t x = i < 1000 ? (uint64_t)(i / 100) : i < 3000 ? (uint64_t)i * 2654435761u : (uint64_t)(i / 13);
			in[i] = (uint32_t)(x & mask);
		}
		struct buf b;
		buf_init(&b, 1 << 20);
		CHECK_INT(rle_encode_u32(&b, in, 5000, bw), 0);
		struct rle_dec d;
		CHECK_INT(rle_dec_init(&d, (const uint8_t *)b.data, b.len, bw), 0);
		CHECK_INT(rle_dec_u32(&d, out, 1234), 0);
		CHECK_INT(rle_dec_u32(&d, out + 1234, 5000 - 1234), 0);
		for (int i = 0; i < 5000; i++)
			CHECK_INT(out[i], in[i]);
		/* Asking for more than was encoded (beyond the padding) fails;
		 * width 0 reads as endless zeros once its runs are used up. */
		if (bw > 0)
			CHECK_INT(rle_dec_u32(&d, out, 64), -1);
		buf_free(&b);
	}
}

TEST(parquet_delta_binary_packed_spec_example)
{
	/* Encodings.md: 1 2 3 4 5 → block 128, 4 miniblocks, 5 values,
	 * first 1, min delta 1, all widths 0. */
	const uint8_t enc[] = {0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00};
	struct dbp_dec d;
	int64_t v[5];
	CHECK_INT(dbp_init(&d, enc, sizeof enc), 0);
	CHECK_INT(dbp_get_i64(&d, v, 5), 0);
	for (int i = 0; i < 5; i++)
		CHECK_INT(v[i], i + 1);
	CHECK(dbp_end(&d) == enc + sizeof enc);
	CHECK_INT(dbp_get_i64(&d, v, 1), -1);

	/* 7 5 3 1 2 3 4 5: min delta -2, deltas 0 0 0 3 3 3 3 in 2 bits. */
	const uint8_t enc2[] = {0x80, 0x01, 0x04, 0x08, 0x0e, 0x03, 0x02, 0x00, 0x00, 0x00,
				0xc0, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
	int32_t w[8];
	CHECK_INT(dbp_init(&d, enc2, sizeof enc2), 0);
	CHECK_INT(dbp_get_i32(&d, w, 8), 0);
	const int32_t want[] = {7, 5, 3, 1, 2, 3, 4, 5};
	for (int i = 0; i < 8; i++)
		CHECK_INT(w[i], want[i]);
	/* A block size that is not a multiple of 128 is refused. */
	const uint8_t bad[] = {0x40, 0x04, 0x05, 0x02};
	CHECK_INT(dbp_init(&d, bad, sizeof bad), -1);
}

/* ------------------------------------------------------------- round trips */

static bool same_value(const struct field *f, const struct column *a, size_t ra, const struct column *b, size_t rb)
{
	bool va = col_is_valid(a, ra), vb = col_is_valid(b, rb);
	if (va != vb)
		return false;
	if (!va)
		return true;
	size_t la, lb;
	switch (f->type) {
	case COL_BOOL:
		return !a->v.u8[ra] == !b->v.u8[rb];
	case COL_INT32:
	case COL_DATE:
		return a->v.i32[ra] == b->v.i32[rb];
	case COL_FLOAT:
		return !memcmp(&a->v.f32[ra], &b->v.f32[rb], 4);
	case COL_DOUBLE:
		return !memcmp(&a->v.f64[ra], &b->v.f64[rb], 8);
	case COL_DECIMAL:
		return a->v.dec[ra] == b->v.dec[rb];
	case COL_TIMESTAMP:
	case COL_TIME:
		if (f->unit == TS_SECONDS)
			return a->v.i64[ra] * 1000 == b->v.i64[rb];
		return a->v.i64[ra] == b->v.i64[rb];
	case COL_INT64:
		return a->v.i64[ra] == b->v.i64[rb];
	default: {
		const char *pa = col_bytes(a, ra, &la), *pb = col_bytes(b, rb, &lb);
		return la == lb && !memcmp(pa, pb, la);
	}
	}
}

struct rt {
	size_t rows, batch;
	unsigned distinct;
	struct pq_write_opts o;
};

/* Writes rows with opts, reads them back with a batch of read_cap rows,
 * and compares every value. Returns the number of row groups written. */
static int roundtrip(const struct rt *t, size_t read_cap, char *path)
{
	struct schema *s = pqt_schema();
	struct batch *in = batch_new(s, t->batch);
	struct fmt_error err;
	struct pq_writer *w;
	snprintf(path, 512, "%s/rt.parquet", unit_tmpdir());
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || pq_writer_open_fd(&w, s, &t->o, fd, &err)) {
		unit_fail(__FILE__, __LINE__, "open writer: %s", err.msg);
		return -1;
	}
	for (size_t done = 0; done < t->rows; done += t->batch) {
		size_t n = t->rows - done < t->batch ? t->rows - done : t->batch;
		pqt_fill(in, done, n, t->distinct);
		if (pq_writer_write(w, in, &err)) {
			unit_fail(__FILE__, __LINE__, "write: %s", err.msg);
			return -1;
		}
	}
	if ((int64_t)t->rows != pq_writer_rows(w) || pq_writer_close(w, &err)) {
		unit_fail(__FILE__, __LINE__, "close: %s", err.msg);
		return -1;
	}
	close(fd);

	struct pq_reader *r;
	if (pq_reader_open(&r, path, NULL, &err)) {
		unit_fail(__FILE__, __LINE__, "open reader: %s", err.msg);
		return -1;
	}
	const struct schema *rs = pq_reader_schema(r);
	if (rs->nfields != s->nfields || pq_reader_num_rows(r) != (int64_t)t->rows) {
		unit_fail(__FILE__, __LINE__, "schema or row count differ");
		return -1;
	}
	for (int c = 0; c < s->nfields; c++) {
		struct field want;
		pqt_expect_field(&s->fields[c], &want);
		const struct field *got = &rs->fields[c];
		if (strcmp(got->name, want.name) || got->type != want.type || got->nullable != want.nullable ||
		    (want.type == COL_DECIMAL && (got->precision != want.precision || got->scale != want.scale)) ||
		    ((want.type == COL_TIMESTAMP || want.type == COL_TIME) && got->unit != want.unit) ||
		    (want.type == COL_TIMESTAMP && got->utc != want.utc) || got->is_unsigned != want.is_unsigned) {
			unit_fail(__FILE__, __LINE__, "field %s reads back as %s", want.name, col_type_name(got->type));
			return -1;
		}
	}
	struct batch *out = batch_new(rs, read_cap), *ref = batch_new(s, read_cap);
	size_t row = 0;
	int rc;
	while ((rc = pq_reader_next(r, out, &err)) == 1) {
		pqt_fill(ref, row, out->nrows, t->distinct);
		for (size_t i = 0; i < out->nrows; i++)
			for (int c = 0; c < s->nfields; c++)
				if (!same_value(&s->fields[c], &ref->cols[c], i, &out->cols[c], i)) {
					unit_fail(__FILE__, __LINE__, "row %zu column %s differs", row + i,
						  s->fields[c].name);
					return -1;
				}
		row += out->nrows;
	}
	if (rc < 0 || row != t->rows) {
		unit_fail(__FILE__, __LINE__, "read: rc %d rows %zu: %s", rc, row, rc < 0 ? err.msg : "");
		return -1;
	}
	int nrg = pq_reader_num_row_groups(r);
	batch_free(ref);
	batch_free(out);
	batch_free(in);
	pq_reader_close(r);
	schema_free(s);
	return nrg;
}

TEST(parquet_roundtrip_codecs)
{
	char path[512];
	enum pq_codec codecs[] = {PQ_CODEC_DEFAULT, PQ_CODEC_NONE, PQ_CODEC_SNAPPY, PQ_CODEC_GZIP, PQ_CODEC_ZSTD,
				  PQ_CODEC_LZ4_RAW};
	for (size_t i = 0; i < sizeof codecs / sizeof *codecs; i++) {
		struct rt t = {.rows = 3000, .batch = 1000, .distinct = 50, .o = {.codec = codecs[i]}};
		CHECK(roundtrip(&t, 777, path) == 1);
	}
}

TEST(parquet_roundtrip_v2_pages_fallback_row_groups)
{
	char path[512];
	/* Small pages and a tiny dictionary limit: many pages, dictionary
	 * pages then PLAIN fallback mid-chunk, several row groups. */
	struct rt t = {.rows = 20000, .batch = 3000, .distinct = 0,
		       .o = {.page_bytes = 2000, .dict_max_bytes = 3000, .row_group_rows = 6000, .page_v2 = true}};
	CHECK_INT(roundtrip(&t, 4096, path), 4);
	t.o.page_v2 = false;
	t.o.codec = PQ_CODEC_ZSTD;
	CHECK_INT(roundtrip(&t, 1, path + 0), 4);
	t.o.no_dictionary = true;
	t.o.row_group_rows = 0;
	t.o.row_group_bytes = 50000; /* cut by size */
	CHECK(roundtrip(&t, BATCH_ROWS, path) > 1);
}

TEST(parquet_stats_kv_projection)
{
	struct schema *s = schema_new();
	schema_add(s, "id", COL_INT64, false);
	schema_add(s, "name", COL_STRING, true);
	schema_add(s, "score", COL_DOUBLE, true);
	struct field *d = schema_add(s, "amount", COL_DECIMAL, true);
	d->precision = 20, d->scale = 2;
	struct batch *b = batch_new(s, 100);
	for (int i = 0; i < 100; i++) {
		char name[16];
		batch_set_i64(b, 0, i - 50);
		if (i % 10 == 3) {
			batch_set_null(b, 1);
		} else {
			int n = snprintf(name, sizeof name, "n%03d", 99 - i);
			batch_set_bytes(b, 1, name, (size_t)n);
		}
		batch_set_f64(b, 2, i == 5 ? NAN : i * 0.5);
		batch_set_dec(b, 3, (__int128)(i - 20) * 1000000000000LL);
		batch_finish_row(b);
	}
	const char *keys[] = {"origin", "empty"}, *vals[] = {"unit test", NULL};
	struct pq_write_opts o = {.nkv = 2, .kv_keys = keys, .kv_values = vals};
	char path[512];
	snprintf(path, sizeof path, "%s/stats.parquet", unit_tmpdir());
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	struct pq_writer *w;
	struct fmt_error err;
	CHECK(fd >= 0);
	CHECK_INT(pq_writer_open_fd(&w, s, &o, fd, &err), 0);
	CHECK_INT(pq_writer_write(w, b, &err), 0);
	CHECK_INT(pq_writer_close(w, &err), 0);
	close(fd);

	const char *cols[] = {"amount", "name"};
	struct pq_read_opts ro = {.columns = cols, .ncolumns = 2};
	struct pq_reader *r;
	CHECK_INT(pq_reader_open(&r, path, &ro, &err), 0);
	CHECK(!strncmp(pq_reader_created_by(r), "nuage version ", 14));
	CHECK_INT(pq_reader_kv_count(r), 2);
	const char *k, *v;
	pq_reader_kv(r, 0, &k, &v);
	CHECK_STR(k, "origin");
	CHECK_STR(v, "unit test");
	pq_reader_kv(r, 1, &k, &v);
	CHECK_STR(k, "empty");
	CHECK(v == NULL);
	const struct schema *rs = pq_reader_schema(r);
	CHECK_INT(rs->nfields, 2);
	CHECK_STR(rs->fields[0].name, "amount");
	CHECK_INT(rs->fields[0].type, COL_DECIMAL);
	CHECK_STR(rs->fields[1].name, "name");

	struct pq_stats st;
	CHECK_INT(pq_reader_stats(r, 0, 0, &st), 0);
	CHECK(st.has_min_max && st.has_null_count);
	CHECK_INT(st.null_count, 0);
	CHECK(st.min.dec == (__int128)-20 * 1000000000000LL);
	CHECK(st.max.dec == (__int128)79 * 1000000000000LL);
	CHECK_INT(pq_reader_stats(r, 0, 1, &st), 0);
	CHECK_INT(st.null_count, 10);
	CHECK(st.has_min_max);
	CHECK_INT(st.min_len, 4);
	CHECK(!memcmp(st.min_bytes, "n000", 4));
	CHECK(!memcmp(st.max_bytes, "n099", 4));
	CHECK_INT(pq_reader_stats(r, 1, 0, &st), -1);

	struct batch *out = batch_new(rs, 1000);
	CHECK_INT(pq_reader_next(r, out, &err), 1);
	CHECK_INT(out->nrows, 100);
	size_t len;
	const char *p = col_bytes(&out->cols[1], 0, &len);
	CHECK(len == 4 && !memcmp(p, "n099", 4));
	CHECK(!col_is_valid(&out->cols[1], 3));
	CHECK_INT(pq_reader_next(r, out, &err), 0);
	batch_free(out);
	pq_reader_close(r);

	/* Unknown column names are refused with the name in the error. */
	const char *bad[] = {"nope"};
	ro.columns = bad;
	ro.ncolumns = 1;
	CHECK_INT(pq_reader_open(&r, path, &ro, &err), -1);
	CHECK_STR(err.column_name, "nope");

	/* Scores: stats skip the NaN. */
	const char *sc[] = {"score"};
	ro.columns = sc;
	CHECK_INT(pq_reader_open(&r, path, &ro, &err), 0);
	CHECK_INT(pq_reader_stats(r, 0, 0, &st), 0);
	CHECK(st.has_min_max && st.min.f64 == 0.0 && st.max.f64 == 49.5);
	pq_reader_close(r);
	batch_free(b);
	schema_free(s);
}

TEST(parquet_rejects_broken_files)
{
	char path[512];
	struct rt t = {.rows = 500, .batch = 500, .distinct = 20};
	CHECK_INT(roundtrip(&t, 500, path), 1);
	FILE *fp = fopen(path, "rb");
	CHECK(fp != NULL);
	static char data[1 << 20];
	size_t n = fread(data, 1, sizeof data, fp);
	fclose(fp);
	CHECK(n > 1000 && n < sizeof data);

	/* Every truncation and a sweep of byte flips: an error or a clean
	 * read, never a crash (ASan watches). */
	char bpath[600];
	snprintf(bpath, sizeof bpath, "%s/broken.parquet", unit_tmpdir());
	int errors = 0;
	for (size_t cut = 0; cut < n; cut += (cut < 64 || n - cut < 600) ? 1 : 97) {
		for (int flip = 0; flip < 2; flip++) {
			fp = fopen(bpath, "wb");
			CHECK(fp != NULL);
			if (flip) {
				char saved = data[cut];
				data[cut] = (char)(data[cut] ^ 0x5a);
				fwrite(data, 1, n, fp);
				data[cut] = saved;
			} else {
				fwrite(data, 1, cut, fp);
			}
			fclose(fp);
			struct pq_reader *r;
			struct fmt_error err;
			if (pq_reader_open(&r, bpath, NULL, &err)) {
				errors++;
				CHECK(err.msg[0] != 0);
				continue;
			}
			struct batch *b = batch_new(pq_reader_schema(r), 100);
			int rc;
			while ((rc = pq_reader_next(r, b, &err)) == 1)
				;
			errors += rc < 0;
			batch_free(b);
			pq_reader_close(r);
		}
	}
	CHECK(errors > 100);

	struct pq_reader *r;
	struct fmt_error err;
	CHECK_INT(pq_reader_open(&r, "/nonexistent/x.parquet", NULL, &err), -1);
	fp = fopen(bpath, "wb");
	fputs("a,b,c\n1,2,3\n", fp);
	fclose(fp);
	CHECK_INT(pq_reader_open(&r, bpath, NULL, &err), -1);
	CHECK(strstr(err.msg, "not a Parquet file") != NULL);
}

TEST(parquet_codec_names_and_sniff)
{
	enum pq_codec c;
	CHECK_INT(pq_codec_parse("ZSTD", &c), 0);
	CHECK_INT(c, PQ_CODEC_ZSTD);
	CHECK_INT(pq_codec_parse("uncompressed", &c), 0);
	CHECK_INT(c, PQ_CODEC_NONE);
	CHECK_INT(pq_codec_parse("lz4", &c), 0);
	CHECK_INT(c, PQ_CODEC_LZ4_RAW);
	CHECK_INT(pq_codec_parse("brotli", &c), -1);
	CHECK_INT(pq_codec_parse(NULL, &c), -1);
	CHECK(pq_sniff("PAR1xxxx", 8));
	CHECK(!pq_sniff("PAR", 3));
	CHECK(!pq_sniff("a,b,c\n", 6));
}

static int sink_count(void *ctx, const void *p, size_t n)
{
	(void)p;
	*(size_t *)ctx += n;
	return 0;
}

static int sink_fail(void *ctx, const void *p, size_t n)
{
	(void)ctx;
	(void)p;
	(void)n;
	return -1;
}

TEST(parquet_writer_errors)
{
	struct schema *s = schema_new();
	schema_add(s, "must", COL_INT32, false);
	struct batch *b = batch_new(s, 4);
	batch_set_i32(b, 0, 1);
	batch_finish_row(b);
	batch_finish_row(b); /* a null in a NOT NULL column */
	struct pq_writer *w;
	struct fmt_error err;
	size_t bytes = 0;
	CHECK_INT(pq_writer_open(&w, s, NULL, sink_count, &bytes, &err), 0);
	CHECK_INT(bytes, 4); /* the magic goes out at once */
	CHECK_INT(pq_writer_write(w, b, &err), -1);
	CHECK_STR(err.column_name, "must");
	CHECK(strstr(err.msg, "NOT NULL") != NULL);
	CHECK_INT(pq_writer_close(w, &err), -1); /* failed writers stay failed */

	/* A sink that fails is reported, not ignored. */
	CHECK_INT(pq_writer_open(&w, s, NULL, sink_fail, NULL, &err), -1);

	/* A batch of another shape is refused. */
	struct schema *other = schema_new();
	schema_add(other, "x", COL_STRING, true);
	struct batch *ob = batch_new(other, 1);
	CHECK_INT(pq_writer_open(&w, s, NULL, sink_count, &bytes, &err), 0);
	CHECK_INT(pq_writer_write(w, ob, &err), -1);
	pq_writer_abort(w);

	/* No columns, no file. */
	struct schema *empty = schema_new();
	CHECK_INT(pq_writer_open(&w, empty, NULL, sink_count, &bytes, &err), -1);
	schema_free(empty);
	batch_free(ob);
	schema_free(other);
	batch_free(b);
	schema_free(s);
}

TEST(parquet_row_group_selection)
{
	/* Three row groups of 100 rows, ids 0..299: statistics let a caller
	 * keep only the groups that can hold ids >= 150. */
	struct schema *s = schema_new();
	schema_add(s, "id", COL_INT64, false);
	struct batch *b = batch_new(s, 300);
	for (int i = 0; i < 300; i++) {
		batch_set_i64(b, 0, i);
		batch_finish_row(b);
	}
	char path[512];
	snprintf(path, sizeof path, "%s/groups.parquet", unit_tmpdir());
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	struct pq_write_opts o = {.row_group_rows = 100};
	struct pq_writer *w;
	struct fmt_error err;
	CHECK_INT(pq_writer_open_fd(&w, s, &o, fd, &err), 0);
	CHECK_INT(pq_writer_write(w, b, &err), 0);
	CHECK_INT(pq_writer_close(w, &err), 0);
	close(fd);

	struct pq_reader *r;
	CHECK_INT(pq_reader_open(&r, path, NULL, &err), 0);
	CHECK_INT(pq_reader_num_row_groups(r), 3);
	int keep[3], nkeep = 0;
	for (int g = 0; g < 3; g++) {
		struct pq_stats st;
		CHECK_INT(pq_reader_stats(r, g, 0, &st), 0);
		CHECK(st.has_min_max);
		CHECK_INT(st.min.i64, g * 100);
		CHECK_INT(st.max.i64, g * 100 + 99);
		if (st.max.i64 >= 150)
			keep[nkeep++] = g;
	}
	CHECK_INT(nkeep, 2);
	CHECK_INT(pq_reader_select_row_groups(r, keep, nkeep, &err), 0);
	int bad = 5;
	CHECK_INT(pq_reader_select_row_groups(r, &bad, 1, &err), -1);
	struct batch *out = batch_new(pq_reader_schema(r), 1000);
	int64_t sum = 0, rows = 0;
	while (pq_reader_next(r, out, &err) == 1)
		for (size_t i = 0; i < out->nrows; i++, rows++)
			sum += out->cols[0].v.i64[i];
	CHECK_INT(rows, 200);
	CHECK_INT(sum, (100 + 299) * 200 / 2);
	CHECK_INT(pq_reader_select_row_groups(r, keep, nkeep, &err), -1); /* too late */
	batch_free(out);
	pq_reader_close(r);
	batch_free(b);
	schema_free(s);
}

/* The JSON text of nested values is an interface: pin it on real files. */
TEST(parquet_nested_json_text)
{
	const char *base = unit_conformance("parquet");
	if (!base)
		return;
	const struct {
		const char *file, *column;
		int row;
		const char *json;
	} cases[] = {
		{"list_columns.parquet", "int64_list", 1, "[null,1]"},
		{"list_columns.parquet", "utf8_list", 2, "[\"efg\",null,\"hij\",\"xyz\"]"},
		{"nested_maps.snappy.parquet", "a", 0, "{\"a\":{\"1\":true,\"2\":false}}"},
		{"nested_maps.snappy.parquet", "a", 2, "{\"c\":null}"},
		{"null_list.parquet", "emptylist", 0, "[]"},
		{"nulls.snappy.parquet", "b_struct", 0, "{\"b_c_int\":null}"},
		{"repeated_no_annotation.parquet", "phoneNumbers", 2, "{\"phone\":[]}"},
		{"nullable.impala.parquet", "int_Map_Array", 1, "[{\"k3\":null,\"k1\":1},null,{}]"},
		{"old_list_structure.parquet", "a", 0, "[[1,2],[3,4]]"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char path[700];
		snprintf(path, sizeof path, "%s/data/%s", base, cases[i].file);
		const char *cols[] = {cases[i].column};
		struct pq_read_opts o = {.columns = cols, .ncolumns = 1};
		struct pq_reader *r;
		struct fmt_error err;
		CHECK_INT(pq_reader_open(&r, path, &o, &err), 0);
		CHECK_INT(pq_reader_schema(r)->fields[0].type, COL_JSON);
		struct batch *b = batch_new(pq_reader_schema(r), 100);
		CHECK_INT(pq_reader_next(r, b, &err), 1);
		CHECK((size_t)cases[i].row < b->nrows);
		size_t len;
		const char *p = col_bytes(&b->cols[0], (size_t)cases[i].row, &len);
		char got[512];
		snprintf(got, sizeof got, "%.*s", (int)len, p);
		CHECK_STR(got, cases[i].json);
		batch_free(b);
		pq_reader_close(r);
	}
}
