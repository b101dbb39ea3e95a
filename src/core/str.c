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
