/* fmt_text.c — see fmt_text.h. */
#include "formats/fmt_text.h"
#include "formats/num.h"
#include "core/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *fmt_cell(const struct column *c, const struct field *f, size_t row, const struct tf_format *date_f,
		     const struct tf_format *ts_f, char tmp[FMT_CELL_TMP], struct buf *scratch, size_t *len)
{
	switch (c->type) {
	case COL_BOOL:
		*len = c->v.u8[row] ? 4 : 5;
		return c->v.u8[row] ? "true" : "false";
	case COL_INT32:
		*len = num_fmt_i64(c->v.i32[row], tmp);
		return tmp;
	case COL_INT64:
		*len = f->is_unsigned ? num_fmt_u64((uint64_t)c->v.i64[row], tmp) : num_fmt_i64(c->v.i64[row], tmp);
		return tmp;
	case COL_FLOAT:
		*len = num_fmt_float(c->v.f32[row], tmp);
		return tmp;
	case COL_DOUBLE:
		*len = num_fmt_double(c->v.f64[row], tmp);
		return tmp;
	case COL_DECIMAL:
		*len = num_fmt_decimal(c->v.dec[row], f->scale, tmp);
		return tmp;
	case COL_DATE:
		*len = tf_format_date(date_f, c->v.i32[row], tmp);
		return tmp;
	case COL_TIMESTAMP:
		*len = tf_format_ts(ts_f, c->v.i64[row], f->unit, f->utc, tmp);
		return tmp;
	case COL_TIME:
		*len = tf_format_time(c->v.i64[row], f->unit, tmp);
		return tmp;
	case COL_BINARY: {
		size_t n;
		const unsigned char *p = (const unsigned char *)col_bytes(c, row, &n);
		static const char hex[] = "0123456789ABCDEF";
		buf_reset(scratch);
		if (buf_reserve(scratch, 2 * n)) {
			*len = 0;
			return "";
		}
		for (size_t i = 0; i < n; i++) {
			scratch->data[2 * i] = hex[p[i] >> 4];
			scratch->data[2 * i + 1] = hex[p[i] & 15];
		}
		scratch->len = 2 * n;
		scratch->data[scratch->len] = 0;
		*len = scratch->len;
		return scratch->data;
	}
	default:
		return col_bytes(c, row, len);
	}
}

int fmt_parse_cell(struct batch *b, int ci, const struct field *f, const struct tf_format *fmt, const char *p,
		   size_t n)
{
	int rc;
	switch (f->type) {
	case COL_BOOL: {
		bool v;
		if (!(rc = num_parse_bool(p, n, &v)))
			batch_set_bool(b, ci, v);
		return rc;
	}
	case COL_INT32:
	case COL_INT64: {
		int64_t v;
		rc = num_parse_i64(p, n, &v);
		if (rc == NUM_SYNTAX) {
			/* "12.0" and "1e3" are integers written as decimals (spreadsheets do this). */
			double d;
			if (num_parse_double(p, n, &d) == NUM_OK && d > -9.2e18 && d < 9.2e18 && d == (double)(int64_t)d) {
				v = (int64_t)d;
				rc = 0;
			}
		}
		if (!rc && f->type == COL_INT32 && (v < INT32_MIN || v > INT32_MAX))
			rc = NUM_RANGE;
		if (!rc && f->type == COL_INT32)
			batch_set_i32(b, ci, (int32_t)v);
		else if (!rc)
			batch_set_i64(b, ci, v);
		return rc;
	}
	case COL_FLOAT:
	case COL_DOUBLE: {
		double v;
		if ((rc = num_parse_double(p, n, &v)))
			return rc;
		if (f->type == COL_FLOAT)
			batch_set_f32(b, ci, (float)v);
		else
			batch_set_f64(b, ci, v);
		return 0;
	}
	case COL_DECIMAL: {
		__int128 v;
		if (!(rc = num_parse_decimal(p, n, f->precision, f->scale, &v)))
			batch_set_dec(b, ci, v);
		return rc;
	}
	case COL_DATE: {
		int32_t v;
		if (tf_parse_date(fmt, p, n, &v))
			return NUM_SYNTAX;
		batch_set_i32(b, ci, v);
		return 0;
	}
	case COL_TIMESTAMP:
	case COL_TIME: {
		int64_t v;
		if (f->type == COL_TIME ? tf_parse_time(p, n, f->unit, &v) : tf_parse_ts(fmt, p, n, f->unit, f->utc, &v))
			return NUM_SYNTAX;
		batch_set_i64(b, ci, v);
		return 0;
	}
	default:
		return -1;
	}
}

void fmt_text_quote(char *out, size_t outlen, const char *p, size_t n)
{
	size_t o = 0;
	if (outlen < 8) {
		if (outlen)
			out[0] = 0;
		return;
	}
	out[o++] = '\'';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (i >= 40 || o + 8 >= outlen) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (c >= 0x20 && c < 0x7f) {
			out[o++] = (char)c;
		} else {
			snprintf(out + o, outlen - o, "\\x%02X", c);
			o += 4;
		}
	}
	out[o++] = '\'';
	out[o] = 0;
}

void fmt_error_at(struct fmt_error *e, const char *file, int64_t line, int64_t column, const char *column_name,
		  int64_t offset, const char *fmt, ...)
{
	if (!e)
		return;
	memset(e, 0, sizeof *e);
	snprintf(e->file, sizeof e->file, "%s", file ? file : "");
	e->line = line;
	e->column = column;
	e->offset = offset;
	if (column_name)
		snprintf(e->column_name, sizeof e->column_name, "%s", column_name);
	struct buf m;
	buf_init(&m, sizeof e->msg - 1);
	if (file && *file)
		buf_addf(&m, "%s: ", file);
	if (line)
		buf_addf(&m, "line %lld%s", (long long)line, column ? ", " : ": ");
	if (column)
		buf_addf(&m, column_name && *column_name ? "column %lld (\"%s\"): " : "column %lld: ",
			 (long long)column, column_name);
	char reason[sizeof e->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	size_t room = m.max - m.len;
	buf_add(&m, reason, strlen(reason) < room ? strlen(reason) : room);
	memcpy(e->msg, buf_str(&m), m.len + 1);
	buf_free(&m);
}
