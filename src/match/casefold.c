/* casefold.c — equals-ignore-case over UTF-8.
 *
 * event-ruler accepts, for each character of the pattern, its lower- and
 * upper-case forms (Java's simple one-to-one mappings). Comparing the simple
 * lower-case forms of both sides gives the same answer for the scripts
 * covered here: ASCII, Latin-1, Latin Extended-A and Additional, Greek,
 * Cyrillic, Armenian and the full-width Latin letters. Characters outside
 * them compare as themselves.
 */
#include "match/match_int.h"
#include "core/enc.h"

#include <string.h>

/* Pairs where the capital is even and its small letter follows it. */
static int even_pair(uint32_t cp, uint32_t lo, uint32_t hi)
{
	return cp >= lo && cp <= hi && !(cp & 1);
}

static int odd_pair(uint32_t cp, uint32_t lo, uint32_t hi)
{
	return cp >= lo && cp <= hi && (cp & 1);
}

uint32_t mt_fold(uint32_t cp)
{
	if (cp < 0x80)
		return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
	if (cp < 0x100)
		return cp >= 0xC0 && cp <= 0xDE && cp != 0xD7 ? cp + 32 : cp;
	if (cp < 0x180) {
		if (cp == 0x130)
			return 'i';
		if (cp == 0x178)
			return 0xFF;
		if (even_pair(cp, 0x100, 0x137) || odd_pair(cp, 0x139, 0x148) || even_pair(cp, 0x14A, 0x177) ||
		    odd_pair(cp, 0x179, 0x17E))
			return cp + 1;
		return cp;
	}
	if (cp >= 0x370 && cp < 0x400) {
		if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2)
			return cp + 32;
		if (cp == 0x386)
			return 0x3AC;
		if (cp >= 0x388 && cp <= 0x38A)
			return cp + 37;
		if (cp == 0x38C)
			return 0x3CC;
		if (cp == 0x38E || cp == 0x38F)
			return cp + 63;
		return cp;
	}
	if (cp >= 0x400 && cp < 0x530) {
		if (cp >= 0x410 && cp <= 0x42F)
			return cp + 32;
		if (cp < 0x410)
			return cp + 80;
		if (even_pair(cp, 0x460, 0x481) || even_pair(cp, 0x48A, 0x4BF) || odd_pair(cp, 0x4C1, 0x4CE) ||
		    even_pair(cp, 0x4D0, 0x52F))
			return cp + 1;
		return cp;
	}
	if (cp >= 0x531 && cp <= 0x556)
		return cp + 48;
	if (even_pair(cp, 0x1E00, 0x1E95) || even_pair(cp, 0x1EA0, 0x1EFF))
		return cp + 1;
	if (cp >= 0xFF21 && cp <= 0xFF3A)
		return cp + 32;
	return cp;
}

size_t mt_fold_str(const char *p, size_t n, char *out)
{
	size_t i = 0, o = 0;
	while (i < n) {
		if (i + 8 <= n) { /* eight ASCII bytes at once: 'A'..'Z' get 0x20 */
			uint64_t v;
			memcpy(&v, p + i, 8);
			if (!(v & 0x8080808080808080ull)) {
				uint64_t ge_a = v + 0x3f3f3f3f3f3f3f3full; /* high bit: >= 'A' */
				uint64_t gt_z = v + 0x2525252525252525ull; /* high bit: > 'Z' */
				v |= ((ge_a ^ gt_z) & 0x8080808080808080ull) >> 2;
				memcpy(out + o, &v, 8);
				i += 8;
				o += 8;
				continue;
			}
		}
		unsigned char ch = (unsigned char)p[i];
		if (ch < 0x80) { /* ASCII, most of what is folded */
			out[o++] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
			i++;
			continue;
		}
		o += utf8_put(mt_fold(mt_utf8_next(p, n, &i)), out + o);
	}
	return o;
}

/* Compares the folded form of a[from..] with f; *used gets how much of f
 * matched. Returns 1 when all of a[from..] was consumed and matched. */
static int fold_cmp(const char *a, size_t an, size_t from, const struct mt_str *f, size_t *used)
{
	size_t i = from, j = 0;
	while (i < an) {
		unsigned char ch = (unsigned char)a[i];
		if (ch < 0x80) { /* ASCII: one byte folds to one byte */
			if (j >= f->n || (unsigned char)f->p[j] != (ch >= 'A' && ch <= 'Z' ? ch + 32 : ch)) {
				*used = j;
				return 0;
			}
			i++;
			j++;
			continue;
		}
		char u[4];
		size_t k = utf8_put(mt_fold(mt_utf8_next(a, an, &i)), u);
		if (j + k > f->n || !mt_eq(f->p + j, u, k)) {
			*used = j;
			return 0;
		}
		j += k;
	}
	*used = j;
	return 1;
}

int mt_eic_eq(const char *a, size_t an, const struct mt_str *folded)
{
	size_t used;
	return fold_cmp(a, an, 0, folded, &used) && used == folded->n;
}

int mt_eic_prefix(const char *a, size_t an, const struct mt_str *folded)
{
	size_t used;
	fold_cmp(a, an, 0, folded, &used);
	return used == folded->n;
}

static size_t count_cp(const char *p, size_t n)
{
	size_t i = 0, c = 0;
	while (i < n) {
		mt_utf8_next(p, n, &i);
		c++;
	}
	return c;
}

int mt_eic_suffix(const char *a, size_t an, const struct mt_str *folded)
{
	size_t want = count_cp(folded->p, folded->n), have = count_cp(a, an);
	if (want > have)
		return 0;
	size_t i = 0;
	for (size_t skip = have - want; skip > 0; skip--)
		mt_utf8_next(a, an, &i);
	return mt_eic_eq(a + i, an - i, folded);
}
