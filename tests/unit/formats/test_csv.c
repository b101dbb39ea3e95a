/* test_csv.c — the CSV reader: dialects, edge cases of real files, typed
 * conversion and its errors. */
#include "unit.h"
#include "fmt_testutil.h"
#include "formats/csv.h"
#include "core/buf.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

#define CSV(text, o, s, err) ft_csv(text, strlen(text), o, s, err, NULL)

static void check_csv(const char *text, const struct csv_options *o, const char *want, const char *file, int line)
{
	struct fmt_error err;
	char *got = CSV(text, o, NULL, &err);
	if (!got) {
		unit_fail(file, line, "read failed: %s", err.msg);
		return;
	}
	if (strcmp(got, want))
		unit_fail(file, line, "got:\n%s\nwant:\n%s", got, want);
	free(got);
}
#define CHECK_CSV(text, o, want) check_csv(text, o, want, __FILE__, __LINE__)

TEST(csv_rfc4180_basics)
{
	CHECK_CSV("a,b,c\n1,2,3\n4,5,6\n", NULL, "1|2|3\n4|5|6\n");
	/* no final newline */
	CHECK_CSV("a,b\n1,2", NULL, "1|2\n");
	/* quoted fields with delimiter, doubled quotes, newlines */
	CHECK_CSV("a,b\n\"x,y\",\"he said \"\"hi\"\"\"\n\"multi\nline\",z\n", NULL,
		  "x,y|he said \"hi\"\nmulti\nline|z\n");
	/* empty quoted field is an empty string, unquoted empty is NULL */
	CHECK_CSV("a,b,c\n\"\",,x\n", NULL, "|NULL|x\n");
	/* trailing delimiter makes a last empty field */
	CHECK_CSV("a,b\n1,\n", NULL, "1|NULL\n");
}

TEST(csv_line_endings_mixed)
{
	CHECK_CSV("a,b\r\n1,2\r\n3,4\r\n", NULL, "1|2\n3|4\n");
	CHECK_CSV("a,b\r1,2\r3,4", NULL, "1|2\n3|4\n");
	CHECK_CSV("a,b\n1,2\r\n3,4\r5,6\n", NULL, "1|2\n3|4\n5|6\n");
	/* CRLF inside quotes is kept as is */
	CHECK_CSV("a\n\"x\r\ny\"\n", NULL, "x\r\ny\n");
}

TEST(csv_bom_and_header_names)
{
	struct fmt_error err;
	char *schema = NULL;
	const char *text = "\xEF\xBB\xBFid,name,,id\n1,x,y,z\n";
	char *got = ft_csv(text, strlen(text), NULL, NULL, &err, &schema);
	CHECK(got);
	CHECK_STR(got, "1|x|y|z\n");
	CHECK_STR(schema, "id:string,name:string,col2:string,id_1:string");
	free(got);
	free(schema);
}

TEST(csv_no_header_names_columns)
{
	struct csv_options o;
	csv_options_init(&o);
	o.header = false;
	struct fmt_error err;
	char *schema = NULL;
	char *got = ft_csv("1,2\n3,4\n", 8, &o, NULL, &err, &schema);
	CHECK(got);
	CHECK_STR(got, "1|2\n3|4\n");
	CHECK_STR(schema, "col0:string,col1:string");
	free(got);
	free(schema);
}

TEST(csv_delimiters)
{
	struct csv_options o;
	csv_options_init(&o);
	o.delim = '\t';
	CHECK_CSV("a\tb\nx y\t\"q\tr\"\n", &o, "x y|q\tr\n");
	o.delim = '|';
	CHECK_CSV("a|b\n1|2\n", &o, "1|2\n");
	o.delim = ';';
	CHECK_CSV("a;b\n1,5;2\n", &o, "1,5|2\n");
	o.delim = '\x01';
	CHECK_CSV("a\x01" "b\nx\x01y\n", &o, "x|y\n");
}

TEST(csv_escape_characters)
{
	struct csv_options o;
	csv_options_init(&o);
	o.escape = '\\';
	CHECK_CSV("a,b\n\"x\\\"y\",\"p\\\\q\"\n", &o, "x\"y|p\\q\n");
	/* doubled quotes still work with an escape set */
	CHECK_CSV("a\n\"x\"\"y\"\n", &o, "x\"y\n");
	csv_options_init(&o);
	o.escape_unquoted = '\\';
	o.quote = 0;
	CHECK_CSV("a,b\nx\\,y,z\\\\\n", &o, "x,y|z\\\n");
	/* an escaped line break continues the field */
	CHECK_CSV("a,b\nx\\\ny,z\n", &o, "x\ny|z\n");
}

