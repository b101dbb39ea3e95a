/* loadhist.h — load metadata and COPY history, kept INSIDE each warehouse
 * (table _nuage_load_history), so a file's rows and the record that it was
 * loaded commit in one backend transaction: a crash can never leave a file
 * loaded without its record, or recorded without its rows.
 *
 * What the records mean (Snowflake's rules):
 *  - bulk COPY: a file is "already loaded" into a table when a record with
 *    status LOADED or PARTIALLY_LOADED exists for (table, path, ETag) from
 *    the last 64 days; a changed file (new ETag) loads again.
 *  - pipes: a file is done for a pipe when any record exists for (pipe id,
 *    path) from the last 14 days, whatever its ETag or status; a unique
 *    index (where the backend has indexes) makes a second record impossible.
 *  - COPY_HISTORY shows the records of the last 14 days.
 * Times are epoch milliseconds.
 */
#ifndef NUAGE_WAREHOUSE_LOADHIST_H
#define NUAGE_WAREHOUSE_LOADHIST_H

#include "warehouse/wh.h"

#define LOADHIST_TABLE "_nuage_load_history"
#define LOADHIST_BULK_DAYS 64
#define LOADHIST_PIPE_DAYS 14
#define LOADHIST_DAY_MS (24LL * 3600 * 1000)

struct loadhist_row {
	const char *table_name;     /* canonical: "schema.table" (postgres) or "table" (sqlite) */
	const char *pipe_id;        /* "" for bulk COPY */
	const char *pipe_name;      /* "" for bulk COPY */
	const char *file_name;      /* path relative to the stage location */
	const char *file_url;       /* s3://bucket/key */
	const char *stage_location; /* s3://bucket/prefix/ */
	const char *etag;
	int64_t file_size;
	int64_t load_time;
	int64_t received_time;      /* pipes: when the notification arrived; 0 none */
	const char *status;         /* LOADED, LOAD_FAILED, PARTIALLY_LOADED */
	int64_t row_count, row_parsed, error_count, error_limit;
	const char *first_error;    /* NULL when none */
	int64_t first_error_line, first_error_char;
	const char *first_error_column;
};

/* Creates the table and its indexes if missing. */
int loadhist_ensure(struct wh_conn *c, struct wh_err *e);
/* Inside the caller's transaction. */
int loadhist_insert(struct wh_conn *c, const struct loadhist_row *r, struct wh_err *e);
/* 1 loaded already (bulk rules), 0 not, -1 error. */
int loadhist_bulk_seen(struct wh_conn *c, const char *table, const char *url, const char *etag, int64_t now,
		       struct wh_err *e);
/* 1 done already (pipe rules), 0 not, -1 error. */
int loadhist_pipe_seen(struct wh_conn *c, const char *pipe_id, const char *url, int64_t now, struct wh_err *e);
/* A table was dropped or created anew: its bulk-load records go with it
 * (a new table has loaded nothing, as on Snowflake). Pipe records stay:
 * they belong to the pipe. */
int loadhist_forget_table(struct wh_conn *c, const struct wh_tname *t, struct wh_err *e);
/* Forgets records past their retention. */
int loadhist_purge(struct wh_conn *c, int64_t now, struct wh_err *e);
/* The last file a pipe loaded and when (PIPE_STATUS): 1 found, 0 none. */
int loadhist_pipe_last(struct wh_conn *c, const char *pipe_id, char *path, size_t pathlen, int64_t *when,
		       int64_t *last_error_time, struct wh_err *e);

/* A SELECT over the records of `table` since `start` (and before `end`,
 * when end > 0), with Snowflake's COPY_HISTORY column names, as a subquery
 * text for the backend; the caller wraps it in parentheses and clamps
 * start to the 14 days of history. */
void loadhist_copy_history_sql(struct buf *b, const struct wh_conn *c, const char *table, int64_t start,
			       int64_t end);

#endif
