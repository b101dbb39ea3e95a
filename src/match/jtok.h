/* jtok.h — a JSON token stream that fails the way Jackson does.
 *
 * AWS parses event patterns and filter policies with Jackson's streaming
 * parser and hands its messages (and the location it appends) back to the
 * caller, so errors must come out in the same order, with the same words and
 * the same line/column. The tokenizer therefore mirrors Jackson's laziness:
 * after a field name it already looks at the first character of the value
 * (and parses a number or literal whole); a string value is only read when
 * its text is asked for (mjt_text) or the next token is requested.
 *
 * Positions: `pos` is Jackson's input pointer; a located error reports
 * column (pos - row_start + 1) in UTF-16 units, like Java.
 */
#ifndef NUAGE_MATCH_JTOK_H
#define NUAGE_MATCH_JTOK_H

#include <stddef.h>
#include <stdint.h>

enum jt {
	JT_NONE = 0,
	JT_START_OBJECT,
	JT_END_OBJECT,
	JT_START_ARRAY,
	JT_END_ARRAY,
	JT_FIELD_NAME,
	JT_STRING,
	JT_INT,
	JT_FLOAT,
	JT_TRUE,
	JT_FALSE,
	JT_NULL,
	JT_EOF,
	JT_ERROR,
};

struct jt_ctx {
	uint8_t type;      /* 0 root, 1 array, 2 object */
	uint8_t started;   /* an element was seen: the next needs a comma */
	uint32_t row;      /* where the opening bracket is (for messages) */
	size_t row_start;
	size_t pos;
};

#define JT_TEXT_MAX (256 * 1024)

struct jtok {
	const char *s;
	size_t n, pos, row_start;
	uint32_t row;
	int depth, max_depth;
	struct jt_ctx ctx[72];
	enum jt cur, pending;
	uint8_t incomplete; /* current string token not read yet */
	/* The current token's text: decoded string, field name, or raw span. */
	char *text;
	size_t text_len, text_cap;
	char *name;
	size_t name_len, name_cap;
	size_t tok_pos; /* where the value after a field name starts */
	uint32_t tok_row;
	size_t tok_row_start;
	/* Error (JT_ERROR): reason and where. */
	char reason[1024];
	size_t err_pos, err_row_start;
	uint32_t err_row;
};

/* Sets up t over s..n (not copied: must outlive t). max_depth <= 64. */
void mjt_init(struct jtok *t, const char *s, size_t n, int max_depth);
void mjt_free(struct jtok *t);
enum jt mjt_next(struct jtok *t);
/* Text of the current token (reads a pending string first); NULL on a
 * string error (then t->cur == JT_ERROR). For structural tokens, their
 * character ("]"), for a field name, the name. */
const char *mjt_text(struct jtok *t, size_t *len);
/* Skips the current value (the token just returned) and everything in it. */
enum jt mjt_skip_children(struct jtok *t);
/* Records a ruler-style error at the current pointer. */
void mjt_fail(struct jtok *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends " at [Source: (String)\"...\"; line: L, column: C]" for the
 * stored error location to out (Jackson's format, source cut at 500 chars). */
void mjt_location(const struct jtok *t, char *out, size_t cap);
int mjt_is_number(enum jt k);

#endif
