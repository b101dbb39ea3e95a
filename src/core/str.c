/* str.c — see str.h. */
#include "core/str.h"

#include <string.h>

size_t str_copy(char *dst, size_t cap, const char *src)
{
	if (!cap)
		return 0;
	size_t n = src ? strlen(src) : 0;
	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = 0;
	return n;
}

size_t str_u64(char *out, uint64_t v)
{
	char tmp[20];
	size_t n = 0;
	do {
		tmp[sizeof tmp - ++n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	memcpy(out, tmp + sizeof tmp - n, n);
	return n;
}
