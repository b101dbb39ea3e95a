/* sqltok.h — a tokenizer for Snowflake's SQL surface (what dialect.c parses)
 * that is also safe for the SQL nuage passes through: it splits scripts
 * into statements and finds :name parameters without ever looking inside
 * string literals, quoted identifiers or comments.
 *
 * Lexical rules (Snowflake's):
 *  - words: [A-Za-z_][A-Za-z0-9_$]* (case-insensitive; keywords are words);
 *  - "quoted identifiers" with "" for a quote (case-sensitive);
 *  - 'strings' with '' or backslash escapes (\' \" \\ \n \t \r \b \f \0,
 *    \ooo octal, \xhh hex, \uhhhh), and $$dollar-quoted$$ strings kept raw;
 *  - numbers: digits with an optional fraction and exponent;
 *  - stage references: @name, @db.schema.name, @"quoted", @~ and @%table,
 *    each optionally followed by a /path (the path runs to white space or
 *    one of ; ) , and may contain '=', as in @s/year=2026/month=11/);
 *  - comments: -- and // to the end of the line, and block comments.
 *  - punctuation: => :: <> != <= >= || and single characters.
 * Positions are reported Snowflake's way: 1-based line, 0-based position
 * within the line.
 *
 * Invariants: the tokenizer never reads past the text it was given (length
 * bounded, NUL bytes are ordinary characters only inside strings, where
 * they are refused); decoded text lives in the tokenizer's arena and stays
 * valid until sqltok_free.
 */
#ifndef NUAGE_WAREHOUSE_SQLTOK_H
#define NUAGE_WAREHOUSE_SQLTOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

enum tok_kind {
	TK_EOF,
	TK_WORD,    /* identifier or keyword */
	TK_QIDENT,  /* "quoted identifier" (text decoded) */
	TK_STRING,  /* 'string' or $$string$$ (text decoded) */
	TK_NUMBER,
	TK_STAGE,   /* @stage[/path]: text is the whole reference after '@' */
	TK_PUNCT,   /* text holds 1 or 2 characters */
	TK_ERROR,   /* unterminated string / comment / identifier: text says why */
};

struct token {
	enum tok_kind kind;
	const char *text;  /* decoded (strings, quoted identifiers) or as written; NUL-terminated */
	size_t len;        /* of text */
	size_t off, end;   /* span in the source */
	int line, pos;     /* where it starts */
};

#define SQLTOK_MAX_TOKENS 200000

struct sqltok {
	struct arena arena;
	struct token *toks;
	int n;
	const char *src;
	size_t srclen;
};

/* Tokenizes the whole text (it must outlive t). Returns 0, or -1 when the
 * text holds more than SQLTOK_MAX_TOKENS tokens. A lexical error becomes a
 * TK_ERROR token followed by TK_EOF. Free with sqltok_free. */
int sqltok_run(struct sqltok *t, const char *src, size_t len);
void sqltok_free(struct sqltok *t);

/* Case-insensitive keyword test on a TK_WORD. */
bool tok_is(const struct token *tk, const char *word);
bool tok_punct(const struct token *tk, const char *p);

/* Splits a script at top-level semicolons. Each range excludes the
 * semicolon and statements holding only space and comments are dropped.
 * Returns the count (at most max) or -1 on a lexical error (unterminated
 * string or comment), with where set to its offset. */
struct sql_range {
	size_t off, len;
};
int sql_split(const char *src, size_t len, struct sql_range *out, int max, size_t *where);

/* Rewrites :name parameters into $1..$n in order of the given names (a
 * name used twice gets the same number). Returns 0 and a new text in *out
 * (caller frees), or -1 with the unknown parameter's name in bad (a :name
 * with no value), or -2 when a given name is never used (unused). */
int sql_bind_names(const char *src, size_t len, const char *const *names, int nnames, char **out, char *bad,
		   size_t badlen);

#endif