TEST(csv_single_quote_and_no_quote)
{
	struct csv_options o;
	csv_options_init(&o);
	o.quote = '\'';
	CHECK_CSV("a,b\n'x,y',\"z\"\n", &o, "x,y|\"z\"\n");
	o.quote = 0;
	CHECK_CSV("a,b\n\"x,y\"\n", &o, "\"x|y\"\n");
}

TEST(csv_quote_inside_unquoted_is_literal)
{
	CHECK_CSV("a,b\n5\" pipe,x\n", NULL, "5\" pipe|x\n");
}

TEST(csv_ragged_rows)
{
	struct fmt_error err;
	char *got = CSV("a,b,c\n1,2,3\n4,5\n", NULL, NULL, &err);
	CHECK(!got);
	CHECK_INT(err.line, 3);
	CHECK(strstr(err.msg, "expected 3 fields, found 2"));
	CHECK_STR(err.file, "t.csv");
	struct csv_options o;
	csv_options_init(&o);
	o.ragged = CSV_RAGGED_PAD;
	CHECK_CSV("a,b,c\n1,2,3\n4,5\n6,7,8,9\n", &o, "1|2|3\n4|5|NULL\n6|7|8\n");
}

TEST(csv_null_markers)
{
	struct csv_options o;
	csv_options_init(&o);
	const char *nulls[] = {"\\N", "NULL", "-"};
	o.null_if = nulls;
	o.n_null_if = 3;
	CHECK_CSV("a,b,c,d\n\\N,NULL,-,x\n\"NULL\",\"\\N\",\"\",\n", &o, "NULL|NULL|NULL|x\nNULL|\\N||NULL\n");
	o.empty_field_as_null = false;
	CHECK_CSV("a,b\n,\"\"\n", &o, "|\n");
	/* with an unquoted escape, the marker is compared before unescaping */
	o.escape_unquoted = '\\';
	CHECK_CSV("a,b\n\\N,\\\\N\n", &o, "NULL|\\N\n");
}

TEST(csv_trim_space)
{
	struct csv_options o;
	csv_options_init(&o);
	o.trim_space = true;
	CHECK_CSV("a,b,c\n  x  ,  \"y \"  , z\n", &o, "x|y |z\n");
	o.trim_space = false;
	CHECK_CSV("a,b\n  x  ,y\n", &o, "  x  |y\n");
}

TEST(csv_comments_skip_blank)
{
	struct csv_options o;
	csv_options_init(&o);
	o.comment = '#';
	o.skip_lines = 2;
	CHECK_CSV("junk line 1\njunk, line 2\na,b\n# a comment, here\n1,2\n\n\r\n3,4\n", &o, "1|2\n3|4\n");
	o.skip_blank_lines = false;
	o.ragged = CSV_RAGGED_PAD;
	o.comment = 0;
	o.skip_lines = 0;
	CHECK_CSV("a,b\n1,2\n\n3,4\n", &o, "1|2\nNULL|NULL\n3|4\n");
}

TEST(csv_syntax_errors_carry_position)
{
	struct fmt_error err;
	char *got = CSV("a,b\n1,2\n3,\"open\nstill open\n", NULL, NULL, &err);
	CHECK(!got);
	CHECK_INT(err.line, 3);
	CHECK_INT(err.column, 2);
	CHECK_INT(err.offset, 10);
	CHECK(strstr(err.msg, "never closed"));
	got = CSV("a,b\n1,2\n\"x\"y,2\n", NULL, NULL, &err);
	CHECK(!got);
	CHECK_INT(err.line, 3);
	CHECK_INT(err.column, 1);
	CHECK(strstr(err.msg, "'y' after a closing quote"));
	/* the line number counts newlines inside earlier quoted fields */
	got = CSV("a,b\n\"1\n2\n3\",x\n\"q\"z,1\n", NULL, NULL, &err);
	CHECK(!got);
	CHECK_INT(err.line, 5);
}

TEST(csv_max_record_and_columns)
{
	struct csv_options o;
	csv_options_init(&o);
	o.max_record = 1000;
	size_t n = 3 * 1024 * 1024;
	char *big = xmalloc(n + 1);
	memset(big, 'x', n);
	memcpy(big, "a\n\"", 3);
	big[n] = 0;
	struct fmt_error err;
	char *got = ft_csv(big, n, &o, NULL, &err, NULL);
	CHECK(!got);
	CHECK(strstr(err.msg, "longer than 1000 bytes"));
	free(big);
	o.max_columns = 4;
	got = CSV("a\n1,2,3,4,5\n", &o, NULL, &err);
	CHECK(!got);
	CHECK(strstr(err.msg, "more than 4 fields"));
}

