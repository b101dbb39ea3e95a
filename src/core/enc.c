/* enc.c — see enc.h. */
#include "core/enc.h"
#include "core/buf.h"

#include <string.h>

static const char hexdig[] = "0123456789abcdef";

void hex_encode(const unsigned char *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexdig[p[i] >> 4];
		out[2 * i + 1] = hexdig[p[i] & 15];
	}
	out[2 * n] = 0;
}

int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hex_decode(const char *s, size_t slen, unsigned char *out)
{
	if (slen % 2)
		return -1;
	for (size_t i = 0; i < slen / 2; i++) {
		int hi = hex_digit((unsigned char)s[2 * i]), lo = hex_digit((unsigned char)s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64_encoded_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

size_t base64_encode(const unsigned char *p, size_t n, char *out)
{
	size_t o = 0, i = 0;
	for (; i + 2 < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		out[o++] = b64[v >> 18];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = b64[(v >> 6) & 63];
		out[o++] = b64[v & 63];
	}
	if (i < n) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0);
		out[o++] = b64[v >> 18];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = 0;
	return o;
}

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long base64_decode(const char *s, size_t slen, unsigned char *out)
{
	if (slen % 4)
		return -1;
	size_t o = 0;
	for (size_t i = 0; i < slen; i += 4) {
		int v[4];
		int pad = 0;
		for (int j = 0; j < 4; j++) {
			unsigned char c = (unsigned char)s[i + j];
			if (c == '=' && i + 4 == slen && j >= 2) {
				v[j] = 0;
				pad++;
				continue;
			}
			if (pad)
				return -1; /* data after padding */
			v[j] = b64val(c);
			if (v[j] < 0)
				return -1;
		}
		unsigned x = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)v[2] << 6 | (unsigned)v[3];
		out[o++] = (unsigned char)(x >> 16);
		if (pad < 2)
			out[o++] = (unsigned char)(x >> 8);
		if (pad < 1)
			out[o++] = (unsigned char)x;
	}
	return (long)o;
}

static const char HEXU[] = "0123456789ABCDEF";

/* 1 for bytes SigV4 leaves unencoded: A-Z a-z 0-9 - . _ ~ */
static const unsigned char unreserved[256] = {
	['-'] = 1, ['.'] = 1, ['_'] = 1, ['~'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1,
	['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1,
	['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1,
	['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1,
	['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

int uri_encode(struct buf *b, const char *s, size_t n, unsigned flags)
{
	if (buf_reserve(b, n))
		return -1;
	bool slash = flags & URI_KEEP_SLASH, form = flags & URI_FORM;
	size_t run = 0; /* start of the pending run of bytes copied as they are */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (form ? (unreserved[c] && c != '~') || c == '*' : unreserved[c])
			continue;
		if (c == '/' && slash)
			continue;
		if (buf_add(b, s + run, i - run))
			return -1;
		char e[3] = {'%', HEXU[c >> 4], HEXU[c & 15]};
		if (form && c == ' ' ? buf_add(b, "+", 1) : buf_add(b, e, 3))
			return -1;
		run = i + 1;
	}
	return buf_add(b, s + run, n - run);
}

bool uri_is_encoded(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (unreserved[c])
			continue;
		if (c != '%' || i + 2 >= n)
			return false;
		int hi = hex_digit((unsigned char)s[i + 1]), lo = hex_digit((unsigned char)s[i + 2]);
		if (hi < 0 || lo < 0 || s[i + 1] != HEXU[hi] || s[i + 2] != HEXU[lo] || unreserved[hi << 4 | lo])
			return false;
		i += 2;
	}
	return true;
}

long uri_decode_to(char *dst, const char *s, size_t n, bool plus_space)
{
	size_t o = 0, i = 0;
	while (i < n) {
		/* The run up to the next byte that decodes moves in one piece. */
		const char *pc = memchr(s + i, '%', n - i);
		size_t stop = pc ? (size_t)(pc - s) : n;
		const char *pp = plus_space ? memchr(s + i, '+', stop - i) : NULL;
		if (pp)
			stop = (size_t)(pp - s);
		memmove(dst + o, s + i, stop - i);
		o += stop - i;
		i = stop;
		if (i == n)
			break;
		if (s[i] == '+') {
			dst[o++] = ' ';
			i++;
			continue;
		}
		if (i + 2 >= n)
			return -1;
		int hi = hex_digit((unsigned char)s[i + 1]), lo = hex_digit((unsigned char)s[i + 2]);
		if (hi < 0 || lo < 0)
			return -1;
		dst[o++] = (char)(hi << 4 | lo);
		i += 3;
	}
	return (long)o;
}

long uri_decode(char *s, size_t n, bool plus_space)
{
	/* Nothing to do for the common case: no escapes, no '+'. */
	if (!memchr(s, '%', n) && !(plus_space && memchr(s, '+', n)))
		return (long)n;
	long o = uri_decode_to(s, s, n, plus_space);
	if (o >= 0 && (size_t)o < n)
		s[o] = 0;
	return o;
}

bool utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t len;
		unsigned cp;
		if (c >= 0xC2 && c <= 0xDF) {
			len = 2;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			len = 3;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			len = 4;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (i + len > n)
			return false;
		for (size_t j = 1; j < len; j++) {
			if ((s[i + j] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3F);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += len;
	}
	return true;
}

size_t utf8_put(uint32_t cp, char u[4])
{
	if (cp < 0x80) {
		u[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	u[0] = (char)(0xF0 | (cp >> 18));
	u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	u[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}
