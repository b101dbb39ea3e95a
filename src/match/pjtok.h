/* pjtok.h — pattern JSON tokens: a token stream that fails the way Jackson does (the streaming tokenizer for data files is formats/jsontok.h).
 *
 * AWS parses event patterns and filter policies with Jackson's streaming
 * parser and hands its messages (and the location it appends) back to the
 * caller, so errors must come out in the same order, with the same words and
 * the same line/column. The tokenizer therefore mirrors Jackson's laziness:
 * after a field name it already looks at the first character of the value
 * (and parses a number or literal whole); a string value is only read when
 * its text is asked for (pj_text) or the next token is requested.
 *
 * Positions: `pos` is Jackson's input pointer; a located error reports
 * column (pos - row_start + 1) in UTF-16 units, like Java.
 */
#ifndef NUAGE_MATCH_JTOK_H
#define NUAGE_MATCH_JTOK_H

#include <stddef.h>
#include <stdint.h>

enum pj {
	PJ_NONE = 0,
	PJ_START_OBJECT,
	PJ_END_OBJECT,
	PJ_START_ARRAY,
	PJ_END_ARRAY,
	PJ_FIELD_NAME,
	PJ_STRING,
	PJ_INT,
	PJ_FLOAT,
	PJ_TRUE,
	PJ_FALSE,
	PJ_NULL,
	PJ_EOF,
	PJ_ERROR,
};

struct pj_ctx {
	uint8_t type;      /* 0 root, 1 array, 2 object */
	uint8_t started;   /* an element was seen: the next needs a comma */
	uint32_t row;      /* where the opening bracket is (for messages) */
	size_t row_start;
	size_t pos;
};

#define PJ_TEXT_MAX (256 * 1024)

struct pjtok {
	const char *s;
	size_t n, pos, row_start;
	uint32_t row;
	int depth, max_depth;
	struct pj_ctx ctx[72];
	enum pj cur, pending;
	uint8_t incomplete; /* current string token not read yet */
	/* The current token's text: decoded string, field name, or raw span. */
	char *text;
	size_t text_len, text_cap;
	char *name;
	size_t name_len, name_cap;
	size_t tok_pos; /* where the value after a field name starts */
	uint32_t tok_row;
	size_t tok_row_start;
	/* Error (PJ_ERROR): reason and where. */
	char reason[1024];
	size_t err_pos, err_row_start;
	uint32_t err_row;
};

/* Sets up t over s..n (not copied: must outlive t). max_depth <= 64. */
void pj_init(struct pjtok *t, const char *s, size_t n, int max_depth);
void pj_free(struct pjtok *t);
enum pj pj_next(struct pjtok *t);
/* Text of the current token (reads a pending string first); NULL on a
 * string error (then t->cur == PJ_ERROR). For structural tokens, their
 * character ("]"), for a field name, the name. */
const char *pj_text(struct pjtok *t, size_t *len);
/* Skips the current value (the token just returned) and everything in it. */
enum pj pj_skip_children(struct pjtok *t);
/* Records a ruler-style error at the current pointer. */
void pj_fail(struct pjtok *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends " at [Source: (String)\"...\"; line: L, column: C]" for the
 * stored error location to out (Jackson's format, source cut at 500 chars). */
void pj_location(const struct pjtok *t, char *out, size_t cap);
int pj_is_number(enum pj k);

#endif
