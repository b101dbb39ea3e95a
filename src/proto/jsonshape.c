/* jsonshape.c — see jsonshape.h. */
#include "proto/jsonshape.h"
#include "proto/scalar.h"
#include "core/enc.h"
#include "core/mem.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int json_text_depth(const char *s, size_t n)
{
	int depth = 0, max = 0;
	bool in_str = false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			if (++depth > max)
				max = depth;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return max;
}

static const char *type_word(const struct model_shape *s)
{
	switch (s->type) {
	case SHAPE_STRUCTURE: return "an object";
	case SHAPE_LIST: return "an array";
	case SHAPE_MAP: return "an object";
	case SHAPE_STRING: return "a string";
	case SHAPE_INTEGER: return "an integer";
	case SHAPE_LONG: return "a long";
	case SHAPE_FLOAT:
	case SHAPE_DOUBLE: return "a number";
	case SHAPE_BOOLEAN: return "a boolean";
	case SHAPE_TIMESTAMP: return "a timestamp";
	case SHAPE_BLOB: return "base64 text";
	default: return "a value";
	}
}

static json_t *mismatch(const struct model_shape *s, const char *name, char *why, size_t whylen)
{
	snprintf(why, whylen, "Expected %s for '%s'.", type_word(s), name);
	return NULL;
}

json_t *jsonshape_decode(const struct model_shape *s, const struct model_member *m, json_t *w, char *why,
			 size_t whylen)
{
	const char *name = m ? m->name : s->name;
	if (json_is_null(w))
		return json_null();
	switch (s->type) {
	case SHAPE_STRUCTURE: {
		if (!json_is_object(w))
			return mismatch(s, name, why, whylen);
		json_t *obj = json_object();
		for (unsigned i = 0; i < s->nmembers; i++) {
			const struct model_member *mm = &s->members[i];
			if (mm->location != LOC_BODY)
				continue;
			json_t *wv = json_object_get(w, model_wire_name(mm));
			if (!wv || json_is_null(wv))
				continue;
			json_t *v = jsonshape_decode(mm->shape, mm, wv, why, whylen);
			if (!v) {
				json_decref(obj);
				return NULL;
			}
			json_object_set_new(obj, mm->name, v);
		}
		return obj;
	}
	case SHAPE_LIST: {
		if (!json_is_array(w))
			return mismatch(s, name, why, whylen);
		json_t *arr = json_array();
		size_t k;
		json_t *item;
		json_array_foreach(w, k, item)
		{
			json_t *v = jsonshape_decode(s->members[0].shape, &s->members[0], item, why, whylen);
			if (!v) {
				json_decref(arr);
				return NULL;
			}
			json_array_append_new(arr, v);
		}
		return arr;
	}
	case SHAPE_MAP: {
		if (!json_is_object(w))
			return mismatch(s, name, why, whylen);
		json_t *obj = json_object();
		const char *k;
		json_t *item;
		json_object_foreach(w, k, item)
		{
			json_t *v = jsonshape_decode(s->members[1].shape, &s->members[1], item, why, whylen);
			if (!v) {
				json_decref(obj);
				return NULL;
			}
			json_object_set_new(obj, k, v);
		}
		return obj;
	}
	case SHAPE_STRING:
		if (!json_is_string(w))
			return mismatch(s, name, why, whylen);
		return json_incref(w);
	case SHAPE_INTEGER:
	case SHAPE_LONG:
		if (json_is_integer(w))
			return json_incref(w);
		if (json_is_real(w) && json_real_value(w) == floor(json_real_value(w)) && fabs(json_real_value(w)) < 9e18)
			return json_integer((json_int_t)json_real_value(w));
		return mismatch(s, name, why, whylen);
	case SHAPE_FLOAT:
	case SHAPE_DOUBLE:
		if (json_is_number(w))
			return json_real(json_number_value(w));
		if (json_is_string(w)) {
			const char *t = json_string_value(w);
			if (!strcmp(t, "NaN"))
				return json_real(NAN);
			if (!strcmp(t, "Infinity"))
				return json_real(INFINITY);
			if (!strcmp(t, "-Infinity"))
				return json_real(-INFINITY);
		}
		return mismatch(s, name, why, whylen);
	case SHAPE_BOOLEAN:
		if (!json_is_boolean(w))
			return mismatch(s, name, why, whylen);
		return json_incref(w);
	case SHAPE_TIMESTAMP: {
		if (json_is_number(w)) {
			double d = json_number_value(w);
			if (!isfinite(d) || fabs(d) > 1e13)
				return mismatch(s, name, why, whylen);
			return json_integer((json_int_t)llround(d * 1000.0));
		}
		if (json_is_string(w)) {
			int64_t ms;
			const char *t = json_string_value(w);
			if (!scalar_parse_time(t, json_string_length(w), TSF_DEFAULT, &ms))
				return json_integer(ms);
		}
		return mismatch(s, name, why, whylen);
	}
	case SHAPE_BLOB: {
		if (!json_is_string(w))
			return mismatch(s, name, why, whylen);
		size_t n = json_string_length(w);
		unsigned char *raw = xmalloc(n + 4);
		long rl = base64_decode(json_string_value(w), n, raw);
		json_t *v = rl >= 0 ? json_stringn_nocheck((const char *)raw, (size_t)rl) : NULL;
		free(raw);
		if (!v)
			snprintf(why, whylen, "'%s' is not valid base64.", name);
		return v;
	}
	default:
		return mismatch(s, name, why, whylen);
	}
}

