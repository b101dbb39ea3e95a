/* mem.h — allocation wrappers that abort on out-of-memory.
 *
 * nuage never tries to limp on after malloc fails: every caller of these
 * gets memory or the process ends with a message. Growth is bounded by
 * the callers (buffers carry caps), so OOM here means the machine is out.
 */
#ifndef NUAGE_CORE_MEM_H
#define NUAGE_CORE_MEM_H

#include <stddef.h>

void *xmalloc(size_t n);            /* caller frees with free() */
void *xcalloc(size_t n, size_t sz); /* caller frees with free() */
void *xrealloc(void *p, size_t n);  /* caller frees with free() */
char *xstrdup(const char *s);       /* caller frees with free() */
char *xstrndup(const char *s, size_t n); /* caller frees with free() */
void *xmemdup(const void *p, size_t n);  /* caller frees with free() */

#endif
