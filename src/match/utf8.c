/* utf8.c — UTF-8 and JSON-escape helpers shared by the tokenizer, the event
 * scanner and case folding.
 *
 * Invalid UTF-8 bytes decode as themselves, one at a time, so every byte
 * string has one decoding and comparisons stay byte-faithful. Escapes follow
 * Java: a \uD800-\uDBFF escape followed by a \uDC00-\uDFFF escape is one
 * character; any other surrogate becomes '?', as Java's UTF-8 encoder writes
 * an unpaired one.
 */
#include "match/match_int.h"
#include "core/enc.h"

uint32_t mt_utf8_next(const char *p, size_t n, size_t *i)
{
	unsigned char c = (unsigned char)p[*i];
	size_t need = c < 0xC0 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : c < 0xF8 ? 3 : 0;
	if (!need || *i + need >= n) {
		(*i)++;
		return c;
	}
	uint32_t cp = c & (0x3F >> need);
	for (size_t k = 1; k <= need; k++) {
		unsigned char d = (unsigned char)p[*i + k];
		if ((d & 0xC0) != 0x80) {
			(*i)++;
			return c;
		}
		cp = (cp << 6) | (d & 0x3F);
	}
	*i += need + 1;
	return cp;
}

/* Four hex digits at p[*i]. */
static int hex4(const char *p, size_t n, size_t *i, uint32_t *out)
{
	uint32_t v = 0;
	for (int k = 0; k < 4; k++) {
		if (*i >= n)
			return MT_ESC_EOF;
		int h = hex_digit((unsigned char)p[*i]);
		if (h < 0)
			return MT_ESC_BADHEX;
		(*i)++;
		v = (v << 4) | (uint32_t)h;
	}
	*out = v;
	return 0;
}

int mt_json_escape(const char *p, size_t n, size_t *i, uint32_t *cp)
{
	if (*i >= n)
		return MT_ESC_EOF;
	uint32_t e = mt_utf8_next(p, n, i);
	switch (e) {
	case 'b': *cp = '\b'; return 0;
	case 't': *cp = '\t'; return 0;
	case 'n': *cp = '\n'; return 0;
	case 'f': *cp = '\f'; return 0;
	case 'r': *cp = '\r'; return 0;
	case '"':
	case '/':
	case '\\':
		*cp = e;
		return 0;
	case 'u':
		break;
	default:
		*cp = e;
		return MT_ESC_UNKNOWN;
	}
	uint32_t u;
	int rc = hex4(p, n, i, &u);
	if (rc)
		return rc;
	if (u >= 0xD800 && u <= 0xDBFF && *i + 1 < n && p[*i] == '\\' && p[*i + 1] == 'u') {
		size_t save = *i;
		uint32_t lo;
		*i += 2;
		if ((rc = hex4(p, n, i, &lo)))
			return rc;
		if (lo >= 0xDC00 && lo <= 0xDFFF) {
			*cp = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
			return 0;
		}
		*i = save; /* the next escape stands on its own */
	}
	*cp = u >= 0xD800 && u <= 0xDFFF ? '?' : u;
	return 0;
}
