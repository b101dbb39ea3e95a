/* fmt_testutil.h — helpers shared by the src/formats unit tests. */
#ifndef NUAGE_TESTS_FMT_TESTUTIL_H
#define NUAGE_TESTS_FMT_TESTUTIL_H

#include "formats/batch.h"
#include "formats/csv.h"
#include "formats/source.h"

#include <stddef.h>

struct buf;

/* Appends the rows of b to out as "v1|v2|NULL\n" (values as fmt_cell
 * renders them). */
void ft_render_batch(struct buf *out, const struct batch *b);

/* Reads CSV text with options o (NULL = defaults) and schema s (NULL = all
 * strings) through source src_codec; returns the rendered rows (caller
 * frees) or NULL with err filled. If schema_out, the reader's schema as
 * "name:type,..." is written there (caller frees). */
char *ft_csv(const char *text, size_t n, const struct csv_options *o, const struct schema *s,
	     struct fmt_error *err, char **schema_out);

/* The same, but the input arrives through a callback in pieces of 1..maxpiece bytes. */
char *ft_csv_trickle(const char *text, size_t n, const struct csv_options *o, size_t maxpiece,
		     struct fmt_error *err);

/* "name:type,name:type" for a schema; caller frees. */
char *ft_schema_str(const struct schema *s);

/* Compresses n bytes with gzip/zstd/deflate; caller frees; *outlen set. */
char *ft_compress(const void *p, size_t n, enum fmt_codec c, size_t *outlen);

#endif
