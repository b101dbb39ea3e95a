/* test_csv_write.c — the CSV writer: quoting rules and round trips through
 * the reader. */
#include "unit.h"
#include "fmt_testutil.h"
#include "formats/csv.h"
#include "core/buf.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

/* Writes b with options o and returns the text (caller frees). */
static char *write_csv(const struct batch *b, const struct csv_write_options *o)
{
	struct buf out;
	buf_init(&out, BUF_UNLIMITED);
	struct sink *k = sink_to_buf(&out, FMT_CODEC_NONE, 0);
	struct csv_writer *w;
	struct fmt_error err;
	if (csv_writer_new(k, b->schema, o, &w, &err) || csv_writer_write(w, b, &err) ||
	    csv_writer_finish(w, &err))
		abort();
	csv_writer_free(w);
	sink_close(k);
	return buf_detach(&out, NULL);
}

static struct batch *string_batch(struct schema *s, const char *const *vals, int nrows, int ncols)
{
	struct batch *b = batch_new(s, (size_t)nrows);
	for (int r = 0; r < nrows; r++) {
		for (int c = 0; c < ncols; c++) {
			const char *v = vals[r * ncols + c];
			if (v)
				batch_set_bytes(b, c, v, strlen(v));
		}
		batch_finish_row(b);
	}
	return b;
}

TEST(csv_write_minimal_quoting)
{
	struct schema *s = schema_new();
	schema_add(s, "plain", COL_STRING, true);
	schema_add(s, "needs,quote", COL_STRING, true);
	const char *vals[] = {"abc", "a,b", "", "say \"hi\"", NULL, "line\nbreak", " pad", "cr\r"};
	struct batch *b = string_batch(s, vals, 4, 2);
	struct csv_write_options o;
	csv_write_options_init(&o);
	char *got = write_csv(b, &o);
	CHECK_STR(got, "plain,\"needs,quote\"\nabc,\"a,b\"\n\"\",\"say \"\"hi\"\"\"\n,\"line\nbreak\"\n\" pad\",\"cr\r\"\n");
	free(got);
	o.quoting = CSV_QUOTE_ALWAYS;
	o.crlf = true;
	o.null_string = "\\N";
	o.header = false;
	got = write_csv(b, &o);
	CHECK_STR(got, "\"abc\",\"a,b\"\r\n\"\",\"say \"\"hi\"\"\"\r\n\\N,\"line\nbreak\"\r\n\" pad\",\"cr\r\"\r\n");
	free(got);
	o.quoting = CSV_QUOTE_MINIMAL;
	o.escape = '\\';
	o.delim = '|';
	got = write_csv(b, &o);
	CHECK_STR(got, "abc|a,b\r\n\"\"|\"say \\\"hi\\\"\"\r\n\\N|\"line\nbreak\"\r\n\" pad\"|\"cr\r\"\r\n");
	free(got);
	batch_free(b);
	schema_free(s);
}

TEST(csv_write_value_equal_to_null_string_is_quoted)
{
	struct schema *s = schema_new();
	schema_add(s, "a", COL_STRING, true);
	const char *vals[] = {"NULL", NULL};
	struct batch *b = string_batch(s, vals, 2, 1);
	struct csv_write_options o;
	csv_write_options_init(&o);
	o.null_string = "NULL";
	char *got = write_csv(b, &o);
	CHECK_STR(got, "a\n\"NULL\"\nNULL\n");
	struct csv_options ro;
	csv_options_init(&ro);
	const char *nulls[] = {"NULL"};
	ro.null_if = nulls;
	ro.n_null_if = 1;
	struct fmt_error err;
	char *back = ft_csv(got, strlen(got), &ro, NULL, &err, NULL);
	CHECK(back);
	CHECK_STR(back, "NULL\nNULL\n"); /* rendered: the string NULL, then a real NULL */
	free(back);
	free(got);
	batch_free(b);
	schema_free(s);
}

/* Random strings full of delimiters, quotes, escapes, line breaks and
 * spaces survive write + read byte for byte, NULLs included. */
TEST(csv_write_round_trip_random_strings)
{
	const char alphabet[] = "ab,\"\\\n\r |\t;x";
	uint64_t seed = 7;
	struct schema *s = schema_new();
	for (int c = 0; c < 4; c++) {
		char name[8] = {'c', (char)('0' + c), 0};
		schema_add(s, name, COL_STRING, true);
	}
	int nrows = 500;
	struct batch *b = batch_new(s, (size_t)nrows);
	for (int r = 0; r < nrows; r++) {
		for (int c = 0; c < 4; c++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			int len = (int)(seed >> 60);
			if (len == 15)
				continue; /* NULL */
			char v[16];
			for (int k = 0; k < len; k++) {
				seed = seed * 6364136223846793005ull + 1442695040888963407ull;
				v[k] = alphabet[(seed >> 40) % (sizeof alphabet - 1)];
			}
			batch_set_bytes(b, c, v, (size_t)len);
		}
		batch_finish_row(b);
	}
	struct buf want;
	buf_init(&want, BUF_UNLIMITED);
	ft_render_batch(&want, b);
	char delims[] = {',', '|', '\t', ';'};
	for (int mode = 0; mode < 8; mode++) {
		struct csv_write_options o;
		csv_write_options_init(&o);
		o.delim = delims[mode % 4];
		o.escape = mode >= 4 ? '\\' : 0;
		o.crlf = mode & 1;
		o.null_string = mode & 2 ? "\\N" : "";
		char *text = write_csv(b, &o);
		struct csv_options ro;
		csv_options_init(&ro);
		ro.delim = o.delim;
		ro.escape = o.escape;
		const char *nulls[] = {"\\N"};
		ro.null_if = nulls;
		ro.n_null_if = mode & 2 ? 1 : 0;
		ro.skip_blank_lines = false;
		struct fmt_error err;
		char *back = ft_csv(text, strlen(text), &ro, NULL, &err, NULL);
		if (!back) {
			unit_fail(__FILE__, __LINE__, "mode %d: %s", mode, err.msg);
			return;
		}
		if (strcmp(back, buf_str(&want))) {
			unit_fail(__FILE__, __LINE__, "mode %d differs", mode);
			return;
		}
		free(back);
		free(text);
	}
	buf_free(&want);
	batch_free(b);
	schema_free(s);
}