/* Records cross refill boundaries in every possible place when the input
 * comes in random small pieces; the result must not depend on it. */
TEST(csv_trickled_input_matches)
{
	struct buf in;
	buf_init(&in, BUF_UNLIMITED);
	buf_adds(&in, "id,text,n\r\n");
	for (int i = 0; i < 3000; i++)
		buf_addf(&in, "%d,\"q\"\"%d\r\nline\",%d%s", i, i * 7, i % 13, i % 3 ? "\n" : "\r\n");
	struct fmt_error err;
	char *whole = ft_csv(in.data, in.len, NULL, NULL, &err, NULL);
	CHECK(whole);
	char *piece = ft_csv_trickle(in.data, in.len, NULL, 7, &err);
	CHECK(piece);
	CHECK(!strcmp(whole, piece));
	CHECK(strstr(whole, "2999|q\"20993\r\nline|9\n"));
	free(piece);
	/* A buffer-sized trickle exercises the growth path too. */
	piece = ft_csv_trickle(in.data, in.len, NULL, 100000, &err);
	CHECK(piece);
	CHECK(!strcmp(whole, piece));
	free(piece);
	free(whole);
	buf_free(&in);
}

TEST(csv_records_longer_than_chunk)
{
	size_t n = 3 * 1024 * 1024 + 17;
	struct buf in;
	buf_init(&in, BUF_UNLIMITED);
	buf_adds(&in, "a,b\n1,\"");
	for (size_t i = 0; i < n; i++)
		buf_addc(&in, (char)('a' + i % 26));
	buf_adds(&in, "\"\n2,x\n");
	struct fmt_error err;
	char *got = ft_csv_trickle(in.data, in.len, NULL, 65536, &err);
	CHECK(got);
	CHECK_INT(strlen(got), n + 7);
	CHECK(!strcmp(got + strlen(got) - 4, "2|x\n"));
	free(got);
	buf_free(&in);
}

static struct schema *typed_schema(void)
{
	struct schema *s = schema_new();
	schema_add(s, "id", COL_INT64, false);
	schema_add(s, "small", COL_INT32, true);
	schema_add(s, "price", COL_DOUBLE, true);
	struct field *d = schema_add(s, "amount", COL_DECIMAL, true);
	d->precision = 10;
	d->scale = 2;
	schema_add(s, "ok", COL_BOOL, true);
	schema_add(s, "day", COL_DATE, true);
	struct field *t = schema_add(s, "at", COL_TIMESTAMP, true);
	t->utc = true;
	schema_add(s, "name", COL_STRING, true);
	return s;
}

TEST(csv_typed_conversion)
{
	struct schema *s = typed_schema();
	struct fmt_error err;
	char *got = CSV("id,small,price,amount,ok,day,at,name\n"
			"1,-5,3.25,12.345,true,2024-02-29,2024-02-29T10:11:12.5+01:00,caf\xC3\xA9\n"
			"2,,1e3, 7 ,N,03/01/2024,2024-03-01 00:00:00,\"\"\n"
			"3,12.0,-0.1,-0.005,0,15-Mar-2024,1700000000,\n",
			NULL, s, &err);
	CHECK(got);
	CHECK_STR(got, "1|-5|3.25|12.35|true|2024-02-29|2024-02-29 09:11:12.5+00:00|caf\xC3\xA9\n"
		       "2|NULL|1000.0|7.00|false|2024-03-01|2024-03-01 00:00:00+00:00|\n"
		       "3|12|-0.1|-0.01|false|2024-03-15|2023-11-14 22:13:20+00:00|NULL\n");
	free(got);
	schema_free(s);
}

