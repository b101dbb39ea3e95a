/* test_num.c — number and boolean text, dates and timestamps text. */
#include "unit.h"
#include "formats/num.h"
#include "formats/swar.h"
#include "formats/timefmt.h"
#include "core/rand.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S(x) x, strlen(x)

TEST(num_parse_integers)
{
	int64_t v;
	CHECK_INT(num_parse_i64(S("0"), &v), 0);
	CHECK_INT(v, 0);
	CHECK_INT(num_parse_i64(S("-9223372036854775808"), &v), 0);
	CHECK(v == INT64_MIN);
	CHECK_INT(num_parse_i64(S("9223372036854775807"), &v), 0);
	CHECK(v == INT64_MAX);
	CHECK_INT(num_parse_i64(S("9223372036854775808"), &v), NUM_RANGE);
	CHECK_INT(num_parse_i64(S("99999999999999999999999"), &v), NUM_RANGE);
	CHECK_INT(num_parse_i64(S("+17"), &v), 0);
	CHECK_INT(v, 17);
	CHECK_INT(num_parse_i64(S(""), &v), NUM_SYNTAX);
	CHECK_INT(num_parse_i64(S("-"), &v), NUM_SYNTAX);
	CHECK_INT(num_parse_i64(S(" 1"), &v), NUM_SYNTAX);
	CHECK_INT(num_parse_i64(S("1x"), &v), NUM_SYNTAX);
	int32_t w;
	CHECK_INT(num_parse_i32(S("-2147483648"), &w), 0);
	CHECK_INT(num_parse_i32(S("2147483648"), &w), NUM_RANGE);
}

TEST(num_parse_doubles_exactly)
{
	double d;
	const char *cases[] = {"0.1", "3.14159", "-2.5e-3", "1e22", "1e23", "123456789012345678901234", "4.9e-324",
			       "1.7976931348623157e308", "0.30000000000000004", ".5", "5.", "9007199254740993",
			       "2.2250738585072011e-308", "1e-400", "-1e-400"};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		CHECK_INT(num_parse_double(cases[i], strlen(cases[i]), &d), 0);
		double want = strtod(cases[i], NULL);
		if (memcmp(&d, &want, sizeof d)) {
			unit_fail(__FILE__, __LINE__, "%s: %.17g != %.17g", cases[i], d, want);
			return;
		}
	}
	CHECK_INT(num_parse_double(S("inf"), &d), 0);
	CHECK(isinf(d) && d > 0);
	CHECK_INT(num_parse_double(S("-Infinity"), &d), 0);
	CHECK(isinf(d) && d < 0);
	CHECK_INT(num_parse_double(S("NaN"), &d), 0);
	CHECK(isnan(d));
	CHECK_INT(num_parse_double(S("1e400"), &d), NUM_RANGE);
	CHECK_INT(num_parse_double(S("-1.8e308"), &d), NUM_RANGE);
	CHECK_INT(num_parse_double(S("0x10"), &d), NUM_SYNTAX);
	CHECK_INT(num_parse_double(S("1e"), &d), NUM_SYNTAX);
	CHECK_INT(num_parse_double(S("."), &d), NUM_SYNTAX);
	CHECK_INT(num_parse_double(S("1.2.3"), &d), NUM_SYNTAX);
	CHECK_INT(num_parse_double(S(" 1"), &d), NUM_SYNTAX);
}

/* Every double printed must read back to the same bits, and short decimals
 * must print as themselves. */
