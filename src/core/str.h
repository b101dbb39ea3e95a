/* str.h — small string helpers the hot paths use instead of snprintf. */
#ifndef NUAGE_CORE_STR_H
#define NUAGE_CORE_STR_H

#include <stddef.h>

/* Copies src into dst (cap bytes, always NUL-terminated, truncating);
 * returns the length copied. src NULL copies "". */
size_t str_copy(char *dst, size_t cap, const char *src);

#endif