TEST(csv_write_typed_round_trip)
{
	struct schema *s = schema_new();
	schema_add(s, "b", COL_BOOL, true);
	schema_add(s, "i", COL_INT32, true);
	schema_add(s, "l", COL_INT64, true);
	schema_add(s, "f", COL_FLOAT, true);
	schema_add(s, "d", COL_DOUBLE, true);
	struct field *dec = schema_add(s, "m", COL_DECIMAL, true);
	dec->precision = 20;
	dec->scale = 4;
	schema_add(s, "day", COL_DATE, true);
	struct field *t = schema_add(s, "t", COL_TIMESTAMP, true);
	t->unit = TS_NANOS;
	struct field *tz = schema_add(s, "tz", COL_TIMESTAMP, true);
	tz->utc = true;
	tz->unit = TS_MILLIS;
	schema_add(s, "tm", COL_TIME, true);
	schema_add(s, "bin", COL_BINARY, true);
	struct batch *b = batch_new(s, 4);
	for (int r = 0; r < 3; r++) {
		batch_set_bool(b, 0, r & 1);
		batch_set_i32(b, 1, r == 0 ? INT32_MIN : r * 1000);
		batch_set_i64(b, 2, r == 1 ? INT64_MAX : -r);
		batch_set_f32(b, 3, 0.1f * (float)r);
		batch_set_f64(b, 4, r == 2 ? 1e-300 : 1.0 / 3 * r);
		batch_set_dec(b, 5, (__int128)-123456789 * (r + 1));
		batch_set_i32(b, 6, -719162 + r * 1000000);
		batch_set_i64(b, 7, 1709208000123456789LL - r);
		batch_set_i64(b, 8, -86400001LL * r);
		batch_set_i64(b, 9, 3600000000LL * r + 1);
		batch_set_bytes(b, 10, "\x00\xff\x10", (size_t)r);
		batch_finish_row(b);
	}
	batch_finish_row(b); /* a row of NULLs */
	struct buf want;
	buf_init(&want, BUF_UNLIMITED);
	ft_render_batch(&want, b);
	struct csv_write_options o;
	csv_write_options_init(&o);
	char *text = write_csv(b, &o);
	struct fmt_error err;
	char *back = ft_csv(text, strlen(text), NULL, s, &err, NULL);
	CHECK(back);
	CHECK_STR(back, buf_str(&want));
	free(back);
	free(text);
	/* dates and timestamps in a format of the user's */
	o.date_format = "DD/MM/YYYY";
	o.timestamp_format = "YYYY-MM-DD\"T\"HH24:MI:SS.FF3";
	text = write_csv(b, &o);
	CHECK(strstr(text, ",\"\"\ntrue,")); /* empty binary is quoted, not NULL */
	CHECK(strstr(text, ",01/01/0001,2024-02-29T12:00:00.123,1970-01-01T00:00:00.000,"));
	free(text);
	buf_free(&want);
	batch_free(b);
	schema_free(s);
}

TEST(csv_write_leading_bom_is_quoted)
{
	/* found by fuzz_csv: an unquoted U+FEFF first in the file read back as a BOM */
	struct schema *s = schema_new();
	schema_add(s, "a", COL_STRING, true);
	const char *vals[] = {"\xEF\xBB\xBFx"};
	struct batch *b = string_batch(s, vals, 1, 1);
	struct csv_write_options o;
	csv_write_options_init(&o);
	o.header = false;
	char *got = write_csv(b, &o);
	CHECK_STR(got, "\"\xEF\xBB\xBFx\"\n");
	struct csv_options ro;
	csv_options_init(&ro);
	ro.header = false;
	struct fmt_error err;
	char *back = ft_csv(got, strlen(got), &ro, NULL, &err, NULL);
	CHECK_STR(back, "\xEF\xBB\xBFx\n");
	free(back);
	free(got);
	batch_free(b);
	schema_free(s);
}

TEST(csv_write_header_only_when_empty)
{
	struct schema *s = schema_new();
	schema_add(s, "x", COL_STRING, true);
	schema_add(s, "y", COL_STRING, true);
	struct buf out;
	buf_init(&out, BUF_UNLIMITED);
	struct sink *k = sink_to_buf(&out, FMT_CODEC_NONE, 0);
	struct csv_writer *w;
	struct csv_write_options o;
	csv_write_options_init(&o);
	struct fmt_error err;
	CHECK(csv_writer_new(k, s, &o, &w, &err) == 0);
	CHECK(csv_writer_finish(w, &err) == 0);
	CHECK_STR(buf_str(&out), "x,y\n");
	csv_writer_free(w);
	sink_close(k);
	buf_free(&out);
	schema_free(s);
}
