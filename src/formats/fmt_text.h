/* fmt_text.h — one batch value as text, the way every text writer (CSV,
 * JSON lines, `nuage file head`) shows it, and values quoted for error
 * messages.
 *
 * Renderings: booleans true/false, integers and decimals exactly, doubles
 * shortest round-trip (num.h), dates and timestamps ISO or the format
 * given, binary as upper-case hex (Snowflake's BINARY_FORMAT default),
 * strings and JSON as stored.
 */
#ifndef NUAGE_FORMATS_FMT_TEXT_H
#define NUAGE_FORMATS_FMT_TEXT_H

#include "formats/batch.h"
#include "formats/timefmt.h"

#include "formats/fmt_error.h"

#include <stddef.h>
#include <stdint.h>

struct buf;

#define FMT_CELL_TMP 128

/* Text of a non-null value at row. Returns a pointer to tmp, into the
 * column's data, or into scratch (binary), valid until the next call with
 * the same buffers; date_f/ts_f may be NULL (ISO). */
const char *fmt_cell(const struct column *c, const struct field *f, size_t row, const struct tf_format *date_f,
		     const struct tf_format *ts_f, char tmp[FMT_CELL_TMP], struct buf *scratch, size_t *len);

/* The other way: parses text into column ci of row b->nrows for the
 * scalar types (bool, ints, float, double, decimal, date, timestamp, time;
 * fmt is the date/timestamp format). Integers also accept integral decimal
 * text ("12.0", "1e3"). Returns 0, NUM_SYNTAX or NUM_RANGE (num.h); -1 for
 * other column types. */
int fmt_parse_cell(struct batch *b, int ci, const struct field *f, const struct tf_format *fmt, const char *p,
		   size_t n);

/* Writes 'text' into out (NUL-terminated), cut at about 40 characters with
 * "...", bytes outside printable ASCII as \xNN: for error messages. */
void fmt_text_quote(char *out, size_t outlen, const char *p, size_t n);

/* Fills every field of e (it may be NULL) and composes e->msg as
 * "FILE: line L, column C ("NAME"): REASON", leaving out the parts that are
 * 0 / NULL. Readers call this so all their errors read alike. */
void fmt_error_at(struct fmt_error *e, const char *file, int64_t line, int64_t column, const char *column_name,
		  int64_t offset, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

#endif
