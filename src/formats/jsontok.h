/* jsontok.h — an incremental JSON tokenizer over a byte source (internal to
 * src/formats: the JSON reader, its schema inference and its fuzzer).
 *
 * The input is a stream of top-level values (JSON Lines, or any values
 * separated by whitespace), or with array_mode one top-level array whose
 * elements are the values (Snowflake's STRIP_OUTER_ARRAY). The tokenizer
 * checks the grammar as it goes with an explicit stack (no recursion), so
 * a document of any size streams through a bounded buffer.
 *
 * Invariants:
 *  1. A token's text (p, n) is valid until the next jt_next(); strings are
 *     decoded (escapes resolved, UTF-8 checked), numbers are the raw text.
 *  2. Memory: the read buffer grows only to hold one token, never past
 *     max_token + JT_CHUNK bytes; the nesting depth is capped at JT_MAX_DEPTH.
 *  3. `depth` of a token is the nesting level it sits at: a top-level value
 *     and the '}' or ']' closing it have depth 0.
 */
#ifndef NUAGE_FORMATS_JSONTOK_H
#define NUAGE_FORMATS_JSONTOK_H

#include "formats/fmt_error.h"
#include "formats/source.h"
#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JT_CHUNK (256 * 1024)
#define JT_MAX_DEPTH 256

enum jt_kind {
	JT_OBJ,     /* { */
	JT_OBJ_END, /* } */
	JT_ARR,     /* [ */
	JT_ARR_END, /* ] */
	JT_KEY,     /* a member name (decoded) */
	JT_STR,     /* a string value (decoded) */
	JT_NUM,     /* number text; is_int when it has no fraction or exponent */
	JT_TRUE,
	JT_FALSE,
	JT_NULL,
};

struct jt_token {
	enum jt_kind kind;
	const char *p;
	size_t n;
	bool is_int;
	int depth;
	int64_t offset; /* of the token's first byte in the (decompressed) input */
	int64_t line;   /* 1-based line of that byte */
};

struct jtok {
	struct source *src;
	char *buf;
	size_t cap, pos, end;
	bool eof, started, array_mode, failed;
	int64_t buf_off, line;
	size_t max_token;
	struct buf scratch;
	int depth;
	uint8_t stack[JT_MAX_DEPTH + 1]; /* '{' or '[' per open container */
	int expect;
};

/* Prepares t to read src (not owned); max_token 0 means 16 MiB. Buffers
 * are allocated as reading goes; the caller releases them with jt_free. */
void jt_init(struct jtok *t, struct source *src, bool array_mode, size_t max_token);
void jt_free(struct jtok *t);
/* 1 with a token, 0 at the clean end of the input, -1 on error (err says
 * line, offset and why; the error sticks until jt_resync). */
int jt_next(struct jtok *t, struct jt_token *tok, struct fmt_error *err);
/* After an error in a stream of lines: drops input up to the next line
 * break and starts a fresh top-level value there. Returns -1 when the
 * input cannot be resynchronised (array mode, read errors). */
int jt_resync(struct jtok *t, struct fmt_error *err);

/* Appends s as a JSON string literal (quotes, escapes) to b; -1 at b's cap. */
int jt_put_string(struct buf *b, const char *s, size_t n);

#endif
