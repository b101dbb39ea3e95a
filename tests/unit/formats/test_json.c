/* test_json.c — JSON Lines and arrays: tokenizer, inference, conversion,
 * errors with line and offset, writer round trips. */
#include "unit.h"
#include "fmt_testutil.h"
#include "formats/json.h"
#include "formats/jsontok.h"
#include "core/buf.h"
#include "core/mem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct jres {
	char *rows;   /* rendered, NULL on error */
	char *schema; /* "name:type,..." */
	struct fmt_error err;
	int64_t bad;
};

static void free_jres(struct jres *r)
{
	free(r->rows);
	free(r->schema);
}

static void count_bad(void *ctx, const struct fmt_error *e)
{
	struct buf *b = ctx;
	buf_addf(b, "%lld@%lld;", (long long)e->line, (long long)e->offset);
}

static struct jres run_json(const char *text, size_t n, const struct json_options *o, const struct schema *s,
			    enum fmt_codec codec)
{
	struct jres res;
	memset(&res, 0, sizeof res);
	struct json_options def;
	if (!o) {
		json_options_init(&def);
		o = &def;
	}
	struct source *src = source_from_mem(text, n, codec);
	source_set_name(src, "t.json");
	struct json_reader *r;
	if (json_reader_open(src, o, s, &r, &res.err)) {
		source_close(src);
		return res;
	}
	res.schema = ft_schema_str(json_reader_schema(r));
	struct batch *b = batch_new(json_reader_schema(r), 2);
	struct buf out;
	buf_init(&out, BUF_UNLIMITED);
	long k;
	while ((k = json_reader_next(r, b, &res.err)) > 0)
		ft_render_batch(&out, b);
	res.bad = json_reader_bad_rows(r);
	if (k == 0)
		res.rows = buf_detach(&out, NULL);
	buf_free(&out);
	batch_free(b);
	json_reader_free(r);
	source_close(src);
	return res;
}

#define JS(text, o, s) run_json(text, strlen(text), o, s, FMT_CODEC_AUTO)

TEST(json_lines_inference_and_values)
{
	struct jres r = JS("{\"id\":1,\"name\":\"a\",\"ok\":true,\"x\":1.5,\"tags\":[1,\"two\"],\"n\":null}\n"
			   "{\"id\":2,\"x\":2,\"name\":\"caf\\u00e9 \\ud83d\\ude00\",\"ok\":false,\"extra\":{\"k\":[]}}\n"
			   "\n"
			   "{\"id\":-3}\n",
			   NULL, NULL);
	CHECK(r.rows);
	CHECK_STR(r.schema, "id:int64,name:string,ok:boolean,x:double,tags:json,n:string,extra:json");
	CHECK_STR(r.rows, "1|a|true|1.5|[1,\"two\"]|NULL|NULL\n"
			  "2|caf\xC3\xA9 \xF0\x9F\x98\x80|false|2.0|NULL|NULL|{\"k\":[]}\n"
			  "-3|NULL|NULL|NULL|NULL|NULL|NULL\n");
	free_jres(&r);
}

TEST(json_widening_rules)
{
	struct jres r = JS("{\"a\":1,\"b\":1,\"c\":true,\"d\":1,\"e\":\"x\",\"f\":{\"z\":1}}\n"
			   "{\"a\":2.5,\"b\":\"s\",\"c\":1,\"d\":99999999999999999999,\"e\":{\"y\":2},\"f\":3}\n",
			   NULL, NULL);
	CHECK(r.rows);
	CHECK_STR(r.schema, "a:double,b:string,c:string,d:double,e:json,f:json");
	CHECK_STR(r.rows, "1.0|1|true|1.0|\"x\"|{\"z\":1}\n2.5|s|1|1e+20|{\"y\":2}|3\n");
	free_jres(&r);
}