void json_write_string(struct buf *out, const char *s, size_t n)
{
	static const char hexd[] = "0123456789abcdef";
	buf_addc(out, '"');
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_add(out, s + start, i - start);
		start = i + 1;
		switch (c) {
		case '"': buf_add(out, "\\\"", 2); break;
		case '\\': buf_add(out, "\\\\", 2); break;
		case '\n': buf_add(out, "\\n", 2); break;
		case '\r': buf_add(out, "\\r", 2); break;
		case '\t': buf_add(out, "\\t", 2); break;
		case '\b': buf_add(out, "\\b", 2); break;
		case '\f': buf_add(out, "\\f", 2); break;
		default: {
			char e[6] = {'\\', 'u', '0', '0', hexd[c >> 4], hexd[c & 15]};
			buf_add(out, e, 6);
		}
		}
	}
	buf_add(out, s + start, n - start);
	buf_addc(out, '"');
}

static void write_time(struct buf *out, const struct model_shape *s, const struct model_member *m, int64_t ms)
{
	enum ts_format f = m && m->ts_format ? m->ts_format : s->ts_format ? s->ts_format : TSF_EPOCH;
	if (f == TSF_EPOCH) {
		scalar_fmt_time(out, ms, TSF_EPOCH);
	} else {
		struct buf t;
		buf_init(&t, 64);
		scalar_fmt_time(&t, ms, f);
		json_write_string(out, t.data, t.len);
		buf_free(&t);
	}
}

void jsonshape_encode(struct buf *out, const struct model_shape *s, const struct model_member *m, json_t *v,
		      bool body_only)
{
	switch (s->type) {
	case SHAPE_STRUCTURE: {
		buf_addc(out, '{');
		bool first = true;
		for (unsigned i = 0; i < s->nmembers; i++) {
			const struct model_member *mm = &s->members[i];
			if (body_only && mm->location != LOC_BODY)
				continue;
			json_t *mv = json_object_get(v, mm->name);
			if (!mv || json_is_null(mv))
				continue;
			if (!first)
				buf_addc(out, ',');
			first = false;
			const char *wn = model_wire_name(mm);
			json_write_string(out, wn, strlen(wn));
			buf_addc(out, ':');
			jsonshape_encode(out, mm->shape, mm, mv, false);
		}
		buf_addc(out, '}');
		break;
	}
	case SHAPE_LIST: {
		buf_addc(out, '[');
		size_t k;
		json_t *item;
		json_array_foreach(v, k, item)
		{
			if (k)
				buf_addc(out, ',');
			jsonshape_encode(out, s->members[0].shape, &s->members[0], item, false);
		}
		buf_addc(out, ']');
		break;
	}
	case SHAPE_MAP: {
		buf_addc(out, '{');
		bool first = true;
		const char *k;
		json_t *item;
		json_object_foreach(v, k, item)
		{
			if (!first)
				buf_addc(out, ',');
			first = false;
			json_write_string(out, k, strlen(k));
			buf_addc(out, ':');
			jsonshape_encode(out, s->members[1].shape, &s->members[1], item, false);
		}
		buf_addc(out, '}');
		break;
	}
	case SHAPE_STRING:
		if (json_is_string(v))
			json_write_string(out, json_string_value(v), json_string_length(v));
		else
			buf_adds(out, "null");
		break;
	case SHAPE_INTEGER:
	case SHAPE_LONG:
		buf_addf(out, "%lld", (long long)json_integer_value(v));
		break;
	case SHAPE_FLOAT:
	case SHAPE_DOUBLE: {
		double d = json_number_value(v);
		if (isnan(d))
			buf_adds(out, "\"NaN\"");
		else if (isinf(d))
			buf_adds(out, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
		else
			scalar_fmt_double(out, d);
		break;
	}
	case SHAPE_BOOLEAN:
		buf_adds(out, json_is_true(v) ? "true" : "false");
		break;
	case SHAPE_TIMESTAMP:
		write_time(out, s, m, json_integer_value(v));
		break;
	case SHAPE_BLOB: {
		size_t n = json_string_length(v);
		char *b = xmalloc(base64_encoded_len(n) + 1);
		size_t bl = base64_encode((const unsigned char *)json_string_value(v), n, b);
		buf_addc(out, '"');
		buf_add(out, b, bl);
		buf_addc(out, '"');
		free(b);
		break;
	}
	default:
		buf_adds(out, "null");
	}
}
