/* scalar.c — see scalar.h. */
#include "proto/scalar.h"
#include "core/clock.h"
#include "core/enc.h"
#include "core/mem.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum ts_format scalar_ts_format(const struct model_shape *s, const struct model_member *m, enum text_ctx ctx)
{
	if (m && m->ts_format)
		return (enum ts_format)m->ts_format;
	if (s->ts_format)
		return (enum ts_format)s->ts_format;
	return ctx == TEXT_HEADER ? TSF_RFC822 : TSF_ISO8601;
}

void scalar_fmt_time(struct buf *out, int64_t ms, enum ts_format f)
{
	char t[32];
	switch (f) {
	case TSF_RFC822:
		time_fmt_rfc1123(ms, t);
		buf_adds(out, t);
		break;
	case TSF_EPOCH:
		if (ms % 1000)
			buf_addf(out, "%lld.%03lld", (long long)(ms / 1000), (long long)llabs(ms % 1000));
		else
			buf_addf(out, "%lld", (long long)(ms / 1000));
		break;
	default:
		time_fmt_iso8601(ms, t);
		buf_adds(out, t);
		break;
	}
}

static int parse_epoch(const char *s, size_t n, int64_t *ms)
{
	char tmp[64];
	if (!n || n >= sizeof tmp)
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	char *e;
	errno = 0;
	double v = strtod(tmp, &e);
	if (errno || *e || !isfinite(v) || fabs(v) > 1e13)
		return -1;
	*ms = (int64_t)llround(v * 1000.0);
	return 0;
}

int scalar_parse_time(const char *s, size_t n, enum ts_format f, int64_t *ms)
{
	switch (f) {
	case TSF_RFC822:
		return time_parse_http(s, n, ms);
	case TSF_EPOCH:
		return parse_epoch(s, n, ms);
	case TSF_ISO8601:
		return time_parse_iso8601(s, n, ms);
	default:
		if (!time_parse_iso8601(s, n, ms) || !time_parse_http(s, n, ms) || !parse_epoch(s, n, ms))
			return 0;
		return -1;
	}
}

static int parse_i64(const char *s, size_t n, int64_t *out)
{
	char tmp[32];
	if (!n || n >= sizeof tmp)
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	char *e;
	errno = 0;
	long long v = strtoll(tmp, &e, 10);
	if (errno || *e)
		return -1;
	*out = v;
	return 0;
}

/* A json string of the bytes base64 text decodes to, or NULL. */
static json_t *from_base64(const char *txt, size_t len)
{
	unsigned char *raw = xmalloc(len + 4);
	long rl = base64_decode(txt, len, raw);
	json_t *v = rl >= 0 ? json_stringn_nocheck((const char *)raw, (size_t)rl) : NULL;
	free(raw);
	return v;
}

