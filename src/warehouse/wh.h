/* wh.h — warehouses: one interface, several backends (DESIGN.md, "Warehouse").
 *
 * A warehouse is configured by URL and named (config.h, --warehouse):
 *   sqlite:PATH                the embedded default (warehouse.db in the data
 *                              directory, open-able with the sqlite3 shell)
 *   postgres://... postgresql://...   PostgreSQL through libpq
 *   redshift://...             Redshift through libpq (same wire protocol;
 *                              it cannot COPY FROM STDIN, so loads are
 *                              batched multi-row INSERTs)
 * Each backend is a method table (after curl's vtls): open, exec with typed
 * result rows, transactions, describe a table, bulk load from struct batch,
 * interrupt. Everything above (dialect.c, copy.c, pipe.c, the Data API)
 * speaks only this interface.
 *
 * Invariants:
 *  1. A connection is used by one thread at a time: wh_acquire hands it out,
 *     wh_release takes it back (closing it when it was marked broken or a
 *     transaction was left open).
 *  2. Every warehouse has the load-history table (loadhist.c) before any
 *     connection is handed out: COPY writes its rows and its history row in
 *     one backend transaction (exactly-once).
 *  3. Result values handed to a sink are valid only during that call.
 */
#ifndef NUAGE_WAREHOUSE_WH_H
#define NUAGE_WAREHOUSE_WH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/batch.h"

struct config;

/* ------------------------------------------------------------ values */

/* How a result cell arrives. */
enum wh_kind { WH_NULL, WH_BOOL, WH_INT, WH_DOUBLE, WH_TEXT, WH_BLOB };

struct wh_value {
	enum wh_kind kind;
	int64_t i;          /* WH_BOOL (0/1), WH_INT */
	double d;           /* WH_DOUBLE */
	const char *p;      /* WH_TEXT, WH_BLOB */
	size_t n;
};

#define WH_NAME_MAX 128

/* A result column, described as the Redshift Data API's ColumnMetadata. */
struct wh_column {
	char name[WH_NAME_MAX];
	char type_name[48];   /* int8, int4, float8, numeric, varchar, bool, date, timestamp, ... */
	enum wh_kind kind;    /* how its values come; WH_NULL when unknown until rows arrive */
	int nullable;         /* JDBC convention: 0 no nulls, 1 nullable, 2 unknown */
	int precision, scale, length;
	bool is_signed;
	char table_name[WH_NAME_MAX];
	char schema_name[WH_NAME_MAX];
};

/* Receives a statement's result set: columns once, then each row. Either
 * callback may return non-zero to stop (the statement then fails with the
 * error the sink put in its own state). */
struct wh_sink {
	int (*columns)(void *ctx, const struct wh_column *cols, int n);
	int (*row)(void *ctx, const struct wh_value *vals, int n);
	void *ctx;
};

struct wh_status {
	bool has_result_set;
	int64_t rows;       /* rows returned, or rows affected by DML */
};

/* Errors: sqlstate as the backend reports it (or nuage's own), and a
 * message a person understands. */
struct wh_err {
	char sqlstate[6];
	char msg[2048];
};