TEST(csv_typed_errors_name_the_field)
{
	struct schema *s = typed_schema();
	struct fmt_error err;
	char *got = CSV("id,small,price,amount,ok,day,at,name\n"
			"1,2,3,4,true,2024-01-01,2024-01-01,x\n"
			"2,99999999999,3,4,true,2024-01-01,2024-01-01,x\n",
			NULL, s, &err);
	CHECK(!got);
	CHECK_INT(err.line, 3);
	CHECK_INT(err.column, 2);
	CHECK_STR(err.column_name, "small");
	CHECK(strstr(err.msg, "'99999999999' is not a valid int32 (out of range)"));
	CHECK(strstr(err.msg, "t.csv: line 3, column 2 (\"small\")"));
	got = CSV("id,small,price,amount,ok,day,at,name\n,1,2,3,true,2024-01-01,2024-01-01,x\n", NULL, s, &err);
	CHECK(!got);
	CHECK(strstr(err.msg, "does not allow NULL"));
	got = CSV("id,small,price,amount,ok,day,at,name\n1,1,2,3,true,2024-02-30,2024-01-01,x\n", NULL, s, &err);
	CHECK(!got);
	CHECK_STR(err.column_name, "day");
	got = CSV("id,small,price,amount,ok,day,at,name\n1,1,2,123456789,true,2024-02-01,2024-01-01,x\n", NULL, s,
		  &err);
	CHECK(!got);
	CHECK_STR(err.column_name, "amount");
	got = CSV("id,small,price,amount,ok,day,at,name\n1,1,2,1,maybe,2024-02-01,2024-01-01,x\n", NULL, s, &err);
	CHECK(!got);
	CHECK_STR(err.column_name, "ok");
	got = CSV("id,small,price,amount,ok,day,at,name\n1,1,2,1,1,2024-02-01,2024-01-01,\xC3\x28\n", NULL, s, &err);
	CHECK(!got);
	CHECK(strstr(err.msg, "UTF-8"));
	schema_free(s);
}

static void collect_bad(void *ctx, const struct fmt_error *e)
{
	struct buf *b = ctx;
	buf_addf(b, "%lld:%lld;", (long long)e->line, (long long)e->column);
}

TEST(csv_bad_rows_skipped_when_asked)
{
	struct schema *s = schema_new();
	schema_add(s, "a", COL_INT64, true);
	schema_add(s, "b", COL_DOUBLE, true);
	struct buf bad;
	buf_init(&bad, 1000);
	struct csv_options o;
	csv_options_init(&o);
	o.on_bad_row = collect_bad;
	o.bad_row_ctx = &bad;
	struct fmt_error err;
	char *got = CSV("a,b\n1,2\nx,3\n4,y\n5,6\n7\n8,9\n", &o, s, &err);
	CHECK(got);
	CHECK_STR(got, "1|2.0\n5|6.0\n8|9.0\n");
	CHECK_STR(buf_str(&bad), "3:1;4:2;6:0;");
	free(got);
	/* malformed lines are skipped too, and line numbers stay right after them */
	buf_reset(&bad);
	o.max_columns = 3;
	got = CSV("a,b\n1,2\n\"x\"y,3\n\"multi\nline\"z,4\n5,6\n1,2,3,4,5\n7,8\nq,9\n", &o, s, &err);
	CHECK(got);
	CHECK_STR(got, "1|2.0\n5|6.0\n7|8.0\n");
	CHECK_STR(buf_str(&bad), "3:1;5:1;7:0;9:1;");
	free(got);
	buf_free(&bad);
	schema_free(s);
}

TEST(csv_match_by_name)
{
	struct schema *s = schema_new();
	schema_add(s, "b", COL_INT64, true);
	schema_add(s, "missing", COL_STRING, true);
	schema_add(s, "a", COL_STRING, true);
	struct csv_options o;
	csv_options_init(&o);
	o.match_by_name = true;
	struct fmt_error err;
	char *got = CSV("A,B,C\nx,1,z\n", &o, s, &err);
	CHECK(got);
	CHECK_STR(got, "1|NULL|x\n");
	free(got);
	schema_free(s);
}

TEST(csv_date_and_timestamp_formats)
{
	struct schema *s = schema_new();
	schema_add(s, "d", COL_DATE, true);
	schema_add(s, "t", COL_TIMESTAMP, true);
	struct csv_options o;
	csv_options_init(&o);
	o.date_format = "DD.MM.YYYY";
	o.timestamp_format = "MM/DD/YYYY HH12:MI:SS AM";
	struct fmt_error err;
	char *got = CSV("d,t\n29.02.2024,02/29/2024 01:02:03 PM\n1.1.1999,12/31/1999 12:00:00 AM\n", &o, s, &err);
	CHECK(got);
	CHECK_STR(got, "2024-02-29|2024-02-29 13:02:03\n1999-01-01|1999-12-31 00:00:00\n");
	free(got);
	got = CSV("d,t\n2024-02-29,x\n", &o, s, &err);
	CHECK(!got);
	CHECK_STR(err.column_name, "d");
	o.date_format = "\"unterminated";
	got = CSV("d,t\n1,2\n", &o, s, &err);
	CHECK(!got);
	CHECK(strstr(err.msg, "unterminated"));
	schema_free(s);
}