TEST(num_double_format_round_trips)
{
	uint64_t seed = 12345;
	char out[NUM_DOUBLE_MAX_LEN];
	for (int i = 0; i < 200000; i++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		double d;
		if (i % 3 == 0) {
			uint64_t bits = seed;
			memcpy(&d, &bits, sizeof d);
			if (isnan(d))
				continue;
		} else if (i % 3 == 1) {
			d = (double)(int64_t)(seed >> 20) / 1000.0;
		} else {
			d = (double)(seed >> 11) / 9007199254740992.0 * pow(10, (double)(i % 40) - 20);
		}
		size_t n = num_fmt_double(d, out);
		out[n] = 0;
		double back;
		if (num_parse_double(out, n, &back) || memcmp(&back, &d, sizeof d)) {
			unit_fail(__FILE__, __LINE__, "%.17g printed as %s", d, out);
			return;
		}
	}
	struct {
		double v;
		const char *s;
	} fixed[] = {{0.1, "0.1"},   {3.0, "3.0"},     {-2.5, "-2.5"},   {1e20, "1e+20"}, {1.5e-7, "1.5e-07"},
		     {123.456, "123.456"}, {0.0001, "0.0001"}, {1e15, "1e+15"}, {0, "0.0"}};
	for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) {
		size_t n = num_fmt_double(fixed[i].v, out);
		out[n] = 0;
		CHECK_STR(out, fixed[i].s);
	}
}

TEST(num_integers_format)
{
	char out[NUM_I64_MAX_LEN + 1];
	CHECK_INT(num_fmt_u64(0, out), 1);
	CHECK(out[0] == '0');
	size_t n = num_fmt_u64(18446744073709551615ull, out);
	CHECK_INT(n, 20);
	CHECK(!memcmp(out, "18446744073709551615", 20));
	n = num_fmt_u64(4096, out);
	CHECK(n == 4 && !memcmp(out, "4096", 4));
	n = num_fmt_i64(INT64_MIN, out);
	CHECK(n == 20 && !memcmp(out, "-9223372036854775808", 20));
	n = num_fmt_i64(200, out);
	CHECK(n == 3 && !memcmp(out, "200", 3));
}

TEST(num_decimals)
{
	__int128 v;
	char out[NUM_DECIMAL_MAX_LEN];
	size_t n;
	CHECK_INT(num_parse_decimal(S("123.456"), 10, 2, &v), 0);
	n = num_fmt_decimal(v, 2, out);
	out[n] = 0;
	CHECK_STR(out, "123.46");
	CHECK_INT(num_parse_decimal(S("-0.005"), 10, 2, &v), 0);
	n = num_fmt_decimal(v, 2, out);
	out[n] = 0;
	CHECK_STR(out, "-0.01");
	CHECK_INT(num_parse_decimal(S("1.5e2"), 5, 1, &v), 0);
	n = num_fmt_decimal(v, 1, out);
	out[n] = 0;
	CHECK_STR(out, "150.0");
	CHECK_INT(num_parse_decimal(S("99999.995"), 7, 2, &v), NUM_RANGE);
	CHECK_INT(num_parse_decimal(S("99999.994"), 7, 2, &v), 0);
	CHECK_INT(num_parse_decimal(S("12345678901234567890123456789012345678"), 38, 0, &v), 0);
	n = num_fmt_decimal(v, 0, out);
	out[n] = 0;
	CHECK_STR(out, "12345678901234567890123456789012345678");
	CHECK_INT(num_parse_decimal(S("123456789012345678901234567890123456789"), 38, 0, &v), NUM_RANGE);
	CHECK_INT(num_parse_decimal(S("0.0000001"), 10, 2, &v), 0);
	CHECK(v == 0);
	CHECK_INT(num_parse_decimal(S("1e99999999"), 10, 2, &v), NUM_RANGE);
	CHECK_INT(num_parse_decimal(S("abc"), 10, 2, &v), NUM_SYNTAX);
	n = num_fmt_decimal(-5, 3, out);
	out[n] = 0;
	CHECK_STR(out, "-0.005");
}