void wh_err_set(struct wh_err *e, const char *sqlstate, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------------ tables */

/* A (possibly qualified) table name as written: each part keeps whether it
 * was quoted, so backends fold case the way they do. */
struct wh_ident {
	char text[WH_NAME_MAX];
	bool quoted;
};
struct wh_tname {
	struct wh_ident schema; /* text "" when absent */
	struct wh_ident table;
};

/* A column of a table being loaded. */
struct wh_tcol {
	char name[WH_NAME_MAX];   /* as the backend stores it */
	char decl[64];            /* declared type as the backend shows it */
	struct field type;        /* what a reader should produce for it (name: NULL) */
	int max_chars;            /* VARCHAR(n)/CHAR(n): n; 0 unlimited */
	bool not_null;
	bool has_default;
};

#define WH_MAX_COLS 1600

struct wh_table {
	char schema[WH_NAME_MAX]; /* resolved, "" for sqlite's main */
	char name[WH_NAME_MAX];
	int ncols;
	struct wh_tcol *cols;     /* caller frees with wh_table_free */
};
void wh_table_free(struct wh_table *t);
int wh_table_find(const struct wh_table *t, const char *name, bool case_insensitive);

/* Maps a declared column type (SQLite's or PostgreSQL's spelling) to the
 * batch type a reader should produce, with VARCHAR(n) limits. */
void wh_type_from_decl(const char *decl, struct field *f, int *max_chars);

/* ------------------------------------------------------------ backends */

struct wh_loader;

/* A row the backend refused (constraint, type): row is its index in the
 * batch. Return 0 to go on without it, non-zero to fail the load. */
typedef int (*wh_row_error_fn)(void *ctx, size_t row, const char *msg);

struct wh_backend {
	const char *name;          /* "sqlite", "postgres", "redshift" */
	/* Opens a connection for url; *out is the backend's handle. */
	int (*open)(const char *url, void **out, struct wh_err *e);
	void (*close)(void *c);
	/* Runs one statement. params are text values bound to $1..$n (the
	 * caller rewrote :name placeholders); result rows go to sink (may be
	 * NULL when none are wanted). */
	int (*exec)(void *c, const char *sql, const char *const *params, int nparams, const struct wh_sink *sink,
		    struct wh_status *st, struct wh_err *e);
	/* Cancels what c is running, from another thread. */
	void (*interrupt)(void *c);
	/* Columns of a table, in order. -1 with "42P01" when it does not exist. */
	int (*describe)(void *c, const struct wh_tname *t, struct wh_table *out, struct wh_err *e);
	/* Bulk load into cols (indexes into t) of t: rows of b are the columns
	 * in that order; rows whose skip[] byte is set are left out. Inside the
	 * caller's transaction. A backend that can tell which row it refused
	 * reports it through on_error (when set) and goes on; otherwise the
	 * whole batch fails. */
	int (*load_open)(void *c, const struct wh_table *t, const int *cols, int ncols, wh_row_error_fn on_error,
			 void *ctx, struct wh_loader **out, struct wh_err *e);
	int (*load_batch)(struct wh_loader *l, const struct batch *b, const uint8_t *skip, struct wh_err *e);
	/* Finishes (ok) or abandons the load; returns rows loaded or -1. */
	int64_t (*load_close)(struct wh_loader *l, bool ok, struct wh_err *e);
	/* SQL this backend needs for catalog listings (Data API ListTables...). */
	const char *placeholder;   /* "?" (sqlite numbered ?N) or "$" (libpq $N) */
	bool transactional_ddl;
};

extern const struct wh_backend wh_backend_sqlite;
extern const struct wh_backend wh_backend_postgres;
extern const struct wh_backend wh_backend_redshift;

/* ------------------------------------------------------------ registry */

struct wh;          /* a configured warehouse */

struct wh_conn {
	struct wh *wh;
	const struct wh_backend *be;
	void *impl;
	bool broken;        /* close instead of pooling on release */
	bool in_txn;
	struct wh_conn *next_free;
};

/* Opens every configured warehouse (adding the embedded `dev` when none is
 * named dev... see wh.c), creating load-history tables. A PostgreSQL
 * server that is down does not stop nuage: its statements fail until it is
 * back. 0 or -1 (bad URL, unusable sqlite file). */
int wh_start(const struct config *cfg);
void wh_stop(void);
/* Runs the periodic maintenance now (checkpoints, history retention). */
void wh_maintain_now(void);

struct wh *wh_find(const char *name);
struct wh *wh_default(void);
int wh_count(void);
struct wh *wh_at(int i);
const char *wh_name(const struct wh *w);
const struct wh_backend *wh_backend_of(const struct wh *w);
const char *wh_database(const struct wh *w);  /* the database it connects to ("dev" for sqlite) */
const char *wh_data_dir(void);

/* A connection to w (pooled). -1 with e filled when the backend cannot be
 * reached. */
int wh_acquire(struct wh *w, struct wh_conn **out, struct wh_err *e);
void wh_release(struct wh_conn *c);

/* Convenience wrappers over the method table. */
int wh_exec(struct wh_conn *c, const char *sql, const struct wh_sink *sink, struct wh_status *st, struct wh_err *e);
int wh_exec_params(struct wh_conn *c, const char *sql, const char *const *params, int n, const struct wh_sink *sink,
		   struct wh_status *st, struct wh_err *e);
int wh_begin(struct wh_conn *c, struct wh_err *e);
int wh_commit(struct wh_conn *c, struct wh_err *e);
void wh_rollback(struct wh_conn *c);
/* Savepoints (both backends spell them the same). */
int wh_savepoint(struct wh_conn *c, const char *name, struct wh_err *e);
int wh_release_savepoint(struct wh_conn *c, const char *name, struct wh_err *e);
int wh_rollback_to(struct wh_conn *c, const char *name, struct wh_err *e);

/* Appends s as an SQL string literal ('it''s') / identifier ("a""b"). */
struct buf;
void wh_quote_literal(struct buf *b, const char *s);
void wh_quote_ident(struct buf *b, const char *s);
/* Appends a table name as the backend should see it. */
void wh_append_tname(struct buf *b, const struct wh_tname *t);

#endif
