/* rs.c — see rs.h. */
#include "warehouse/rs.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int rs_begin(struct rs *r, const struct wh_sink *sink, const char *const *names, const char *const *types, int n)
{
	memset(r, 0, sizeof *r);
	r->sink = sink;
	r->ncols = n > RS_MAX_COLS ? RS_MAX_COLS : n;
	buf_init(&r->text, 64u << 20);
	for (int i = 0; i < r->ncols; i++) {
		struct wh_column *c = &r->cols[i];
		snprintf(c->name, sizeof c->name, "%s", names[i]);
		snprintf(c->type_name, sizeof c->type_name, "%s", types[i]);
		c->nullable = 1;
		if (!strcmp(types[i], "int8")) {
			c->kind = WH_INT;
			c->is_signed = true;
			c->precision = 19;
		} else if (!strcmp(types[i], "bool")) {
			c->kind = WH_BOOL;
		} else if (!strcmp(types[i], "float8")) {
			c->kind = WH_DOUBLE;
			c->is_signed = true;
		} else {
			c->kind = WH_TEXT;
		}
	}
	if (sink && sink->columns && sink->columns(sink->ctx, r->cols, r->ncols))
		r->failed = 1;
	return r->failed ? -1 : 0;
}

void rs_textn(struct rs *r, int col, const char *s, size_t n)
{
	if (col < 0 || col >= r->ncols)
		return;
	if (!s) {
		rs_null(r, col);
		return;
	}
	r->offs[col] = r->text.len;
	if (buf_add(&r->text, s, n)) {
		rs_null(r, col);
		return;
	}
	r->vals[col].kind = WH_TEXT;
	r->vals[col].n = n;
}

void rs_text(struct rs *r, int col, const char *s)
{
	rs_textn(r, col, s, s ? strlen(s) : 0);
}

void rs_int(struct rs *r, int col, int64_t v)
{
	if (col >= 0 && col < r->ncols)
		r->vals[col] = (struct wh_value){.kind = WH_INT, .i = v};
}

void rs_bool(struct rs *r, int col, bool v)
{
	if (col >= 0 && col < r->ncols)
		r->vals[col] = (struct wh_value){.kind = WH_BOOL, .i = v};
}

void rs_null(struct rs *r, int col)
{
	if (col >= 0 && col < r->ncols)
		r->vals[col] = (struct wh_value){.kind = WH_NULL};
}

void rs_time(struct rs *r, int col, int64_t ms)
{
	if (!ms) {
		rs_null(r, col);
		return;
	}
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	char out[64];
	int n = snprintf(out, sizeof out, "%04d-%02d-%02d %02d:%02d:%02d.%03d +0000", tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
	rs_textn(r, col, out, (size_t)n);
}

int rs_row(struct rs *r)
{
	if (r->failed)
		return -1;
	/* Text offsets become pointers only now: the buffer may have moved. */
	for (int i = 0; i < r->ncols; i++)
		if (r->vals[i].kind == WH_TEXT)
			r->vals[i].p = r->text.data + r->offs[i];
	r->rows++;
	if (r->sink && r->sink->row && r->sink->row(r->sink->ctx, r->vals, r->ncols))
		r->failed = 1;
	buf_reset(&r->text);
	for (int i = 0; i < r->ncols; i++)
		r->vals[i] = (struct wh_value){.kind = WH_NULL};
	return r->failed ? -1 : 0;
}

void rs_end(struct rs *r)
{
	buf_free(&r->text);
}