json_t *scalar_from_text(const struct model_shape *s, const struct model_member *m, const char *txt, size_t len,
			 enum text_ctx ctx, char *why, size_t whylen)
{
	switch (s->type) {
	case SHAPE_STRING:
		if (m && (m->flags & MF_JSONVALUE) && ctx == TEXT_HEADER) {
			/* A jsonvalue header is base64 of a JSON document. */
			json_t *v = from_base64(txt, len);
			if (v && !utf8_valid(json_string_value(v), json_string_length(v))) {
				json_decref(v);
				v = NULL;
			}
			if (!v)
				snprintf(why, whylen, "is not valid base64-encoded JSON");
			return v;
		}
		if (!utf8_valid(txt, len)) {
			snprintf(why, whylen, "is not valid UTF-8");
			return NULL;
		}
		return json_stringn_nocheck(txt, len);
	case SHAPE_INTEGER:
	case SHAPE_LONG: {
		int64_t v;
		if (parse_i64(txt, len, &v) || (s->type == SHAPE_INTEGER && (v < INT32_MIN || v > INT32_MAX))) {
			snprintf(why, whylen, "is not a valid %s", s->type == SHAPE_INTEGER ? "integer" : "long");
			return NULL;
		}
		return json_integer(v);
	}
	case SHAPE_FLOAT:
	case SHAPE_DOUBLE: {
		char tmp[64];
		if (!len || len >= sizeof tmp)
			goto bad_num;
		memcpy(tmp, txt, len);
		tmp[len] = 0;
		if (!strcmp(tmp, "NaN") || !strcmp(tmp, "Infinity") || !strcmp(tmp, "-Infinity"))
			return json_real(tmp[0] == 'N' ? NAN : tmp[0] == '-' ? -INFINITY : INFINITY);
		char *e;
		errno = 0;
		double d = strtod(tmp, &e);
		if (*e || errno)
			goto bad_num;
		return json_real(d);
	bad_num:
		snprintf(why, whylen, "is not a valid number");
		return NULL;
	}
	case SHAPE_BOOLEAN:
		/* Case-insensitive: botocore sends Python's "True" in headers. */
		if (len == 4 && !strncasecmp(txt, "true", 4))
			return json_true();
		if (len == 5 && !strncasecmp(txt, "false", 5))
			return json_false();
		snprintf(why, whylen, "is not a valid boolean (true or false)");
		return NULL;
	case SHAPE_TIMESTAMP: {
		int64_t ms;
		if (scalar_parse_time(txt, len, scalar_ts_format(s, m, ctx), &ms) &&
		    scalar_parse_time(txt, len, TSF_DEFAULT, &ms)) {
			snprintf(why, whylen, "is not a valid timestamp");
			return NULL;
		}
		return json_integer(ms);
	}
	case SHAPE_BLOB: {
		json_t *v = from_base64(txt, len);
		if (!v)
			snprintf(why, whylen, "is not valid base64");
		return v;
	}
	default:
		snprintf(why, whylen, "cannot be given as text");
		return NULL;
	}
}

void scalar_fmt_double(struct buf *out, double d)
{
	if (d == (double)(int64_t)d && fabs(d) < 1e15) {
		buf_addf(out, "%lld", (long long)d);
		return;
	}
	/* Shortest of %.15g/%.16g/%.17g that reads back to the same double. */
	char tmp[40];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	buf_adds(out, tmp);
}

int scalar_to_text(struct buf *out, const struct model_shape *s, const struct model_member *m, json_t *v,
		   enum text_ctx ctx)
{
	switch (s->type) {
	case SHAPE_STRING:
		if (!json_is_string(v))
			return -1;
		if (m && (m->flags & MF_JSONVALUE) && ctx == TEXT_HEADER) {
			size_t n = json_string_length(v);
			char *b = xmalloc(base64_encoded_len(n) + 1);
			base64_encode((const unsigned char *)json_string_value(v), n, b);
			buf_adds(out, b);
			free(b);
			return 0;
		}
		buf_add(out, json_string_value(v), json_string_length(v));
		return 0;
	case SHAPE_INTEGER:
	case SHAPE_LONG:
		if (!json_is_integer(v))
			return -1;
		buf_addf(out, "%lld", (long long)json_integer_value(v));
		return 0;
	case SHAPE_FLOAT:
	case SHAPE_DOUBLE: {
		double d = json_number_value(v);
		if (!json_is_number(v))
			return -1;
		if (isnan(d))
			buf_adds(out, "NaN");
		else if (isinf(d))
			buf_adds(out, d > 0 ? "Infinity" : "-Infinity");
		else
			scalar_fmt_double(out, d);
		return 0;
	}
	case SHAPE_BOOLEAN:
		if (!json_is_boolean(v))
			return -1;
		buf_adds(out, json_is_true(v) ? "true" : "false");
		return 0;
	case SHAPE_TIMESTAMP:
		if (!json_is_integer(v))
			return -1;
		scalar_fmt_time(out, json_integer_value(v), scalar_ts_format(s, m, ctx));
		return 0;
	case SHAPE_BLOB: {
		if (!json_is_string(v))
			return -1;
		size_t n = json_string_length(v);
		char *b = xmalloc(base64_encoded_len(n) + 1);
		base64_encode((const unsigned char *)json_string_value(v), n, b);
		buf_adds(out, b);
		free(b);
		return 0;
	}
	default:
		return -1;
	}
}