TEST(num_bools_and_shapes)
{
	bool b;
	CHECK_INT(num_parse_bool(S("TRUE"), &b), 0);
	CHECK(b);
	CHECK_INT(num_parse_bool(S("off"), &b), 0);
	CHECK(!b);
	CHECK_INT(num_parse_bool(S("tru"), &b), NUM_SYNTAX);
	struct num_shape sh;
	num_classify(S("-0012"), &sh);
	CHECK_INT(sh.kind, NUM_KIND_INT);
	CHECK_INT(sh.int_digits, 2);
	num_classify(S("12.50"), &sh);
	CHECK_INT(sh.kind, NUM_KIND_DECIMAL);
	CHECK_INT(sh.frac_digits, 2);
	num_classify(S("1e5"), &sh);
	CHECK_INT(sh.kind, NUM_KIND_FLOAT);
	num_classify(S("nan"), &sh);
	CHECK_INT(sh.kind, NUM_KIND_FLOAT);
	num_classify(S("99999999999999999999"), &sh);
	CHECK_INT(sh.kind, NUM_KIND_BIGINT);
	num_classify(S("12-3"), &sh);
	CHECK_INT(sh.kind, NUM_KIND_NONE);
}

static int64_t ts(const char *fmt, const char *text, bool utc)
{
	struct tf_format f;
	if (tf_compile(fmt, &f, NULL, 0))
		return -999;
	int64_t v;
	if (tf_parse_ts(&f, text, strlen(text), TS_SECONDS, utc, &v))
		return -998;
	return v;
}

TEST(tf_auto_forms)
{
	CHECK_INT(ts(NULL, "1970-01-01", false), 0);
	CHECK_INT(ts(NULL, "2024-02-29T12:00:00Z", true), 1709208000);
	CHECK_INT(ts(NULL, "2024-02-29 12:00:00+01:00", true), 1709204400);
	CHECK_INT(ts(NULL, "2024-02-29 12:00:00-0130", true), 1709213400);
	CHECK_INT(ts(NULL, "2024-02-29 12:00:00+01", false), 1709208000);
	CHECK_INT(ts(NULL, "2024-02-29T12:00", false), 1709208000);
	CHECK_INT(ts(NULL, "2024-02-29 12:00:00.123456789 UTC", true), 1709208000);
	CHECK_INT(ts(NULL, "02/29/2024 12:00:00", false), 1709208000);
	CHECK_INT(ts(NULL, "29-Feb-2024", false), 1709164800);
	CHECK_INT(ts(NULL, "1709208000", false), 1709208000);
	CHECK_INT(ts(NULL, "1709208000000", false), 1709208000);
	CHECK_INT(ts(NULL, "2023-02-29", false), -998);
	CHECK_INT(ts(NULL, "2024-13-01", false), -998);
	CHECK_INT(ts(NULL, "2024-01-01 24:00:00", false), -998);
	CHECK_INT(ts(NULL, "2024-01-01x", false), -998);
	CHECK_INT(ts(NULL, "hello", false), -998);
	CHECK_INT(ts(NULL, "", false), -998);
}

TEST(tf_explicit_formats)
{
	CHECK_INT(ts("YYYY-MM-DD\"T\"HH24:MI:SS.FF3TZH:TZM", "2024-02-29T12:00:00.250+01:00", true), 1709204400);
	CHECK_INT(ts("DD MON YYYY", "29 feb 2024", false), 1709164800);
	CHECK_INT(ts("MMMM DD, YYYY", "February 29, 2024", false), 1709164800);
	CHECK_INT(ts("DY, DD MON YY HH12:MI PM", "Thu, 29 Feb 24 12:00 PM", false), 1709208000);
	CHECK_INT(ts("DY, DD MON YY HH12:MI PM", "Thu, 29 Feb 24 12:00 AM", false), 1709164800);
	CHECK_INT(ts("YYYYMMDD", "20240229", false), 1709164800);
	CHECK_INT(ts("YYYY-MM-DD HH24:MI:SS.FF", "2024-02-29 12:00:00", false), 1709208000);
	CHECK_INT(ts("YYYY-MM-DD", "2024-02-29 ", false), -998);
	struct tf_format f;
	char why[100];
	CHECK_INT(tf_compile("YYYY\"-", &f, why, sizeof why), -1);
	CHECK(strstr(why, "unterminated"));
}

