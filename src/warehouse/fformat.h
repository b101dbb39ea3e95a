/* fformat.h — a Snowflake file format (options as dialect.c validated them)
 * turned into reader options, with Snowflake's defaults:
 *   CSV: FIELD_DELIMITER ',' RECORD_DELIMITER newline, SKIP_HEADER 0,
 *        FIELD_OPTIONALLY_ENCLOSED_BY NONE, ESCAPE NONE,
 *        ESCAPE_UNENCLOSED_FIELD '\\', NULL_IF ('\N'), EMPTY_FIELD_AS_NULL
 *        TRUE, TRIM_SPACE FALSE, ERROR_ON_COLUMN_COUNT_MISMATCH TRUE,
 *        SKIP_BLANK_LINES FALSE, PARSE_HEADER FALSE, COMPRESSION AUTO.
 *   JSON: STRIP_OUTER_ARRAY FALSE.  PARQUET: BINARY_AS_TEXT TRUE.
 * What nuage's readers cannot do is refused here, with a message, rather
 * than half done: multi-byte delimiters, BZ2/BROTLI files, encodings other
 * than UTF-8.
 */
#ifndef NUAGE_WAREHOUSE_FFORMAT_H
#define NUAGE_WAREHOUSE_FFORMAT_H

#include <jansson.h>

#include "formats/csv.h"
#include "formats/json.h"
#include "formats/source.h"
#include "warehouse/wh.h"

#define FF_MAX_NULL_IF 64

struct ff {
	int type;                    /* FT_CSV, FT_JSON, FT_PARQUET */
	enum fmt_codec codec;
	struct csv_options csv;
	char record_delim;           /* CSV: 0 = newline; else a byte the source swaps with '\n' */
	bool parse_header;
	struct json_options json;
	bool binary_as_text;         /* PARQUET */
	bool trim_space;
	const char *null_if[FF_MAX_NULL_IF];
	int n_null_if;
	json_t *opts;                /* holds the strings the options point to */
};

/* opts may be NULL (CSV defaults). 0, or -1 with e filled. */
int ff_compile(const json_t *opts, struct ff *f, struct wh_err *e);
void ff_free(struct ff *f);

#endif
