#include "unit.h"
#include "core/buf.h"
#include "core/enc.h"
#include "core/hash.h"
#include "core/crc.h"
#include "core/clock.h"
#include "core/arena.h"

TEST(hex_roundtrip)
{
	unsigned char in[] = {0, 1, 0xab, 0xff}, out[4];
	char h[9];
	hex_encode(in, 4, h);
	CHECK_STR(h, "0001abff");
	CHECK(hex_decode(h, 8, out) == 0);
	CHECK(!memcmp(in, out, 4));
	CHECK(hex_decode("0g", 2, out) == -1);
	CHECK(hex_decode("abc", 3, out) == -1);
}

TEST(base64_vectors)
{
	const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	const char *enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	for (int i = 0; i < 7; i++) {
		char out[16];
		unsigned char dec[16];
		base64_encode((const unsigned char *)plain[i], strlen(plain[i]), out);
		CHECK_STR(out, enc[i]);
		long n = base64_decode(enc[i], strlen(enc[i]), dec);
		CHECK_INT(n, strlen(plain[i]));
		CHECK(!memcmp(dec, plain[i], (size_t)n));
	}
	unsigned char d[8];
	CHECK(base64_decode("Zg=a", 4, d) == -1);
	CHECK(base64_decode("Z===", 4, d) == -1);
	CHECK(base64_decode("Zm9", 3, d) == -1);
	CHECK(base64_decode("Zm9*", 4, d) == -1);
}

TEST(uri_encode_decode)
{
	struct buf b;
	buf_init(&b, 1024);
	CHECK(uri_encode(&b, "a b/ü~*", strlen("a b/ü~*"), URI_KEEP_SLASH) == 0);
	CHECK_STR(buf_str(&b), "a%20b/%C3%BC~%2A");
	buf_reset(&b);
	CHECK(uri_encode(&b, "a/b", 3, 0) == 0);
	CHECK_STR(buf_str(&b), "a%2Fb");
	buf_reset(&b);
	/* S3 event records: form encoding, slashes kept */
	const char *k = "year=2024/a b+c~*(ü).csv";
	CHECK(uri_encode(&b, k, strlen(k), URI_FORM | URI_KEEP_SLASH) == 0);
	CHECK_STR(buf_str(&b), "year%3D2024/a+b%2Bc%7E*%28%C3%BC%29.csv");
	buf_reset(&b);
	CHECK(uri_encode(&b, "a/b c", 5, URI_FORM) == 0);
	CHECK_STR(buf_str(&b), "a%2Fb+c");
	buf_free(&b);
	char s[] = "a%20b+c%2f";
	long n = uri_decode(s, strlen(s), true);
	CHECK_INT(n, 6);
	CHECK_STR(s, "a b c/");
	char bad[] = "ab%2";
	CHECK(uri_decode(bad, strlen(bad), false) == -1);
	char bad2[] = "%zz";
	CHECK(uri_decode(bad2, 3, false) == -1);
}

TEST(uri_decode_to_and_is_encoded)
{
	/* Runs between escapes move whole; '+' only with plus_space. */
	char out[64];
	const char *in = "key+one%3Dv%C3%BC+%2f";
	long n = uri_decode_to(out, in, strlen(in), true);
	CHECK_INT(n, 13);
	CHECK(!memcmp(out, "key one=v\xc3\xbc /", 13));
	n = uri_decode_to(out, in, strlen(in), false);
	CHECK_INT(n, 13);
	CHECK(!memcmp(out, "key+one=v\xc3\xbc+/", 13));
	CHECK(uri_decode_to(out, "a%4", 3, false) == -1);
	CHECK(uri_decode_to(out, "%G0", 3, false) == -1);
	CHECK_INT(uri_decode_to(out, "", 0, true), 0);
	/* In place, as uri_decode uses it. */
	char s[] = "%41%42c";
	CHECK_INT(uri_decode_to(s, s, 7, false), 3);
	CHECK(!memcmp(s, "ABc", 3));
	/* Already canonical for SigV4 iff encode(decode(x)) == x. */
	static const struct { const char *s; bool enc; } v[] = {
		{"AKID%2F20261128%2Fus-east-1%2Fs3%2Faws4_request", true},
		{"abc-_.~09", true},
		{"", true},
		{"a%2fb", false},  /* lower-case hex */
		{"a%41", false},   /* an escaped unreserved byte */
		{"a b", false},
		{"a+b", false},
		{"a%2", false},
		{"%C3%BC", true},
	};
	for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
		CHECK(uri_is_encoded(v[i].s, strlen(v[i].s)) == v[i].enc);
		char tmp[64];
		memcpy(tmp, v[i].s, strlen(v[i].s));
		long dl = uri_decode(tmp, strlen(v[i].s), false);
		if (dl < 0)
			continue;
		struct buf b;
		buf_init(&b, 256);
		CHECK(uri_encode(&b, tmp, (size_t)dl, 0) == 0);
		CHECK((strcmp(buf_str(&b), v[i].s) == 0) == v[i].enc);
		buf_free(&b);
	}
}

TEST(utf8)
{
	CHECK(utf8_valid("日本/ü", strlen("日本/ü")));
	CHECK(!utf8_valid("\xc0\xaf", 2));     /* overlong */
	CHECK(!utf8_valid("\xed\xa0\x80", 3)); /* surrogate */
	CHECK(!utf8_valid("\xe6\x97", 2));     /* truncated */
}