TEST(json_date_detection)
{
	struct jres r = JS("{\"d\":\"2024-02-29\",\"t\":\"2024-02-29T10:00:00Z\",\"l\":\"2024-02-29 10:00:00\",\"s\":\"2024-02-29\"}\n"
			   "{\"d\":\"2024-03-01\",\"t\":\"2024-02-29T10:00:00+02:00\",\"l\":\"2024-03-01\",\"s\":\"soon\"}\n",
			   NULL, NULL);
	CHECK(r.rows);
	CHECK_STR(r.schema, "d:date,t:timestamptz,l:timestamp,s:string");
	CHECK_STR(r.rows, "2024-02-29|2024-02-29 10:00:00+00:00|2024-02-29 10:00:00|2024-02-29\n"
			  "2024-03-01|2024-02-29 08:00:00+00:00|2024-03-01 00:00:00|soon\n");
	free_jres(&r);
	struct json_options o;
	json_options_init(&o);
	o.detect_dates = false;
	r = JS("{\"d\":\"2024-02-29\"}", &o, NULL);
	CHECK_STR(r.schema, "d:string");
	free_jres(&r);
}

TEST(json_flatten)
{
	struct json_options o;
	json_options_init(&o);
	o.flatten = true;
	struct jres r = JS("{\"a\":{\"b\":1,\"c\":{\"d\":\"x\"}},\"e\":[1,{\"f\":2}],\"g\":{}}\n"
			   "{\"a\":{\"b\":2},\"a.b\":3}\n",
			   &o, NULL);
	CHECK(r.rows);
	CHECK_STR(r.schema, "a.b:int64,a.c.d:string,e:json");
	/* "a.b" given both ways in one record: the last one wins */
	CHECK_STR(r.rows, "1|x|[1,{\"f\":2}]\n3|NULL|NULL\n");
	free_jres(&r);
}

TEST(json_strip_outer_array)
{
	struct json_options o;
	json_options_init(&o);
	o.strip_outer_array = true;
	struct jres r = JS(" [ {\"a\":1},\n {\"a\":2} ] \n", &o, NULL);
	CHECK(r.rows);
	CHECK_STR(r.rows, "1\n2\n");
	free_jres(&r);
	r = JS("[]", &o, NULL);
	CHECK(r.rows);
	CHECK_STR(r.rows, "");
	CHECK_STR(r.schema, "");
	free_jres(&r);
	r = JS("{\"a\":1}", &o, NULL);
	CHECK(!r.rows);
	CHECK(strstr(r.err.msg, "expected '['"));
	free_jres(&r);
	r = JS("[{\"a\":1},{\"a\":2}", &o, NULL);
	CHECK(!r.rows);
	CHECK(strstr(r.err.msg, "outer array is not closed"));
	free_jres(&r);
	r = JS("[{\"a\":1}] [", &o, NULL);
	CHECK(!r.rows);
	CHECK(strstr(r.err.msg, "after the outer array"));
	free_jres(&r);
	/* without the option, an array is a record that is not an object */
	r = JS("[{\"a\":1}]", NULL, NULL);
	CHECK(!r.rows);
	CHECK(strstr(r.err.msg, "record 1 is not a JSON object"));
	free_jres(&r);
}

TEST(json_pretty_printed_concatenated)
{
	struct jres r = JS("{\n  \"a\": 1,\n  \"b\": [\n    1,\n    2\n  ]\n}\n{\"a\":2,\"b\":[]}{\"a\":3}", NULL, NULL);
	CHECK(r.rows);
	CHECK_STR(r.rows, "1|[1,2]\n2|[]\n3|NULL\n");
	free_jres(&r);
}

