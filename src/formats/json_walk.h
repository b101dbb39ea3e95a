/* json_walk.h — walks one JSON record at a time and reports its fields as
 * (column path, value) pairs (internal: shared by schema inference and the
 * reader, so both see a record exactly the same way).
 *
 * A field is a member of the record object. With flatten, members of
 * nested objects are fields too, named "outer.inner"; otherwise a nested
 * object or array is one field whose value is its compact JSON text.
 *
 * Invariants: the walk consumes every token of a record even when the
 * callback refuses a field, so the next record starts in the right place;
 * nothing recurses (nesting is tracked in arrays capped at JT_MAX_DEPTH).
 */
#ifndef NUAGE_FORMATS_JSON_WALK_H
#define NUAGE_FORMATS_JSON_WALK_H

#include "formats/json.h"
#include "formats/jsontok.h"

#define JW_MAX_PATH 4096

/* A field: either a scalar token (tok) or nested JSON text (json, jn). */
struct jw_value {
	const struct jt_token *tok; /* NULL for nested values */
	const char *json;
	size_t jn;
};

/* Returns 0 to go on, -1 to mark the record bad (the walk still finishes
 * it); the callback fills err itself. */
typedef int (*jw_field_fn)(void *ctx, const char *path, size_t pathlen, const struct jw_value *v,
			   struct fmt_error *err);

struct jwalk {
	struct jtok tok;
	const struct json_options *o;
	struct buf path;
	struct buf nested;
	int64_t rec_line, rec_off, records;
};

/* Prepares w over src (not owned); o must outlive w; the caller releases
 * w's buffers with jw_free. */
void jw_init(struct jwalk *w, struct source *src, const struct json_options *o);
void jw_free(struct jwalk *w);

enum { JW_EOF = 0, JW_OK = 1, JW_BAD = -1, JW_SYNTAX = -2 };

/* Walks the next record: JW_OK, JW_EOF, JW_BAD (a callback refused a field,
 * or the record is not an object, or a nested value is too large; err says
 * why) or JW_SYNTAX (the input is not valid JSON; err says where). */
int jw_record(struct jwalk *w, jw_field_fn fn, void *ctx, struct fmt_error *err);

/* Column names by path: an open-addressing index from name to position. */
struct jw_names {
	char **names;
	size_t *lens;
	int n, cap;
	int32_t *slots; /* position + 1, 0 = empty */
	size_t nslots;
};

int jw_names_find(const struct jw_names *m, const char *s, size_t n); /* position or -1 */
/* The same, trying position `guess` first: records tend to list their keys
 * in the same order, so the next key is usually the next column. */
int jw_names_find_near(const struct jw_names *m, const char *s, size_t n, int guess);
int jw_names_add(struct jw_names *m, const char *s, size_t n);        /* position (copies s; jw_names_free frees) */
void jw_names_free(struct jw_names *m);

#endif
