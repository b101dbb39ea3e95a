/* rsd.h — internals shared by the Redshift Data API service's files.
 *
 * Storage (nuage.db, component "redshift-data"):
 *   rsd_statements(id PK, account, region, caller, warehouse, cluster, workgroup, database, db_user,
 *                  secret_arn, name, is_batch, query (text, or a JSON array for batches), params JSON,
 *                  status, error, created, updated, duration_ns, result_rows, result_size, has_result,
 *                  query_id, with_event, client_token, session_id, result_format)
 *   rsd_subs(id, idx, query, status, error, created, updated, duration_ns, result_rows, result_size,
 *            has_result, query_id; PK (id, idx))     one row per statement of a batch
 *   rsd_results(id PK, columns JSON, rows, bytes)    id is "uuid" or "uuid:n"
 * Result rows live in DATA/warehouse-results/<id>.rows: one JSON array of
 * Field values per line (blobValue as base64), kept 24 hours like the
 * statements themselves.
 *
 * Status: SUBMITTED (accepted) -> STARTED (a pool worker took it) ->
 * FINISHED | FAILED | ABORTED (CancelStatement). A statement that was
 * SUBMITTED or STARTED when nuage stopped is FAILED at the next start.
 */
#ifndef NUAGE_SVC_REDSHIFT_DATA_RSD_H
#define NUAGE_SVC_REDSHIFT_DATA_RSD_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/call.h"

#define RSD_RETENTION_MS (24LL * 3600 * 1000)
#define RSD_MAX_SQL (100 * 1024)        /* bytes of SQL per statement */
#define RSD_MAX_RESULT (500LL << 20)     /* bytes of results per statement */
#define RSD_PAGE_BYTES (1 << 20)         /* GetStatementResult pages */
#define RSD_MAX_ACTIVE 500               /* statements submitted or started at once */

/* rsd_run.c: execution on the worker pool. */
struct rsd_job;
/* Takes a job for statement id (strings copied). sqls: one or more.
 * Returns 0 when queued, -1 when the pool is full. */
int rsd_submit(const char *id, const char *warehouse, const char *account, const char *region, const char *caller,
	       const char *const *sqls, int nsqls, bool batch, json_t *params, const char *session_id,
	       int keepalive_s, bool with_event);
/* Cancels a queued or running statement: 1 done, 0 not running. */
int rsd_cancel(const char *id);
int rsd_active(void);
/* Sessions: 1 exists (owned by account, not busy), 0 no, -1 busy. */
int rsd_session_check(const char *session_id, const char *account, char *warehouse, size_t n);
void rsd_run_start(const char *data_dir);
void rsd_run_stop(void);
/* Path of a statement's result rows. */
void rsd_result_path(const char *id, char *out, size_t n);
/* Forgets statements and results older than the retention. */
void rsd_purge(void);

/* rsd_catalog.c: ListDatabases, ListSchemas, ListTables, DescribeTable. */
int rsd_list_databases(struct call *c);
int rsd_list_schemas(struct call *c);
int rsd_list_tables(struct call *c);
int rsd_describe_table(struct call *c);

/* redshift_data.c: the warehouse a call names (ClusterIdentifier,
 * WorkgroupName or Database, else the default). NULL with the error set. */
struct wh;
struct wh *rsd_target(struct call *c);
/* NextToken values: opaque base64 of a byte offset and a row index. */
void rsd_make_token(char *out, size_t n, int64_t off, int64_t row);
int rsd_read_token(const char *tok, int64_t *off, int64_t *row);

#endif
