/* arena.h — request-scoped memory (after nginx pools).
 *
 * Everything a call allocates while it is being served comes from its arena
 * and dies with it in one arena_free(). Non-memory resources (open files,
 * jansson values) register a cleanup that runs, last registered first, when
 * the arena is freed. Allocations are 16-byte aligned.
 */
#ifndef NUAGE_CORE_ARENA_H
#define NUAGE_CORE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena_block;
struct arena_cleanup;

struct arena {
	struct arena_block *head;
	struct arena_cleanup *cleanups;
	size_t total; /* bytes handed out, for limits and tests */
};

void arena_init(struct arena *a);
void arena_free(struct arena *a);
void *arena_alloc(struct arena *a, size_t n);
void *arena_zalloc(struct arena *a, size_t n);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap);
void arena_on_free(struct arena *a, void (*fn)(void *), void *arg);

#endif
