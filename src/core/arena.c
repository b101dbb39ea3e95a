/* arena.c — see arena.h.
 *
 * Blocks form a singly linked list, newest first; a request that needs
 * more than a block's room gets a block of its own size. The first block is
 * small because most calls allocate a few hundred bytes.
 */
#include "core/arena.h"
#include "core/mem.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	_Alignas(16) unsigned char data[];
};

struct arena_cleanup {
	struct arena_cleanup *next;
	void (*fn)(void *);
	void *arg;
};

#define ARENA_BLOCK 4096

/* Standard blocks an arena frees are kept, a few per thread, for the thread's
 * next arena: nearly every request needs one, and glibc answers a 4 KiB
 * malloc by consolidating its fast bins first, which on the request path cost
 * more than everything else malloc did. A key's destructor frees them when
 * the thread ends. */
#define STASH_MAX 4

struct stash {
	struct arena_block *b[STASH_MAX];
	int n;
	bool registered;
};

static _Thread_local struct stash stash;
static pthread_key_t stash_key;
static pthread_once_t stash_once = PTHREAD_ONCE_INIT;

static void stash_drop(void *p)
{
	struct stash *s = p;
	while (s->n)
		free(s->b[--s->n]);
}

static void stash_key_init(void)
{
	if (pthread_key_create(&stash_key, stash_drop))
		abort();
}

static struct arena_block *block_new(size_t size)
{
	if (size == ARENA_BLOCK && stash.n)
		return stash.b[--stash.n];
	struct arena_block *b = xmalloc(sizeof *b + size);
	b->size = size;
	return b;
}

static void block_free(struct arena_block *b)
{
	if (b->size != ARENA_BLOCK || stash.n == STASH_MAX) {
		free(b);
		return;
	}
	if (!stash.registered) {
		pthread_once(&stash_once, stash_key_init);
		pthread_setspecific(stash_key, &stash);
		stash.registered = true;
	}
	stash.b[stash.n++] = b;
}

void arena_init(struct arena *a)
{
	a->head = NULL;
	a->cleanups = NULL;
	a->total = 0;
}

void arena_free(struct arena *a)
{
	struct arena_cleanup *c = a->cleanups;
	a->cleanups = NULL;
	while (c) {
		struct arena_cleanup *next = c->next;
		c->fn(c->arg);
		c = next;
	}
	struct arena_block *b = a->head;
	while (b) {
		struct arena_block *next = b->next;
		block_free(b);
		b = next;
	}
	a->head = NULL;
	a->total = 0;
}

void *arena_alloc(struct arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (!n)
		n = 16;
	struct arena_block *b = a->head;
	if (!b || b->size - b->used < n) {
		size_t size = n > ARENA_BLOCK / 2 ? n : ARENA_BLOCK;
		struct arena_block *nb = block_new(size);
		nb->used = 0;
		if (b && size == n && b->size - b->used >= 256) {
			/* Big one-off: keep the current block at the head so its room stays usable. */
			nb->next = b->next;
			b->next = nb;
		} else {
			nb->next = b;
			a->head = nb;
		}
		b = nb;
	}
	void *p = b->data + b->used;
	b->used += n;
	a->total += n;
	return p;
}

void *arena_zalloc(struct arena *a, size_t n)
{
	void *p = arena_alloc(a, n);
	memset(p, 0, n);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	if (n)
		memcpy(p, s, n);
	p[n] = 0;
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		n = 0;
	char *p = arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}

void arena_on_free(struct arena *a, void (*fn)(void *), void *arg)
{
	struct arena_cleanup *c = arena_alloc(a, sizeof *c);
	c->fn = fn;
	c->arg = arg;
	c->next = a->cleanups;
	a->cleanups = c;
}