TEST(json_syntax_errors_have_line_and_offset)
{
	struct {
		const char *text;
		int64_t line, offset;
		const char *msg;
	} cases[] = {
		{"{\"a\":1}\n{\"a\":2}\n{\"a\" 3}\n", 3, 21, "expected ':'"},
		{"{\"a\":1}\n{\"a\":01}\n", 2, 13, "'01' is not a valid JSON number"},
		{"{\"a\":tru}", 1, 5, "unexpected 'tru'"},
		{"{\"a\":\"x\ty\"}", 1, 7, "control character"},
		{"{\"a\":\"\\q\"}", 1, 6, "invalid escape"},
		{"{\"a\":\"\\ud800\"}", 1, 6, "lone high surrogate"},
		{"{\"a\":\"\xC3\x28\"}", 1, 5, "not valid UTF-8"},
		{"{\"a\":[1,2}", 1, 9, "expected ',' or ']'"},
		{"{\"a\":1,}", 1, 7, "member name"},
		{"{\"a\":1", 1, 6, "ends inside"},
		{"{\"a\":\"open", 1, 5, "never closed"},
		{"{\"a\":1}}", 1, 7, "unexpected '}'"},
		{"{1:2}", 1, 1, "member name"},
		{"{\"a\":NaN}", 1, 5, "unexpected 'NaN'"},
		{"{\"a\":1e}", 1, 5, "not a valid JSON number"},
		{"{\"a\":-}", 1, 5, "not a valid JSON number"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct json_options o;
		json_options_init(&o);
		struct schema *s = schema_new();
		schema_add(s, "a", COL_STRING, true);
		struct jres r = JS(cases[i].text, &o, s);
		schema_free(s);
		if (r.rows || r.err.line != cases[i].line || r.err.offset != cases[i].offset ||
		    !strstr(r.err.msg, cases[i].msg)) {
			unit_fail(__FILE__, __LINE__, "case %zu: line %lld offset %lld: %s", i, (long long)r.err.line,
				  (long long)r.err.offset, r.err.msg);
			free_jres(&r);
			return;
		}
		CHECK_STR(r.err.file, "t.json");
		free_jres(&r);
	}
}

TEST(json_depth_is_capped)
{
	size_t n = 100000;
	char *deep = xmalloc(n + 10);
	memcpy(deep, "{\"a\":", 5);
	memset(deep + 5, '[', n);
	deep[n + 5] = 0;
	struct jres r = run_json(deep, n + 5, NULL, NULL, FMT_CODEC_NONE);
	CHECK(!r.rows);
	CHECK(strstr(r.err.msg, "nested deeper than 256"));
	free_jres(&r);
	free(deep);
}

TEST(json_bad_lines_skipped_when_asked)
{
	struct buf bad;
	buf_init(&bad, 1000);
	struct json_options o;
	json_options_init(&o);
	o.on_bad_row = count_bad;
	o.bad_row_ctx = &bad;
	struct schema *s = schema_new();
	schema_add(s, "a", COL_INT64, true);
	struct jres r = JS("{\"a\":1}\n{\"a\":\"x\"}\n{broken\n[1]\n{\"a\":[1]}\n{\"a\":5}\n", &o, s);
	CHECK(r.rows);
	CHECK_STR(r.rows, "1\n5\n");
	CHECK_INT(r.bad, 4);
	CHECK_STR(buf_str(&bad), "2@8;3@19;4@26;5@30;");
	free_jres(&r);
	buf_reset(&bad);
	/* inference passes over the broken line too */
	r = JS("{\"a\":1}\n{oops\n{\"a\":2.5}\n", &o, NULL);
	CHECK(r.rows);
	CHECK_STR(r.schema, "a:double");
	CHECK_STR(r.rows, "1.0\n2.5\n");
	free_jres(&r);
	buf_free(&bad);
	schema_free(s);
}

TEST(json_schema_conversions)
{
	struct schema *s = schema_new();
	schema_add(s, "i", COL_INT32, true);
	schema_add(s, "d", COL_DOUBLE, true);
	schema_add(s, "s", COL_STRING, true);
	schema_add(s, "j", COL_JSON, true);
	schema_add(s, "b", COL_BOOL, true);
	struct field *m = schema_add(s, "m", COL_DECIMAL, true);
	m->precision = 10;
	m->scale = 3;
	schema_add(s, "t", COL_TIMESTAMP, true);
	schema_add(s, "x", COL_BINARY, true);
	schema_add(s, "must", COL_STRING, false);
	struct jres r = JS("{\"i\":\"12\",\"d\":\"2.5\",\"s\":3.25,\"j\":\"q\\\"\",\"b\":\"yes\",\"m\":1.0005,\"t\":1700000000,"
			   "\"x\":\"00ff\",\"must\":\"here\",\"ignored\":{\"deep\":[1]}}\n"
			   "{\"i\":3.0,\"d\":7,\"s\":{\"a\":[true,null]},\"j\":[1],\"b\":false,\"m\":\"-2\",\"t\":\"2024-01-01T00:00:00Z\","
			   "\"must\":\"\",\"i\":4,\"s\":\"last\"}\n",
			   NULL, s);
	CHECK(r.rows);
	CHECK_STR(r.rows, "12|2.5|3.25|\"q\\\"\"|true|1.001|2023-11-14 22:13:20|00FF|here\n"
			  "4|7.0|last|[1]|false|-2.000|2024-01-01 00:00:00|NULL|\n");
	free_jres(&r);
	r = JS("{\"must\":\"a\"}\n{\"i\":1}\n", NULL, s);
	CHECK(!r.rows);
	CHECK_INT(r.err.line, 2);
	CHECK_STR(r.err.column_name, "must");
	free_jres(&r);
	r = JS("{\"must\":\"a\"}\n{\"must\":\"a\",\n\"i\":3000000000}\n", NULL, s);
	CHECK(!r.rows);
	CHECK_INT(r.err.line, 2);
	CHECK_INT(r.err.column, 1);
	CHECK_INT(r.err.offset, 13);
	CHECK(strstr(r.err.msg, "t.json: line 2, column 1 (\"i\"): '3000000000' is not a valid int32 (out of range)"));
	free_jres(&r);
	r = JS("{\"must\":\"a\",\"d\":[1]}", NULL, s);
	CHECK(!r.rows);
	CHECK(strstr(r.err.msg, "an array cannot go into a double column"));
	free_jres(&r);
	schema_free(s);
}

TEST(json_inference_sample_then_stream)
{
	struct json_options o;
	json_options_init(&o);
	o.infer_records = 2;
	struct jres r = JS("{\"a\":1}\n{\"a\":2}\n{\"a\":\"three\"}\n", &o, NULL);
	CHECK(!r.rows);
	CHECK_STR(r.schema, "a:int64");
	CHECK_INT(r.err.line, 3);
	CHECK(strstr(r.err.msg, "'three' is not a valid int64"));
	free_jres(&r);
	/* a large stream: inference over the first records only, then all rows
	 * come out, in order, from a compressed source */
	struct buf in;
	buf_init(&in, BUF_UNLIMITED);
	for (int i = 0; i < 50000; i++)
		buf_addf(&in, "{\"i\":%d,\"s\":\"row %d with \\\"quotes\\\" and \\u00e9\",\"nested\":{\"k\":[%d]}}\n", i, i, i);
	size_t zn;
	char *z = ft_compress(in.data, in.len, FMT_CODEC_GZIP, &zn);
	o.infer_records = 100;
	o.flatten = true;
	r = run_json(z, zn, &o, NULL, FMT_CODEC_AUTO);
	CHECK(r.rows);
	CHECK_STR(r.schema, "i:int64,s:string,nested.k:json");
	CHECK(strstr(r.rows, "\n49999|row 49999 with \"quotes\" and \xC3\xA9|[49999]\n"));
	CHECK(!strncmp(r.rows, "0|row 0 with", 12));
	free_jres(&r);
	free(z);
	/* infer_bytes stops the sample early: the replay must still be exact */
	o.infer_records = 0;
	o.infer_bytes = 1000;
	r = run_json(in.data, in.len, &o, NULL, FMT_CODEC_NONE);
	CHECK(r.rows);
	CHECK(strstr(r.rows, "\n49999|row 49999"));
	free_jres(&r);
	buf_free(&in);
}

TEST(json_tokenizer_trickle_and_long_tokens)
{
	/* A string longer than the tokenizer chunk, fed through the callback
	 * source one odd piece at a time. */
	size_t n = 700000;
	struct buf in;
	buf_init(&in, BUF_UNLIMITED);
	buf_adds(&in, "{\"big\":\"");
	for (size_t i = 0; i < n; i++)
		buf_addc(&in, (char)('a' + i % 26));
	buf_adds(&in, "\\n\",\"n\":123456789012}\n{\"n\":-1.5e-3}");
	struct source *src = source_from_mem(in.data, in.len, FMT_CODEC_NONE);
	struct jtok t;
	jt_init(&t, src, false, 0);
	struct jt_token tok;
	struct fmt_error err;
	int kinds[16], k = 0;
	size_t biglen = 0;
	while (jt_next(&t, &tok, &err) == 1 && k < 16) {
		kinds[k++] = tok.kind;
		if (tok.kind == JT_STR && tok.n > biglen)
			biglen = tok.n;
	}
	CHECK_INT(k, 10);
	CHECK_INT(biglen, n + 1);
	int want[] = {JT_OBJ, JT_KEY, JT_STR, JT_KEY, JT_NUM, JT_OBJ_END, JT_OBJ, JT_KEY, JT_NUM, JT_OBJ_END};
	for (int i = 0; i < 10; i++)
		CHECK_INT(kinds[i], want[i]);
	jt_free(&t);
	source_close(src);
	/* and a token over max_token is refused */
	src = source_from_mem(in.data, in.len, FMT_CODEC_NONE);
	jt_init(&t, src, false, 1000);
	int rc;
	while ((rc = jt_next(&t, &tok, &err)) == 1)
		;
	CHECK_INT(rc, -1);
	CHECK(strstr(err.msg, "longer than 1000 bytes"));
	jt_free(&t);
	source_close(src);
	buf_free(&in);
}

static char *write_jsonl(const struct batch *b, bool omit)
{
	struct buf out;
	buf_init(&out, BUF_UNLIMITED);
	struct sink *k = sink_to_buf(&out, FMT_CODEC_NONE, 0);
	struct json_writer *w;
	struct fmt_error err;
	if (json_writer_new(k, b->schema, omit, &w, &err) || json_writer_write(w, b, &err) ||
	    json_writer_finish(w, &err))
		abort();
	json_writer_free(w);
	sink_close(k);
	return buf_detach(&out, NULL);
}

TEST(json_writer_round_trip)
{
	struct schema *s = schema_new();
	schema_add(s, "s", COL_STRING, true);
	schema_add(s, "d", COL_DOUBLE, true);
	schema_add(s, "i", COL_INT64, true);
	schema_add(s, "j", COL_JSON, true);
	schema_add(s, "day", COL_DATE, true);
	schema_add(s, "b", COL_BOOL, true);
	struct batch *b = batch_new(s, 4);
	batch_set_bytes(b, 0, "tab\there \"q\" \x01", 14);
	batch_set_f64(b, 1, 0.1);
	batch_set_i64(b, 2, INT64_MIN);
	batch_set_bytes(b, 3, "{\"x\":[1,2]}", 11);
	batch_set_i32(b, 4, 19782);
	batch_set_bool(b, 5, true);
	batch_finish_row(b);
	batch_set_f64(b, 1, NAN);
	batch_finish_row(b);
	char *text = write_jsonl(b, false);
	CHECK_STR(text, "{\"s\":\"tab\\there \\\"q\\\" \\u0001\",\"d\":0.1,\"i\":-9223372036854775808,\"j\":{\"x\":[1,2]},"
			"\"day\":\"2024-02-29\",\"b\":true}\n"
			"{\"s\":null,\"d\":null,\"i\":null,\"j\":null,\"day\":null,\"b\":null}\n");
	struct jres r = run_json(text, strlen(text), NULL, s, FMT_CODEC_NONE);
	CHECK(r.rows);
	CHECK_STR(r.rows, "tab\there \"q\" \x01|0.1|-9223372036854775808|{\"x\":[1,2]}|2024-02-29|true\n"
			  "NULL|NULL|NULL|NULL|NULL|NULL\n");
	free_jres(&r);
	free(text);
	text = write_jsonl(b, true);
	CHECK(strstr(text, "\n{\"d\":null}\n")); /* NaN is not NULL: it is kept, as null */
	free(text);
	batch_free(b);
	schema_free(s);
}
