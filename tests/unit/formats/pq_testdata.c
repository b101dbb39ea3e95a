/* pq_testdata.c — see pq_testdata.h. */
#include "pq_testdata.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

struct schema *pqt_schema(void)
{
	struct schema *s = schema_new();
	struct field *f;
	schema_add(s, "b", COL_BOOL, true);
	schema_add(s, "i32", COL_INT32, true);
	schema_add(s, "i32_req", COL_INT32, false);
	schema_add(s, "i64", COL_INT64, true);
	f = schema_add(s, "u64", COL_INT64, true);
	f->is_unsigned = true;
	schema_add(s, "f32", COL_FLOAT, true);
	schema_add(s, "f64", COL_DOUBLE, true);
	f = schema_add(s, "dec5_2", COL_DECIMAL, true);
	f->precision = 5, f->scale = 2;
	f = schema_add(s, "dec15_3", COL_DECIMAL, true);
	f->precision = 15, f->scale = 3;
	f = schema_add(s, "dec30_5", COL_DECIMAL, true);
	f->precision = 30, f->scale = 5;
	f = schema_add(s, "dec38_0", COL_DECIMAL, true);
	f->precision = 38, f->scale = 0;
	schema_add(s, "str", COL_STRING, true);
	schema_add(s, "str_req", COL_STRING, false);
	schema_add(s, "bin", COL_BINARY, true);
	schema_add(s, "json", COL_JSON, true);
	schema_add(s, "date", COL_DATE, true);
	f = schema_add(s, "ts_ms_utc", COL_TIMESTAMP, true);
	f->unit = TS_MILLIS, f->utc = true;
	f = schema_add(s, "ts_us", COL_TIMESTAMP, true);
	f->unit = TS_MICROS;
	f = schema_add(s, "ts_ns", COL_TIMESTAMP, true);
	f->unit = TS_NANOS;
	f = schema_add(s, "ts_s", COL_TIMESTAMP, true);
	f->unit = TS_SECONDS;
	f = schema_add(s, "t_ms", COL_TIME, true);
	f->unit = TS_MILLIS;
	f = schema_add(s, "t_us", COL_TIME, true);
	f->unit = TS_MICROS;
	f = schema_add(s, "t_ns", COL_TIME, true);
	f->unit = TS_NANOS;
	return s;
}

void pqt_expect_field(const struct field *w, struct field *r)
{
	*r = *w;
	if ((w->type == COL_TIMESTAMP || w->type == COL_TIME) && w->unit == TS_SECONDS)
		r->unit = TS_MILLIS;
}

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

void pqt_fill(struct batch *b, size_t first, size_t n, unsigned distinct)
{
	static const char *const words[] = {"", "a", "hello", "héllo wörld", "日本語", "tab\there", "new\nline",
					    "quote\"d", "comma,s", "NULL", "[x]", "{'k': 1}", "back\\slash"};
	const struct schema *s = b->schema;
	batch_clear(b);
	for (size_t k = 0; k < n; k++) {
		uint64_t row = first + k, h = mix(row);
		for (int c = 0; c < s->nfields; c++) {
			const struct field *f = &s->fields[c];
			uint64_t hc = mix(h + (uint64_t)c);
			if (f->nullable && (row % 7 == (size_t)c % 7 || hc % 11 == 0)) {
				batch_set_null(b, c);
				continue;
			}
			int64_t v = (int64_t)hc;
			switch (f->type) {
			case COL_BOOL:
				batch_set_bool(b, c, hc & 1);
				break;
			case COL_INT32:
				batch_set_i32(b, c, row % 50 == 1 ? INT32_MIN : row % 50 == 2 ? INT32_MAX : (int32_t)(v % 100000));
				break;
			case COL_INT64:
				batch_set_i64(b, c, row % 50 == 1 ? INT64_MIN : row % 50 == 2 ? INT64_MAX : v);
				break;
			case COL_FLOAT:
				batch_set_f32(b, c, row % 40 == 3 ? NAN : row % 40 == 4 ? -0.0f : row % 40 == 5 ? INFINITY
										  : (float)(v % 1000000) / 64.0f);
				break;
			case COL_DOUBLE:
				batch_set_f64(b, c, row % 40 == 3 ? NAN : row % 40 == 4 ? -INFINITY : row % 40 == 5 ? 1e300
										  : (double)(v % 100000000) / 1000.0);
				break;
			case COL_DECIMAL: {
				__int128 lim = 1;
				for (int i = 0; i < f->precision; i++)
					lim *= 10;
				__int128 x = ((__int128)v * (__int128)(int64_t)mix(hc)) % lim;
				if (row % 30 == 6)
					x = lim - 1;
				if (row % 30 == 7)
					x = -(lim - 1);
				batch_set_dec(b, c, x);
				break;
			}
			case COL_STRING:
			case COL_BINARY: {
				char tmp[300];
				size_t len;
				unsigned pick = distinct ? (unsigned)(hc % distinct) : (unsigned)row;
				if (f->type == COL_BINARY) {
					len = pick % 40;
					for (size_t i = 0; i < len; i++)
						tmp[i] = (char)mix(pick * 64 + i);
				} else if (pick < sizeof words / sizeof *words) {
					len = strlen(words[pick]);
					memcpy(tmp, words[pick], len);
				} else {
					len = (size_t)snprintf(tmp, sizeof tmp, "value %u %s", pick, pick % 17 == 0 ? "with a much longer tail that goes on and on to make pages fill up faster than short strings would" : "");
				}
				batch_set_bytes(b, c, tmp, len);
				break;
			}
			case COL_JSON: {
				char tmp[64];
				int len = snprintf(tmp, sizeof tmp, "{\"k\":%d,\"v\":[1,2,\"x\"]}", (int)(v % 1000));
				batch_set_bytes(b, c, tmp, (size_t)len);
				break;
			}
			case COL_DATE:
				batch_set_i32(b, c, (int32_t)(v % 100000) - 20000);
				break;
			case COL_TIMESTAMP: {
				int64_t ps = f->unit == TS_MILLIS ? 1000 : f->unit == TS_MICROS ? 1000000
								     : f->unit == TS_NANOS ? 1000000000 : 1;
				/* 1900..2100, with sub-second digits of the unit */
				int64_t secs = (int64_t)(hc % 6311390400ull) - 2208988800ll;
				int64_t frac = ps > 1 ? (int64_t)(mix(hc) % (uint64_t)ps) : 0;
				if (row % 9 == 0)
					frac = 0;
				batch_set_i64(b, c, secs * ps + frac);
				break;
			}
			case COL_TIME: {
				int64_t ps = f->unit == TS_MILLIS ? 1000 : f->unit == TS_MICROS ? 1000000
								     : f->unit == TS_NANOS ? 1000000000 : 1;
				batch_set_i64(b, c, (int64_t)(hc % (86400ull * (uint64_t)ps)));
				break;
			}
			}
		}
		batch_finish_row(b);
	}
}
