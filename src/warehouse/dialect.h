/* dialect.h — the Snowflake statements nuage owns, parsed into a tree;
 * every other statement is DL_OTHER and passes to the backend unchanged.
 *
 * Owned:
 *   CREATE [OR REPLACE] [TEMPORARY] FILE FORMAT [IF NOT EXISTS] n TYPE = CSV|JSON|PARQUET opts [COMMENT = '']
 *   ALTER FILE FORMAT [IF EXISTS] n SET opts | RENAME TO n2
 *   CREATE [OR REPLACE] [TEMPORARY] STAGE [IF NOT EXISTS] n URL = 's3://b/p/' [STORAGE_INTEGRATION = i]
 *       [CREDENTIALS = (...)] [ENCRYPTION = (...)] [FILE_FORMAT = (...)] [COPY_OPTIONS = (...)] [COMMENT = '']
 *   ALTER STAGE [IF EXISTS] n SET ... | RENAME TO n2
 *   CREATE [OR REPLACE] PIPE [IF NOT EXISTS] n [AUTO_INGEST = TRUE|FALSE] [AWS_SNS_TOPIC = '']
 *       [INTEGRATION = ''] [ERROR_INTEGRATION = i] [COMMENT = ''] AS COPY INTO ...
 *   ALTER PIPE [IF EXISTS] n SET PIPE_EXECUTION_PAUSED = TRUE|FALSE [COMMENT = ''] | UNSET COMMENT
 *       | REFRESH [PREFIX = ''] [MODIFIED_AFTER = '']
 *   DROP FILE FORMAT|STAGE|PIPE [IF EXISTS] n;  DESC[RIBE] FILE FORMAT|STAGE|PIPE n
 *   SHOW FILE FORMATS|STAGES|PIPES [LIKE ''] [IN ...]
 *   LIST|LS @stage[/path] [PATTERN = '']
 *   COPY INTO t [(cols)] FROM @stage[/path] | 's3://...' | (SELECT $1, $2:x ... FROM @stage)
 *       [FILES = ('a', ...)] [PATTERN = ''] [FILE_FORMAT = (...)] [copy options] [VALIDATION_MODE = ...]
 *   SELECT SYSTEM$PIPE_STATUS('name')
 *   SELECT ... FROM TABLE([db.]INFORMATION_SCHEMA.COPY_HISTORY(TABLE_NAME => '', START_TIME => t
 *       [, END_TIME => t])) ...   (the table function is replaced by a subquery, the rest passes on)
 *
 * Names of owned objects follow Snowflake: unquoted ones are upper-cased,
 * "quoted" ones kept as written; a db.schema. qualifier is accepted and
 * ignored (one namespace per warehouse). Options are kept as a JSON object
 * {"OPTION": value} (strings, integers, booleans, arrays of strings; NONE
 * as JSON null) after validation, so they can be stored, merged and shown.
 *
 * Errors read like Snowflake's: "SQL compilation error:\nsyntax error
 * line 1 at position 14 unexpected 'FORM'."
 */
#ifndef NUAGE_WAREHOUSE_DIALECT_H
#define NUAGE_WAREHOUSE_DIALECT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "warehouse/wh.h"

enum dl_kind {
	DL_OTHER,
	DL_CREATE_FORMAT,
	DL_ALTER_FORMAT,
	DL_DROP_FORMAT,
	DL_DESC_FORMAT,
	DL_SHOW_FORMATS,
	DL_CREATE_STAGE,
	DL_ALTER_STAGE,
	DL_DROP_STAGE,
	DL_DESC_STAGE,
	DL_SHOW_STAGES,
	DL_LIST,
	DL_CREATE_PIPE,
	DL_ALTER_PIPE,
	DL_DROP_PIPE,
	DL_DESC_PIPE,
	DL_SHOW_PIPES,
	DL_COPY,
	DL_PIPE_STATUS,
	DL_COPY_HISTORY,
};

/* File format types a format may name. */
enum dl_ftype { FT_CSV = 1, FT_JSON = 2, FT_PARQUET = 4 };

/* One item of a COPY transformation's select list: $N, or $N:path for
 * semi-structured sources (path as dotted member names). */
struct dl_select {
	int col;            /* 1-based source column */
	const char *path;   /* NULL, or "a.b" */
};

struct dl_copy {
	struct wh_tname table;
	int ncols;                  /* explicit target columns, 0 = all */
	struct wh_ident *cols;
	/* source: a named stage (stage + path) or a URL */
	const char *stage;          /* canonical stage name, or NULL */
	const char *path;           /* "" or "a/b/" after the stage */
	const char *url;            /* s3://bucket/prefix when loading from a location */
	int nselect;                /* transformation: 0 = none */
	struct dl_select *select;
	json_t *format;             /* inline FILE_FORMAT options (may hold FORMAT_NAME), or NULL */
	json_t *options;            /* copy options: ON_ERROR, SIZE_LIMIT, PURGE, FORCE, MATCH_BY_COLUMN_NAME,
				       FILES, PATTERN, VALIDATION_MODE, ... */
	size_t text_off, text_len;  /* the statement text (a pipe's definition) */
};

enum dl_alter_pipe { AP_SET, AP_UNSET_COMMENT, AP_REFRESH };

struct dl_stmt {
	enum dl_kind kind;
	struct arena arena;
	bool or_replace, if_not_exists, if_exists, temporary;
	const char *name;           /* canonical object name */
	const char *new_name;       /* RENAME TO */
	json_t *opts;               /* format options (FILE FORMAT), stage properties (STAGE), pipe settings */
	struct dl_copy copy;        /* COPY, CREATE PIPE */
	/* ALTER PIPE */
	enum dl_alter_pipe alter;
	const char *refresh_prefix;
	int64_t modified_after;     /* epoch ms, 0 = default (7 days) */
	/* SHOW ... LIKE */
	const char *like;
	/* LIST */
	const char *list_stage, *list_path, *list_pattern;
	/* SYSTEM$PIPE_STATUS */
	const char *pipe_arg;
	const char *column_label;
	/* COPY_HISTORY: the span of TABLE(...) to replace, and its arguments */
	size_t repl_off, repl_end;
	const char *history_table;
	int64_t history_start, history_end;
};

/* Parses one statement (no trailing text but an optional ';'). Returns 0
 * with st filled (DL_OTHER for statements nuage does not own), or -1 with
 * e filled. Free with dl_free even after an error. now_ms is "now" for
 * CURRENT_TIMESTAMP() in COPY_HISTORY arguments. */
int dl_parse(const char *sql, size_t len, int64_t now_ms, struct dl_stmt *st, struct wh_err *e);
void dl_free(struct dl_stmt *st);

/* Validation shared with the catalog: the format type in opts ("TYPE"). */
int dl_format_type(const json_t *opts);

/* Snowflake's canonical form of a name given in a string argument
 * ('my_pipe', '"Mixed"', 'db.schema.p'): unquoted upper-cased, quotes
 * removed, qualifiers dropped. Writes into out. */
void dl_canon_name(const char *in, char *out, size_t outlen);

#endif
