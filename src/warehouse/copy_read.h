/* copy_read.h — reads one staged file for COPY INTO: the right reader for
 * its format, mapped onto the target table's columns, with Snowflake's
 * error wording, yielding batches whose columns are the target columns in
 * load order (what a backend loader takes).
 *
 * Mappings (Snowflake's):
 *   CSV      by position (default), by header name (MATCH_BY_COLUMN_NAME
 *            with PARSE_HEADER), or a transformation's $N list.
 *   JSON     by member name (MATCH_BY_COLUMN_NAME), the whole record into
 *            a table of one column (VARIANT-like), or $1:path lists.
 *   PARQUET  by column name (MATCH_BY_COLUMN_NAME), the whole row as a JSON
 *            object into a table of one column, or $1:column lists.
 * A JSON or Parquet file into a table of several columns without one of
 * those is refused, as Snowflake refuses it.
 *
 * Rows that fail (conversion, column count, NOT NULL, VARCHAR(n) length)
 * are reported through on_error and left out (skip mask or never in the
 * batch); reading stops early when on_error asks (the caller's ON_ERROR
 * limit). A file that cannot be read on (broken gzip, unterminated quote)
 * ends with -1 and its error reported as one more error.
 */
#ifndef NUAGE_WAREHOUSE_COPY_READ_H
#define NUAGE_WAREHOUSE_COPY_READ_H

#include "formats/batch.h"
#include "warehouse/dialect.h"
#include "warehouse/fformat.h"
#include "warehouse/wh.h"

/* One rejected row, as VALIDATION_MODE = RETURN_ERRORS shows it. */
struct cr_error {
	const char *msg;          /* Snowflake's wording: Numeric value 'x' is not recognized */
	const char *file;
	int64_t line;             /* 1-based, 0 unknown */
	int64_t character;        /* 1-based field position in the record (see docs) */
	int64_t byte_offset;      /* of the record, -1 unknown */
	int64_t row;              /* 1-based record number in the file */
	const char *column;       /* "\"T\"[\"C\":2]" or "" */
	const char *category;     /* conversion | parsing */
	const char *code, *sqlstate;
};

/* Return non-zero to stop reading the file (an ON_ERROR limit reached). */
typedef int (*cr_error_fn)(void *ctx, const struct cr_error *e);

enum cr_match { CR_BY_POSITION, CR_BY_NAME_CS, CR_BY_NAME_CI };

struct cr_spec {
	const struct ff *ff;
	const struct wh_table *table;
	const int *target;        /* target columns (indexes into table), in load order */
	int ntarget;
	enum cr_match match;
	const struct dl_select *select; /* transformation, or NULL */
	int nselect;
	bool truncate;            /* TRUNCATECOLUMNS: cut over-long strings instead of failing */
	cr_error_fn on_error;
	void *ctx;
};

struct creader;

/* Opens the file whose body is blob (read straight from the store); name
 * is what errors call it. */
int cr_open(const struct cr_spec *spec, const char *blob, const char *name, struct creader **out, struct wh_err *e);
/* The next rows: *b belongs to the reader and stays valid until the call
 * after next (so one batch can be loaded while the next is read), *skip
 * marks rows to leave out (may be NULL). Returns the row count, 0 at
 * the end, -1 when the file cannot be read further (e filled; the error
 * was also reported through on_error). */
long cr_next(struct creader *r, const struct batch **b, const uint8_t **skip, struct wh_err *e);
/* Records seen so far, bad ones included (ROWS_PARSED). */
int64_t cr_rows_parsed(const struct creader *r);
void cr_close(struct creader *r);

#endif
