/* buf.h — a growable byte buffer with a hard size cap (after curl's dynbuf).
 *
 * Invariants: data is always NUL-terminated when non-NULL (the terminator is
 * not counted in len); len <= max. An append that would pass max fails with
 * -1 and leaves the buffer unchanged, so a caller can turn it into an
 * AWS-shaped "too large" error instead of growing without bound.
 */
#ifndef NUAGE_CORE_BUF_H
#define NUAGE_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
};

#define BUF_UNLIMITED ((size_t)-1 / 2)

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
int buf_add(struct buf *b, const void *p, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
/* s between two q characters, each q inside doubled (SQL literals and
 * identifiers, CSV fields). */
int buf_add_quoted(struct buf *b, const char *s, char q);
int buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vaddf(struct buf *b, const char *fmt, va_list ap);
int buf_reserve(struct buf *b, size_t extra);
/* Hands the bytes to the caller (who frees them) and empties the buffer. */
char *buf_detach(struct buf *b, size_t *len);
/* Returns data, or "" for an empty buffer that never allocated. */
const char *buf_str(const struct buf *b);

#endif
