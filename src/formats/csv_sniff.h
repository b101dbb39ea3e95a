/* csv_sniff.h — guesses a delimited file's dialect, header and column types
 * from a sample of its first bytes, in one of two modes:
 *
 *  CSV_SNIFF_GLUE: the rules of AWS Glue's built-in CSV classifier, for the
 *   crawler. Delimiters tried, in order: comma, pipe, tab, semicolon,
 *   Ctrl-A; quote '"'. It is CSV (certainty 1.0) only with at least two
 *   columns and two rows, every row with the same number of fields. The
 *   first row is a header when every field of it is a string (not a
 *   bigint, double or boolean), each but the last is under 150 characters
 *   and non-empty (the last may be empty if that column is empty
 *   throughout: a trailing delimiter), each is a valid Glue column name (no
 *   control characters but tab, valid UTF-8), and at least one column's
 *   data is not string. Types are bigint, double, boolean or string over
 *   trimmed values, empty values ignored. Header names are lower-cased (the
 *   Data Catalog stores them so); without a header, columns are col0,
 *   col1, ... (what crawlers name them; Glue's guide says col1, col2, but
 *   the catalog tables crawlers create start at col0).
 *
 *  CSV_SNIFF_ROBUST: for loading. Tries delimiters , \t | ; : Ctrl-A,
 *   quotes " ' or none, and backslash escapes; keeps the dialect under
 *   which the most records agree on the field count, then the most fields.
 *   Types: boolean (true/false), int64, decimal(p,s) when every value has
 *   the same number of fraction digits (money), double, date and timestamp
 *   in common formats (ISO, US and European orders, with optional time,
 *   fraction and offset), time, else string. NULL, null, \N, NA and N/A
 *   found in an otherwise typed column become NULL markers. The first row
 *   is a header when it does not fit the types of the rows below, or, when
 *   every column is a string, when its values are non-empty, distinct,
 *   none looks like a number or a date, and no later row repeats it.
 *
 * The sample is not modified. Unless `complete`, the sample is the start
 * of a longer input and its last, possibly cut, record is ignored.
 */
#ifndef NUAGE_FORMATS_CSV_SNIFF_H
#define NUAGE_FORMATS_CSV_SNIFF_H

#include "formats/batch.h"
#include "formats/csv.h"

#include <stdbool.h>
#include <stddef.h>

enum csv_sniff_mode { CSV_SNIFF_GLUE, CSV_SNIFF_ROBUST };

#define CSV_SNIFF_MAX_NULLS 5

struct csv_sniff {
	bool is_csv;        /* glue: the classifier matches (certainty 1.0); robust: a dialect was found */
	double certainty;   /* glue: 1.0 or 0.0 */
	char delim, quote, escape;
	bool header;
	bool quoted;        /* some field in the sample was quoted (Glue then picks OpenCSVSerDe) */
	int ncols;
	int64_t rows;       /* data rows in the sample */
	struct schema *schema;     /* names and types (glue: bigint -> int64, etc.) */
	const char **glue_types;   /* glue: "bigint" | "double" | "boolean" | "string" per column */
	const char **col_formats;  /* robust: date/timestamp format per column, NULL for others */
	const char *null_if[CSV_SNIFF_MAX_NULLS]; /* robust: NULL markers found */
	int n_null_if;
	char why[200];      /* when !is_csv: the reason */
};

/* What the caller already knows (robust mode only; Glue's rules are fixed):
 * delim 0 = unknown; quote -1 = unknown, 0 = none; header -1 = unknown. */
struct csv_sniff_hint {
	char delim;
	int quote;
	int header;
};

/* Fills out (caller frees its contents with csv_sniff_free, also on a
 * negative result). hint may be NULL. Returns 0 when a dialect was found,
 * -1 otherwise. */
int csv_sniff(const char *sample, size_t n, bool complete, enum csv_sniff_mode mode, const struct csv_sniff_hint *hint,
	      struct csv_sniff *out);
void csv_sniff_free(struct csv_sniff *s);

/* Sets delim, quote, escape, header, null_if and col_formats of o from s
 * (o then points into s: keep s alive while o is used). */
void csv_sniff_apply(const struct csv_sniff *s, struct csv_options *o);

#endif
