/* copy.h — COPY INTO <table>: Snowflake's bulk load from a stage or an
 * s3:// location in nuage's S3 into a warehouse table.
 *
 * What it does, in order: resolve the location (stage URL + path), the file
 * format (COPY's FILE_FORMAT, else the stage's, else CSV) and the copy
 * options (the stage's COPY_OPTIONS under the statement's); describe the
 * table; list the files (FILES, PATTERN); leave out files the load
 * metadata says are loaded (unless FORCE) and stop past SIZE_LIMIT; then
 * load each file inside a savepoint of ONE transaction with its history
 * record (loadhist.h), applying ON_ERROR; commit; PURGE.
 *
 * Invariants (exactly-once):
 *  1. A file's rows and its load-history record are in the same backend
 *     transaction; the metadata check runs inside that transaction.
 *  2. ABORT_STATEMENT undoes every file of the statement.
 *  3. A pipe load (pipe != NULL) is one file in its own transaction, and
 *     its record is keyed by the pipe's id and the file's path.
 */
#ifndef NUAGE_WAREHOUSE_COPY_H
#define NUAGE_WAREHOUSE_COPY_H

#include "warehouse/dialect.h"
#include "warehouse/exec.h"
#include "warehouse/objects.h"

/* A pipe's load of one file. */
struct copy_pipe {
	const char *id, *name;
	const char *bucket;
	const struct wh_object *file;
	int64_t received;         /* when its notification came */
	/* out: */
	char status[24];          /* LOADED, LOAD_FAILED, PARTIALLY_LOADED, LOAD_SKIPPED (done before), "" */
	int64_t rows_loaded;
	char first_error[512];
};

int copy_run(struct wh_session *s, const struct dl_copy *c, struct copy_pipe *pipe, const struct wh_sink *sink,
	     struct wh_status *st, struct wh_err *e);

#endif