TEST(tf_formatting)
{
	char out[TF_MAX_TEXT];
	size_t n = tf_format_ts(NULL, 1709208000123456LL, TS_MICROS, false, out);
	out[n] = 0;
	CHECK_STR(out, "2024-02-29 12:00:00.123456");
	n = tf_format_ts(NULL, -1, TS_MILLIS, true, out);
	out[n] = 0;
	CHECK_STR(out, "1969-12-31 23:59:59.999+00:00");
	struct tf_format f;
	CHECK_INT(tf_compile("DY DD MON YYYY HH12:MI:SS.FF3 AM", &f, NULL, 0), 0);
	n = tf_format_ts(&f, 1709208000123456789LL, TS_NANOS, false, out);
	out[n] = 0;
	CHECK_STR(out, "Thu 29 Feb 2024 12:00:00.123 PM");
	n = tf_format_date(NULL, -719162, out); /* 0001-01-01 */
	out[n] = 0;
	CHECK_STR(out, "0001-01-01");
	n = tf_format_time(45296789000LL, TS_MICROS, out);
	out[n] = 0;
	CHECK_STR(out, "12:34:56.789");
	int64_t t;
	CHECK_INT(tf_parse_time(S("12:34:56.789"), TS_MICROS, &t), 0);
	CHECK_INT(t, 45296789000LL);
	CHECK_INT(tf_parse_time(S("25:00"), TS_MICROS, &t), -1);
	/* every day of 0001..9999 survives a round trip */
	for (int64_t d = -719162; d < 2932897; d += 97) {
		n = tf_format_date(NULL, (int32_t)d, out);
		int32_t back;
		if (tf_parse_date(&f, out, n, &back) == 0)
			continue; /* wrong format on purpose: must not match */
		struct tf_format a;
		tf_compile(NULL, &a, NULL, 0);
		CHECK_INT(tf_parse_date(&a, out, n, &back), 0);
		CHECK_INT(back, d);
	}
	/* nanosecond timestamps out of their range are refused, not wrapped */
	struct tf_format a;
	tf_compile(NULL, &a, NULL, 0);
	CHECK_INT(tf_parse_ts(&a, S("2300-01-01"), TS_NANOS, false, &t), -1);
	CHECK_INT(tf_parse_ts(&a, S("2300-01-01"), TS_MICROS, false, &t), 0);
}

/* The word-at-a-time masks agree with a byte-by-byte check for every byte
 * value in every position, with neighbours that could carry or borrow. */
TEST(num_swar_masks_exact)
{
	const uint8_t fill[] = {0x00, 0x1f, 0x20, 0x22, 0x5c, 0x7f, 0x80, 0xff};
	for (size_t f = 0; f < sizeof fill; f++) {
		for (int pos = 0; pos < 8; pos++) {
			for (int v = 0; v < 256; v++) {
				char w[8];
				memset(w, (char)fill[f], 8);
				w[pos] = (char)v;
				uint64_t x = swar_load(w);
				uint64_t eq = swar_eq(x, '"'), lt = swar_lt(x, 0x20);
				for (int k = 0; k < 8; k++) {
					uint8_t c = (uint8_t)w[k];
					if (((eq >> (8 * k + 7)) & 1) != (c == '"') || ((lt >> (8 * k + 7)) & 1) != (c < 0x20)) {
						unit_fail(__FILE__, __LINE__, "fill %02x pos %d v %02x byte %d", fill[f], pos, v, k);
						return;
					}
				}
				if ((eq & ~SWAR_HIGH) || (lt & ~SWAR_HIGH)) {
					unit_fail(__FILE__, __LINE__, "stray bits");
					return;
				}
			}
		}
	}
}
