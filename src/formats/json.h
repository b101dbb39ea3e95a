/* json.h — reading JSON records into batches, inferring their schema, and
 * writing batches as JSON Lines.
 *
 * Input is JSON Lines (one object per line; any whitespace between values
 * is accepted, so pretty-printed concatenated objects work too) or, with
 * strip_outer_array, one top-level array of objects. Everything streams:
 * a 2 GiB file never sits in memory (jsontok.h).
 *
 * Inference widens across records: int -> double -> string; bool, and
 * strings that are all ISO dates or timestamps (detect_dates), keep their
 * type; nested objects and arrays become COL_JSON text, or with flatten
 * nested objects become dotted columns ("a.b") and arrays stay JSON. A
 * column seen only as null is a string. Columns keep first-seen order.
 *
 * Reading against a schema converts what fits (numbers in strings, "12"
 * into ints, JSON text of anything into string/JSON columns); keys not in
 * the schema are ignored; a key repeated in one object keeps its last value.
 */
#ifndef NUAGE_FORMATS_JSON_H
#define NUAGE_FORMATS_JSON_H

#include "formats/batch.h"
#include "formats/fmt_error.h"
#include "formats/sink.h"
#include "formats/source.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_options {
	bool strip_outer_array; /* the input is one array whose elements are the records */
	bool flatten;           /* nested objects become "parent.child" columns */
	bool detect_dates;      /* inference: ISO date/timestamp strings become DATE/TIMESTAMP; true */
	int64_t infer_records;  /* records inference looks at: 10000 (<= 0: all) */
	size_t infer_bytes;     /* and at most this many input bytes: 32 MiB */
	size_t max_token;       /* longest string/number: 16 MiB */
	size_t max_value;       /* longest nested value kept as JSON text: 16 MiB */
	int max_columns;        /* 4096 */
	const char *date_format;      /* for strings into DATE columns: AUTO */
	const char *timestamp_format; /* for strings into TIMESTAMP columns: AUTO */
	bool ignore_case;       /* with a schema given: keys match column names in any case */
	/* When set, a record that cannot be converted (or, in JSON Lines, a line
	 * that is not valid JSON) is reported here and skipped; otherwise reading
	 * stops at the first error. */
	void (*on_bad_row)(void *ctx, const struct fmt_error *e);
	void *bad_row_ctx;
};

void json_options_init(struct json_options *o);

/* Scans records of src (up to o->infer_records / infer_bytes) and returns
 * the schema they imply (caller frees with schema_free). */
int json_infer_schema(struct source *src, const struct json_options *o, struct schema **out, struct fmt_error *err);

struct json_reader;

/* Opens a reader over src (not owned) into *out, which the caller frees
 * with json_reader_free. With schema NULL the schema is
 * inferred from the first records, which are kept in memory (at most
 * infer_bytes) and then read again, so src is read once and need not be
 * seekable. Options must outlive the reader. */
int json_reader_open(struct source *src, const struct json_options *o, const struct schema *schema,
		     struct json_reader **out, struct fmt_error *err);
void json_reader_free(struct json_reader *r);
const struct schema *json_reader_schema(const struct json_reader *r);
/* Clears b (made for json_reader_schema()) and fills up to b->cap rows:
 * the number of rows, 0 at the end, -1 on error. */
long json_reader_next(struct json_reader *r, struct batch *b, struct fmt_error *err);
int64_t json_reader_rows(const struct json_reader *r);
int64_t json_reader_bad_rows(const struct json_reader *r);

/* JSON Lines out: one object per row, keys in schema order, NULL as null
 * (or left out with omit_nulls); doubles that are NaN or infinite become
 * null (JSON has no such numbers); COL_JSON values are written as they are;
 * dates and timestamps as ISO strings, binary as hex strings. */
struct json_writer;
/* The writer (caller frees with json_writer_free) writes to sink (not
 * owned) rows of schema, which must outlive it. */
int json_writer_new(struct sink *sink, const struct schema *schema, bool omit_nulls, struct json_writer **out,
		    struct fmt_error *err);
int json_writer_write(struct json_writer *w, const struct batch *b, struct fmt_error *err);
int json_writer_finish(struct json_writer *w, struct fmt_error *err); /* flushes and finishes the sink */
void json_writer_free(struct json_writer *w);

#endif