TEST(utf8_put_and_hex_digit)
{
	static const struct { uint32_t cp; const char *utf8; } v[] = {
		{0x41, "A"}, {0x7F, "\x7f"}, {0x80, "\xc2\x80"}, {0xE9, "\xc3\xa9"}, {0x7FF, "\xdf\xbf"},
		{0x800, "\xe0\xa0\x80"}, {0x65E5, "\xe6\x97\xa5"}, {0xFFFF, "\xef\xbf\xbf"},
		{0x10000, "\xf0\x90\x80\x80"}, {0x1F600, "\xf0\x9f\x98\x80"}, {0x10FFFF, "\xf4\x8f\xbf\xbf"},
	};
	for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
		char u[5] = {0};
		size_t n = utf8_put(v[i].cp, u);
		CHECK_INT((int)n, (int)strlen(v[i].utf8));
		CHECK_STR(u, v[i].utf8);
		CHECK(utf8_valid(u, n));
	}
	CHECK_INT(hex_digit('0'), 0);
	CHECK_INT(hex_digit('9'), 9);
	CHECK_INT(hex_digit('a'), 10);
	CHECK_INT(hex_digit('F'), 15);
	CHECK_INT(hex_digit('g'), -1);
	CHECK_INT(hex_digit('/'), -1);
	CHECK_INT(hex_digit(0), -1);
}

TEST(digests)
{
	char hex[65];
	unsigned char d[32];
	sha256_hex("", 0, hex);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	md5("abc", 3, d);
	hex_encode(d, 16, hex);
	CHECK_STR(hex, "900150983cd24fb0d6963f7d28e17f72");
	/* RFC 4231 test case 2 */
	hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, d);
	hex_encode(d, 32, hex);
	CHECK_STR(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(crcs)
{
	const char *s = "123456789";
	CHECK_INT(crc32_update(0, s, 9), 0xCBF43926u);
	CHECK_INT(crc32c_update(0, s, 9), 0xE3069283u);
	CHECK(crc64nvme_update(0, s, 9) == 0xAE8B14860A799888ull);
	/* incremental equals one-shot */
	uint32_t c = crc32c_update(0, s, 4);
	c = crc32c_update(c, s + 4, 5);
	CHECK_INT(c, 0xE3069283u);
	uint64_t c64 = crc64nvme_update(0, s, 3);
	CHECK(crc64nvme_update(c64, s + 3, 6) == 0xAE8B14860A799888ull);
}

TEST(time_formats)
{
	char out[32];
	int64_t ms = 1440938160000; /* 2015-08-30T12:36:00Z */
	time_fmt_iso8601(ms + 5, out);
	CHECK_STR(out, "2015-08-30T12:36:00.005Z");
	time_fmt_amz(ms, out);
	CHECK_STR(out, "20150830T123600Z");
	time_fmt_rfc1123(ms, out);
	CHECK_STR(out, "Sun, 30 Aug 2015 12:36:00 GMT");
	int64_t p;
	CHECK(time_parse_amz("20150830T123600Z", 16, &p) == 0 && p == ms);
	CHECK(time_parse_iso8601("2015-08-30T12:36:00Z", 20, &p) == 0 && p == ms);
	CHECK(time_parse_iso8601("2015-08-30T14:36:00.250+02:00", 29, &p) == 0 && p == ms + 250);
	CHECK(time_parse_http("Sun, 30 Aug 2015 12:36:00 GMT", 29, &p) == 0 && p == ms);
	CHECK(time_parse_http("Sunday, 30-Aug-15 12:36:00 GMT", 30, &p) == 0 && p == ms);
	CHECK(time_parse_http("Sun Aug 30 12:36:00 2015", 24, &p) == 0 && p == ms);
	CHECK(time_parse_iso8601("2015-02-29T00:00:00Z", 20, &p) == -1);
	CHECK(time_parse_http("garbage", 7, &p) == -1);
	time_fmt_rfc1123(0, out);
	CHECK_STR(out, "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST(arena_basic)
{
	struct arena a;
	arena_init(&a);
	char *s = arena_strdup(&a, "hello");
	char *big = arena_alloc(&a, 100000);
	memset(big, 1, 100000);
	char *t = arena_printf(&a, "%s-%d", s, 42);
	CHECK_STR(t, "hello-42");
	CHECK(((uintptr_t)big & 15) == 0);
	arena_free(&a);
}

TEST(buf_reserve_keeps_terminator)
{
	struct buf b;
	buf_init(&b, 100);
	CHECK(uri_encode(&b, "", 0, URI_KEEP_SLASH) == 0);
	CHECK_STR(buf_str(&b), "");
	buf_free(&b);
}

TEST(buf_add_quoted)
{
	static const struct { const char *in; char q; const char *out; } v[] = {
		{"", '\'', "''"}, {"abc", '\'', "'abc'"}, {"it's", '\'', "'it''s'"}, {"''", '\'', "''''''"},
		{"a\"b\"", '"', "\"a\"\"b\"\"\""}, {"x,y", '"', "\"x,y\""},
	};
	for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
		struct buf b;
		buf_init(&b, BUF_UNLIMITED);
		CHECK_INT(buf_add_quoted(&b, v[i].in, v[i].q), 0);
		CHECK_STR(buf_str(&b), v[i].out);
		buf_free(&b);
	}
}

TEST(buf_cap)
{
	struct buf b;
	buf_init(&b, 8);
	CHECK(buf_adds(&b, "12345678") == 0);
	CHECK(buf_addc(&b, 'x') == -1);
	CHECK_INT(b.len, 8);
	CHECK_STR(buf_str(&b), "12345678");
	buf_free(&b);
}
