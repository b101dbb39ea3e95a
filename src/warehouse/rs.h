/* rs.h — result sets nuage makes itself (SHOW, DESC, COPY results,
 * SYSTEM$PIPE_STATUS), handed to a wh_sink exactly as a backend's rows
 * are, so every client sees one kind of result.
 *
 * Usage: rs_begin(names, types) once, then per row rs_*() per column and
 * rs_row(). Text values are copied into the builder until the row goes.
 */
#ifndef NUAGE_WAREHOUSE_RS_H
#define NUAGE_WAREHOUSE_RS_H

#include "core/buf.h"
#include "warehouse/wh.h"

#define RS_MAX_COLS 40

struct rs {
	const struct wh_sink *sink;
	int ncols;
	struct wh_column cols[RS_MAX_COLS];
	struct wh_value vals[RS_MAX_COLS];
	size_t offs[RS_MAX_COLS];
	struct buf text;
	int64_t rows;
	int failed;
};

/* types: "varchar", "int8", "bool", "float8", "timestamptz", "variant"...
 * Returns 0, or -1 when the sink refused. */
int rs_begin(struct rs *r, const struct wh_sink *sink, const char *const *names, const char *const *types, int n);
void rs_text(struct rs *r, int col, const char *s);      /* NULL -> NULL */
void rs_textn(struct rs *r, int col, const char *s, size_t n);
void rs_int(struct rs *r, int col, int64_t v);
void rs_bool(struct rs *r, int col, bool v);
void rs_null(struct rs *r, int col);
/* An epoch-ms time as Snowflake shows TIMESTAMP_LTZ (UTC): 2026-11-28 09:05:07.123 +0000; 0 -> NULL. */
void rs_time(struct rs *r, int col, int64_t ms);
int rs_row(struct rs *r);
void rs_end(struct rs *r);

#endif
