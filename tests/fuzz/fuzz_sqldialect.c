/* fuzz_sqldialect.c — the Snowflake dialect on hostile text: the tokenizer,
 * the statement splitter, :name rewriting, the parser of owned statements
 * (and, when it yields a file format, the format compiler), and the pipe
 * notification parser. Invariants checked: every range and span the
 * parsers report lies inside the input.
 * Seeds: tests/fuzz/corpus/sqldialect/, dictionary tests/fuzz/sqldialect.dict. */
#include "warehouse/dialect.h"
#include "warehouse/fformat.h"
#include "warehouse/pipe.h"
#include "warehouse/sqltok.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ignore_event(void *ctx, const char *bucket, const char *key, int64_t size, const char *etag, int64_t ms)
{
	(void)ctx;
	(void)bucket;
	(void)key;
	(void)size;
	(void)etag;
	(void)ms;
}

static void one(const char *sql, size_t n)
{
	struct dl_stmt st;
	struct wh_err e;
	if (dl_parse(sql, n, 1796000000000LL, &st, &e) == 0) {
		if (st.kind == DL_COPY || st.kind == DL_CREATE_PIPE) {
			if (st.copy.text_off > n || st.copy.text_len > n - st.copy.text_off)
				abort();
			struct ff f;
			if (st.copy.format && !json_object_get(st.copy.format, "FORMAT_NAME") && ff_compile(st.copy.format, &f, &e) == 0)
				ff_free(&f);
			else if (st.copy.format)
				ff_free(&f);
		}
		if (st.kind == DL_COPY_HISTORY && (st.repl_off > st.repl_end || st.repl_end > n))
			abort();
		if (st.kind == DL_CREATE_FORMAT) {
			struct ff f;
			ff_compile(st.opts, &f, &e);
			ff_free(&f);
		}
	}
	dl_free(&st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	/* The parsers take (pointer, length): no terminator is needed, but a
	 * copy lets ASan see reads past the end. */
	char *sql = malloc(size ? size : 1);
	memcpy(sql, data, size);
	struct sql_range r[64];
	size_t where;
	int n = sql_split(sql, size, r, 64, &where);
	for (int i = 0; i < n; i++) {
		if (r[i].off > size || r[i].len > size - r[i].off)
			abort();
		one(sql + r[i].off, r[i].len);
	}
	one(sql, size);
	const char *names[] = {"id", "day", "x"};
	char *out = NULL, bad[64];
	if (sql_bind_names(sql, size, names, 3, &out, bad, sizeof bad) == 0)
		free(out);
	pipe_parse_event(sql, size, ignore_event, NULL);
	free(sql);
	return 0;
}
