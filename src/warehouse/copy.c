/* copy.c — see copy.h.
 *
 * State of one COPY statement (struct job) and of one file (struct fstate);
 * the per-file flow is
 *
 *   SAVEPOINT f -> open reader -> open loader -> batches ... -> close loader
 *     -> decide status (ON_ERROR) -> [ROLLBACK TO f if LOAD_FAILED]
 *     -> RELEASE f -> history record
 *
 * and ABORT_STATEMENT rolls the whole statement back, then records the
 * failed file in a transaction of its own so COPY_HISTORY shows it.
 *
 * Error limits (Snowflake's): ABORT_STATEMENT and SKIP_FILE stop at the
 * first error; SKIP_FILE_n at n errors; SKIP_FILE_n% once the file is read
 * (errors / rows parsed > n%); CONTINUE never. ERROR_LIMIT in the result is
 * 1, 1, n, the count n% allows, and ROWS_PARSED for CONTINUE.
 */
#include "warehouse/copy.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "warehouse/catalog.h"
#include "warehouse/copy_read.h"
#include "warehouse/fformat.h"
#include "warehouse/loadhist.h"
#include "warehouse/rs.h"
#include "formats/fmt_text.h"
#include "formats/timefmt.h"

#include <math.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define COPY_MAX_ERRORS_KEPT 100000
#define COPY_PATTERN_MAX 1000

enum on_error { OE_ABORT, OE_CONTINUE, OE_SKIP, OE_SKIP_N, OE_SKIP_PCT };
enum vmode { VM_NONE, VM_ROWS, VM_ERRORS };

struct kept_error {
	char *msg, *file, *column;
	int64_t line, character, offset, row;
	const char *category, *code, *sqlstate;
};

struct file_result {
	char *url, *name;
	const char *status;
	int64_t parsed, loaded, limit, errors;
	char *first;
	int64_t first_line, first_char;
	char *first_col;
	int64_t size;
	char etag[80];
};

struct job {
	struct wh_session *s;
	const struct dl_copy *c;
	struct copy_pipe *pipe;
	struct ff ff;
	json_t *opts;
	enum on_error on_error;
	int64_t skip_n;
	double skip_pct;
	int64_t size_limit;
	bool purge, force, failed_only, truncate;
	enum cr_match match;
	enum vmode vmode;
	int64_t vrows;
	regex_t re;
	bool have_re;
	char *bucket, *prefix;      /* where files are listed: stage prefix + path */
	char *stage_prefix;         /* the stage URL's own prefix (FILE_NAME is relative to it) */
	char *stage_location;       /* s3://bucket/stage_prefix */
	char owner[16];             /* account whose buckets the stage reads */
	struct wh_table table;
	int *target;
	int ntarget;
	char table_key[2 * WH_NAME_MAX + 2];
	struct file_result *res;
	int nres, capres;
	struct kept_error *errs;
	int nerrs, caperrs;
	struct rs vr;               /* VALIDATION_MODE = RETURN_n_ROWS: the rows so far */
	bool vr_started;
	int64_t vleft;
	const struct wh_sink *sink;
};

struct fstate {
	struct job *j;
	pthread_mutex_t mu;       /* errors come from the reader thread and the loader */
	int64_t errors, stop_at;
	bool have_first;
	char first[1024];
	int64_t first_line, first_char, first_row;
	char first_col[WH_NAME_MAX * 2 + 32];
};

/* ------------------------------------------------------------ options */

static int resolve_options(struct job *j, json_t *stage_opts, struct wh_err *e)
{
	j->opts = json_object();
	if (json_is_object(stage_opts))
		json_object_update(j->opts, stage_opts);
	json_object_update(j->opts, j->c->options);
	const char *oe = json_string_value(json_object_get(j->opts, "ON_ERROR"));
	if (!oe)
		oe = j->pipe ? "SKIP_FILE" : "ABORT_STATEMENT";
	if (!strcasecmp(oe, "ABORT_STATEMENT"))
		j->on_error = OE_ABORT;
	else if (!strcasecmp(oe, "CONTINUE"))
		j->on_error = OE_CONTINUE;
	else if (!strcasecmp(oe, "SKIP_FILE"))
		j->on_error = OE_SKIP;
	else {
		const char *num = oe + 10; /* SKIP_FILE_ */
		char *end;
		double v = strtod(num, &end);
		if (*end == '%') {
			j->on_error = OE_SKIP_PCT;
			j->skip_pct = v;
		} else {
			j->on_error = OE_SKIP_N;
			j->skip_n = (int64_t)v < 1 ? 1 : (int64_t)v;
		}
	}
	json_t *v = json_object_get(j->opts, "SIZE_LIMIT");
	j->size_limit = json_is_integer(v) ? json_integer_value(v) : 0;
	j->purge = json_is_true(json_object_get(j->opts, "PURGE"));
	j->force = json_is_true(json_object_get(j->opts, "FORCE"));
	j->failed_only = json_is_true(json_object_get(j->opts, "RETURN_FAILED_ONLY"));
	j->truncate = json_is_true(json_object_get(j->opts, "TRUNCATECOLUMNS")) ||
		      json_is_false(json_object_get(j->opts, "ENFORCE_LENGTH"));
	const char *m = json_string_value(json_object_get(j->opts, "MATCH_BY_COLUMN_NAME"));
	j->match = !m || !strcasecmp(m, "NONE") ? CR_BY_POSITION
		   : !strcasecmp(m, "CASE_SENSITIVE") ? CR_BY_NAME_CS
						       : CR_BY_NAME_CI;
	const char *vm = json_string_value(json_object_get(j->opts, "VALIDATION_MODE"));
	if (vm) {
		if (!strcasecmp(vm, "RETURN_ERRORS") || !strcasecmp(vm, "RETURN_ALL_ERRORS")) {
			j->vmode = VM_ERRORS;
		} else {
			j->vmode = VM_ROWS;
			j->vrows = strtoll(vm + 7, NULL, 10);
			j->vleft = j->vrows;
		}
	}
	const char *pat = json_string_value(json_object_get(j->opts, "PATTERN"));
	if (pat) {
		if (strlen(pat) > COPY_PATTERN_MAX) {
			wh_err_set(e, "2201B", "PATTERN is longer than %d characters", COPY_PATTERN_MAX);
			return -1;
		}
		/* Anchored: the whole path must match, as Snowflake's does. No
		 * back-references: they make matching exponential. */
		for (const char *p = pat; *p; p++)
			if (p[0] == '\\' && p[1] >= '1' && p[1] <= '9') {
				wh_err_set(e, "2201B", "Invalid regular expression '%s': back-references are not supported", pat);
				return -1;
			}
		struct buf re;
		buf_init(&re, COPY_PATTERN_MAX + 16);
		buf_addf(&re, "^(%s)$", pat);
		int rc = regcomp(&j->re, buf_str(&re), REG_EXTENDED | REG_NOSUB);
		buf_free(&re);
		if (rc) {
			char why[200];
			regerror(rc, &j->re, why, sizeof why);
			regfree(&j->re);
			wh_err_set(e, "2201B", "Invalid regular expression '%s': %s", pat, why);
			return -1;
		}
		j->have_re = true;
	}
	if (j->match != CR_BY_POSITION && j->c->ncols) {
		wh_err_set(e, "42601", "SQL compilation error:\nMATCH_BY_COLUMN_NAME cannot be used with a column list");
		return -1;
	}
	if (j->match != CR_BY_POSITION && j->c->nselect) {
		wh_err_set(e, "42601",
			   "SQL compilation error:\nMATCH_BY_COLUMN_NAME cannot be used with a COPY transformation");
		return -1;
	}
	return 0;
}

/* The file format: COPY's own (inline or FORMAT_NAME), else the stage's. */
static int resolve_format(struct job *j, const json_t *stage_fmt, struct wh_err *e)
{
	const json_t *f = j->c->format ? j->c->format : stage_fmt;
	json_t *named = NULL;
	const char *fname = json_string_value(json_object_get(f, "FORMAT_NAME"));
	if (fname) {
		char canon[WH_NAME_MAX];
		dl_canon_name(fname, canon, sizeof canon);
		struct cat_obj o;
		int rc = cat_get(wh_name(j->s->wh), CAT_FORMAT, canon, &o, e);
		if (rc <= 0)
			return rc < 0 ? -1 : cat_missing(e, CAT_FORMAT, canon);
		named = json_incref(o.body);
		cat_obj_free(&o);
		f = named;
	}
	int rc = ff_compile(f, &j->ff, e);
	json_decref(named);
	if (rc)
		return -1;
	if (j->match != CR_BY_POSITION && j->ff.type == FT_CSV && !j->ff.parse_header) {
		wh_err_set(e, "0A000",
			   "SQL compilation error:\nMATCH_BY_COLUMN_NAME on CSV files needs the file format option "
			   "PARSE_HEADER = TRUE");
		return -1;
	}
	return 0;
}

static int resolve_location(struct job *j, json_t **stage_fmt, json_t **stage_opts, struct wh_err *e)
{
	const char *url;
	struct cat_obj st;
	memset(&st, 0, sizeof st);
	char *owned_url = NULL;
	if (j->c->stage) {
		int rc = cat_get(wh_name(j->s->wh), CAT_STAGE, j->c->stage, &st, e);
		if (rc <= 0)
			return rc < 0 ? -1 : cat_missing(e, CAT_STAGE, j->c->stage);
		url = json_string_value(json_object_get(st.body, "URL"));
		*stage_fmt = json_incref(json_object_get(st.body, "FILE_FORMAT"));
		*stage_opts = json_incref(json_object_get(st.body, "COPY_OPTIONS"));
		snprintf(j->owner, sizeof j->owner, "%s", st.owner);
		owned_url = xstrdup(url ? url : "");
		cat_obj_free(&st);
		url = owned_url;
	} else {
		url = j->c->url;
		snprintf(j->owner, sizeof j->owner, "%s", j->s->account);
	}
	int rc = 0;
	if (obj_parse_url(url, &j->bucket, &j->stage_prefix)) {
		wh_err_set(e, "22023", "invalid location '%s': want s3://bucket/path/", url);
		rc = -1;
		goto out;
	}
	size_t n = strlen(j->stage_prefix) + strlen(j->c->path ? j->c->path : "") + 2;
	j->prefix = xmalloc(n);
	snprintf(j->prefix, n, "%s%s%s", j->stage_prefix,
		 j->stage_prefix[0] && j->c->path && j->c->path[0] && j->stage_prefix[strlen(j->stage_prefix) - 1] != '/'
			 ? "/"
			 : "",
		 j->c->path ? j->c->path : "");
	n = strlen(j->bucket) + strlen(j->stage_prefix) + 8;
	j->stage_location = xmalloc(n);
	snprintf(j->stage_location, n, "s3://%s/%s", j->bucket, j->stage_prefix);
	rc = obj_bucket_check(j->bucket, j->owner, e);
out:
	free(owned_url);
	return rc;
}

/* ------------------------------------------------------------ table */

static int resolve_table(struct job *j, struct wh_err *e)
{
	struct wh_conn *conn = j->s->conn;
	if (conn->be->describe(conn->impl, &j->c->table, &j->table, e)) {
		if (!strcmp(e->sqlstate, "42P01") || strstr(e->msg, "does not exist")) {
			char shown[WH_NAME_MAX * 2 + 2];
			snprintf(shown, sizeof shown, "%s%s%s", j->c->table.schema.text, j->c->table.schema.text[0] ? "." : "",
				 j->c->table.table.text);
			for (char *p = shown; *p; p++)
				if (!j->c->table.table.quoted && *p >= 'a' && *p <= 'z')
					*p = (char)(*p - 32);
			wh_err_set(e, "42S02", "SQL compilation error:\nTable '%s' does not exist or not authorized.", shown);
		}
		return -1;
	}
	snprintf(j->table_key, sizeof j->table_key, "%s%s%s", j->table.schema, j->table.schema[0] ? "." : "",
		 j->table.name);
	int n = j->c->ncols ? j->c->ncols : j->table.ncols;
	j->target = xcalloc((size_t)n, sizeof *j->target);
	for (int i = 0; i < n; i++) {
		if (!j->c->ncols) {
			j->target[i] = i;
			continue;
		}
		const struct wh_ident *id = &j->c->cols[i];
		int k = wh_table_find(&j->table, id->text, !id->quoted);
		if (k < 0) {
			char shown[WH_NAME_MAX];
			snprintf(shown, sizeof shown, "%s", id->text);
			for (char *p = shown; !id->quoted && *p; p++)
				*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
			wh_err_set(e, "42703", "SQL compilation error:\ninvalid identifier '%s'", shown);
			return -1;
		}
		j->target[i] = k;
	}
	j->ntarget = n;
	if (j->c->nselect && j->c->nselect != n) {
		wh_err_set(e, "42601",
			   "SQL compilation error:\nInsert value list does not match column list expecting %d but got %d", n,
			   j->c->nselect);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ errors */

static int on_row_error(void *ctx, const struct cr_error *ce)
{
	struct fstate *f = ctx;
	struct job *j = f->j;
	/* RETURN_n_ROWS validates the first n rows only. */
	if (j->vmode == VM_ROWS && ce->row > j->vrows)
		return 1;
	pthread_mutex_lock(&f->mu);
	f->errors++;
	if (!f->have_first) {
		f->have_first = true;
		snprintf(f->first, sizeof f->first, "%s", ce->msg);
		f->first_line = ce->line;
		f->first_char = ce->character;
		f->first_row = ce->row;
		snprintf(f->first_col, sizeof f->first_col, "%s", ce->column ? ce->column : "");
	}
	if (j->vmode == VM_ERRORS && j->nerrs < COPY_MAX_ERRORS_KEPT) {
		if (j->nerrs == j->caperrs) {
			j->caperrs = j->caperrs ? j->caperrs * 2 : 64;
			j->errs = xrealloc(j->errs, sizeof *j->errs * (size_t)j->caperrs);
		}
		struct kept_error *k = &j->errs[j->nerrs++];
		k->msg = xstrdup(ce->msg);
		k->file = xstrdup(ce->file);
		k->column = xstrdup(ce->column ? ce->column : "");
		k->line = ce->line;
		k->character = ce->character;
		k->offset = ce->byte_offset;
		k->row = ce->row;
		k->category = ce->category;
		k->code = ce->code;
		k->sqlstate = ce->sqlstate;
	}
	int stop = f->errors >= f->stop_at;
	pthread_mutex_unlock(&f->mu);
	return stop;
}

/* A row the backend refused (SQLite constraints). */
static int on_backend_row(void *ctx, size_t row, const char *msg)
{
	(void)row;
	struct cr_error ce = {.msg = msg, .file = "", .category = "conversion", .code = "100072", .sqlstate = "22000"};
	return on_row_error(ctx, &ce);
}

static void add_result(struct job *j, const struct wh_object *o, const char *name, const char *status,
		       const struct fstate *f, int64_t parsed, int64_t loaded, int64_t limit)
{
	if (j->nres == j->capres) {
		j->capres = j->capres ? j->capres * 2 : 16;
		j->res = xrealloc(j->res, sizeof *j->res * (size_t)j->capres);
	}
	struct file_result *r = &j->res[j->nres++];
	memset(r, 0, sizeof *r);
	size_t n = strlen(j->bucket) + strlen(o->key) + 8;
	r->url = xmalloc(n);
	snprintf(r->url, n, "s3://%s/%s", j->bucket, o->key);
	r->name = xstrdup(name);
	r->status = status;
	r->parsed = parsed;
	r->loaded = loaded;
	r->limit = limit;
	r->errors = f->errors;
	r->size = o->size;
	snprintf(r->etag, sizeof r->etag, "%s", o->etag);
	if (f->have_first) {
		r->first = xstrdup(f->first);
		r->first_line = f->first_line;
		r->first_char = f->first_char;
		r->first_col = xstrdup(f->first_col);
	}
}

static void free_job(struct job *j)
{
	if (j->vr_started)
		rs_end(&j->vr);
	ff_free(&j->ff);
	json_decref(j->opts);
	if (j->have_re)
		regfree(&j->re);
	free(j->bucket);
	free(j->prefix);
	free(j->stage_prefix);
	free(j->stage_location);
	wh_table_free(&j->table);
	free(j->target);
	for (int i = 0; i < j->nres; i++) {
		free(j->res[i].url);
		free(j->res[i].name);
		free(j->res[i].first);
		free(j->res[i].first_col);
	}
	free(j->res);
	for (int i = 0; i < j->nerrs; i++) {
		free(j->errs[i].msg);
		free(j->errs[i].file);
		free(j->errs[i].column);
	}
	free(j->errs);
}

/* The statement error ABORT_STATEMENT gives, in Snowflake's layout. */
static void abort_message(struct wh_err *e, const struct fstate *f, const char *file)
{
	wh_err_set(e, "22000",
		   "%s\n  File '%s', line %lld, character %lld\n  Row %lld%s%s\n  If you would like to continue loading "
		   "when an error is encountered, use other values such as 'SKIP_FILE' or 'CONTINUE' for the ON_ERROR "
		   "option. For more information on loading options, please run 'info loading_data' in a SQL client.",
		   f->first, file, (long long)f->first_line, (long long)f->first_char, (long long)f->first_row,
		   f->first_col[0] ? ", column " : "", f->first_col);
}

/* ------------------------------------------------------------ the read-ahead */

/* A big file is read (decompressed, parsed, checked) on a thread of its
 * own while the loader sends the previous batch to the backend: the two
 * halves of a load take about as long as each other, so this nearly
 * halves its time. The reader keeps two batches (copy_read.h), hence at
 * most two outstanding here. */
#define READAHEAD_MIN_BYTES (1 << 20)

struct readahead {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct creader *r;
	const struct batch *b[2];
	const uint8_t *skip[2];
	int head, ready, outstanding;
	bool eof, failed, stop;
	struct wh_err err;
	pthread_t th;
};

static void *readahead_main(void *arg)
{
	struct readahead *ra = arg;
	for (;;) {
		pthread_mutex_lock(&ra->mu);
		while (ra->outstanding >= 2 && !ra->stop)
			pthread_cond_wait(&ra->cv, &ra->mu);
		bool stop = ra->stop;
		pthread_mutex_unlock(&ra->mu);
		if (stop)
			break;
		const struct batch *b;
		const uint8_t *skip;
		struct wh_err e;
		long n = cr_next(ra->r, &b, &skip, &e);
		pthread_mutex_lock(&ra->mu);
		if (n <= 0) {
			ra->eof = true;
			if (n < 0) {
				ra->failed = true;
				ra->err = e;
			}
			pthread_cond_broadcast(&ra->cv);
			pthread_mutex_unlock(&ra->mu);
			break;
		}
		int slot = (ra->head + ra->ready) % 2;
		ra->b[slot] = b;
		ra->skip[slot] = skip;
		ra->ready++;
		ra->outstanding++;
		pthread_cond_broadcast(&ra->cv);
		pthread_mutex_unlock(&ra->mu);
	}
	return NULL;
}

/* The next batch from the read-ahead (after releasing the previous one):
 * rows, 0 at the end, -1 when reading failed. */
static long readahead_next(struct readahead *ra, bool release, const struct batch **b, const uint8_t **skip,
			   struct wh_err *e)
{
	pthread_mutex_lock(&ra->mu);
	if (release) {
		ra->outstanding--;
		pthread_cond_broadcast(&ra->cv);
	}
	while (!ra->ready && !ra->eof)
		pthread_cond_wait(&ra->cv, &ra->mu);
	long n = 0;
	if (ra->ready) {
		*b = ra->b[ra->head];
		*skip = ra->skip[ra->head];
		ra->head = (ra->head + 1) % 2;
		ra->ready--;
		n = (long)(*b)->nrows;
	} else if (ra->failed) {
		*e = ra->err;
		n = -1;
	}
	pthread_mutex_unlock(&ra->mu);
	return n;
}

static void readahead_stop(struct readahead *ra)
{
	pthread_mutex_lock(&ra->mu);
	ra->stop = true;
	pthread_cond_broadcast(&ra->cv);
	pthread_mutex_unlock(&ra->mu);
	pthread_join(ra->th, NULL);
	pthread_cond_destroy(&ra->cv);
	pthread_mutex_destroy(&ra->mu);
}

/* ------------------------------------------------------------ one file */

/* Path of a file relative to the stage location (COPY_HISTORY FILE_NAME). */
static const char *rel_name(const struct job *j, const char *key)
{
	size_t n = strlen(j->stage_prefix);
	return !strncmp(key, j->stage_prefix, n) ? key + n : key;
}

static bool cancelled(const struct job *j)
{
	return j->s->cancel && *j->s->cancel;
}

enum { FILE_DONE = 0, FILE_ABORT = -1, FILE_FAIL = -2 };

/* VALIDATION_MODE = RETURN_n_ROWS: rows go to the client as the table would
 * hold them, nothing is loaded. */
static int validation_rows(struct job *j, const struct batch *b, const uint8_t *skip)
{
	if (!j->vr_started) {
		const char *names[RS_MAX_COLS], *types[RS_MAX_COLS];
		int nc = j->ntarget < RS_MAX_COLS ? j->ntarget : RS_MAX_COLS;
		for (int i = 0; i < nc; i++) {
			const struct wh_tcol *tc = &j->table.cols[j->target[i]];
			enum col_type t = tc->type.type;
			names[i] = tc->name;
			types[i] = t == COL_INT64 || t == COL_INT32 ? "int8" : t == COL_BOOL ? "bool"
							      : t == COL_DOUBLE	 ? "float8"
										 : "varchar";
		}
		if (rs_begin(&j->vr, j->sink, names, types, nc))
			return -1;
		j->vr_started = true;
	}
	struct tf_format iso;
	tf_compile(NULL, &iso, NULL, 0);
	struct buf scratch;
	buf_init(&scratch, 64u << 20);
	int rc = 0;
	for (size_t k = 0; k < b->nrows && j->vleft > 0 && !rc; k++) {
		if (skip && skip[k])
			continue;
		for (int i = 0; i < j->vr.ncols; i++) {
			const struct column *c = &b->cols[i];
			if (!col_is_valid(c, k)) {
				rs_null(&j->vr, i);
			} else if (c->type == COL_INT64 || c->type == COL_INT32) {
				rs_int(&j->vr, i, c->type == COL_INT64 ? c->v.i64[k] : c->v.i32[k]);
			} else if (c->type == COL_BOOL) {
				rs_bool(&j->vr, i, c->v.u8[k]);
			} else {
				char tmp[FMT_CELL_TMP];
				size_t n;
				const char *p = fmt_cell(c, &b->schema->fields[i], k, &iso, &iso, tmp, &scratch, &n);
				rs_textn(&j->vr, i, p, n);
			}
		}
		rc = rs_row(&j->vr);
		j->vleft--;
	}
	buf_free(&scratch);
	return rc;
}

static int load_file(struct job *j, const struct wh_object *o, struct wh_err *e)
{
	struct wh_conn *conn = j->s->conn;
	const char *name = rel_name(j, o->key);
	struct fstate f = {.j = j, .mu = PTHREAD_MUTEX_INITIALIZER};
	f.stop_at = j->on_error == OE_ABORT || j->on_error == OE_SKIP ? 1
		    : j->on_error == OE_SKIP_N			     ? j->skip_n
									     : INT64_MAX;
	if (j->vmode == VM_ROWS)
		f.stop_at = 1;
	struct cr_spec spec = {
		.ff = &j->ff,
		.table = &j->table,
		.target = j->target,
		.ntarget = j->ntarget,
		.match = j->match,
		.select = j->c->nselect ? j->c->select : NULL,
		.nselect = j->c->nselect,
		.truncate = j->truncate,
		.on_error = on_row_error,
		.ctx = &f,
	};
	bool loading = j->vmode == VM_NONE;
	if (loading && wh_savepoint(conn, "nuage_file", e))
		return FILE_FAIL;
	struct creader *r = NULL;
	struct wh_loader *l = NULL;
	int64_t loaded = 0, parsed = 0;
	bool backend_failed = false;
	struct wh_err le;
	int rc = cr_open(&spec, o->blob, name, &r, &le);
	if (rc && !strcmp(le.sqlstate, "0A000")) {
		*e = le; /* the statement cannot work (JSON into many columns...) */
		if (loading)
			wh_rollback_to(conn, "nuage_file", &le);
		return FILE_FAIL;
	}
	if (rc) {
		struct cr_error ce = {.msg = le.msg, .file = name, .line = 0, .row = 0, .category = "parsing",
				      .code = "100069", .sqlstate = "22000"};
		on_row_error(&f, &ce);
	}
	if (!rc && loading && conn->be->load_open(conn->impl, &j->table, j->target, j->ntarget, on_backend_row, &f, &l, e))
		backend_failed = true;
	struct readahead ra;
	bool ahead = r && o->size >= READAHEAD_MIN_BYTES;
	if (ahead) {
		memset(&ra, 0, sizeof ra);
		pthread_mutex_init(&ra.mu, NULL);
		pthread_cond_init(&ra.cv, NULL);
		ra.r = r;
		if (pthread_create(&ra.th, NULL, readahead_main, &ra)) {
			pthread_cond_destroy(&ra.cv);
			pthread_mutex_destroy(&ra.mu);
			ahead = false;
		}
	}
	bool got = false;
	while (r && !backend_failed) {
		const struct batch *b;
		const uint8_t *skip;
		long n = ahead ? readahead_next(&ra, got, &b, &skip, &le) : cr_next(r, &b, &skip, &le);
		got = n > 0;
		if (n <= 0)
			break;
		if (cancelled(j)) {
			wh_err_set(e, "57014", "SQL execution canceled");
			backend_failed = true;
			break;
		}
		if (loading) {
			if (conn->be->load_batch(l, b, skip, e)) {
				backend_failed = true;
				break;
			}
		} else if (j->vmode == VM_ROWS && validation_rows(j, b, skip)) {
			wh_err_set(e, "54000", "result set refused by the client");
			backend_failed = true;
			break;
		}
		if (j->vmode == VM_ROWS && j->vleft <= 0)
			break;
	}
	if (ahead)
		readahead_stop(&ra);
	if (r) {
		parsed = cr_rows_parsed(r);
		cr_close(r);
	}
	if (l) {
		struct wh_err ce;
		loaded = conn->be->load_close(l, !backend_failed, &ce);
		if (loaded < 0 && !backend_failed) {
			*e = ce;
			backend_failed = true;
		}
	}
	if (backend_failed) {
		if (!strncmp(e->sqlstate, "08", 2) || !strcmp(e->sqlstate, "57014") || !strcmp(e->sqlstate, "58030")) {
			wh_rollback_to(conn, "nuage_file", &le);
			return FILE_FAIL; /* the warehouse itself failed: the statement fails */
		}
		/* The backend refused the data (a constraint): the whole file is in error. */
		struct cr_error ce = {.msg = e->msg, .file = name, .category = "conversion", .code = "100072",
				      .sqlstate = e->sqlstate};
		on_row_error(&f, &ce);
		loaded = 0;
	}
	if (!loading) {
		if (j->vmode == VM_ROWS && (f.errors || backend_failed)) {
			if (f.errors)
				abort_message(e, &f, name);
			return FILE_ABORT;
		}
		return FILE_DONE;
	}
	/* Decide the status. */
	int64_t limit = 1;
	bool failed = false;
	switch (j->on_error) {
	case OE_ABORT:
	case OE_SKIP:
		failed = f.errors > 0;
		break;
	case OE_SKIP_N:
		limit = j->skip_n;
		failed = f.errors >= j->skip_n;
		break;
	case OE_SKIP_PCT:
		limit = (int64_t)floor((double)parsed * j->skip_pct / 100.0);
		failed = parsed > 0 && (double)f.errors * 100.0 / (double)parsed > j->skip_pct;
		break;
	case OE_CONTINUE:
		limit = parsed;
		failed = backend_failed || (f.errors > 0 && loaded == 0);
		break;
	}
	if (failed && j->on_error == OE_ABORT) {
		abort_message(e, &f, name);
		wh_rollback_to(conn, "nuage_file", &le);
		add_result(j, o, name, "LOAD_FAILED", &f, parsed, 0, 1);
		return FILE_ABORT;
	}
	const char *status = failed ? "LOAD_FAILED" : f.errors ? "PARTIALLY_LOADED" : "LOADED";
	if (failed) {
		if (wh_rollback_to(conn, "nuage_file", e))
			return FILE_FAIL;
		loaded = 0;
	}
	if (wh_release_savepoint(conn, "nuage_file", e))
		return FILE_FAIL;
	struct loadhist_row h = {
		.table_name = j->table_key,
		.pipe_id = j->pipe ? j->pipe->id : "",
		.pipe_name = j->pipe ? j->pipe->name : "",
		.file_name = name,
		.file_url = NULL,
		.stage_location = j->stage_location,
		.etag = o->etag,
		.file_size = o->size,
		.load_time = clock_wall_ms(),
		.received_time = j->pipe ? j->pipe->received : 0,
		.status = status,
		.row_count = loaded,
		.row_parsed = parsed,
		.error_count = f.errors,
		.error_limit = limit,
		.first_error = f.have_first ? f.first : NULL,
		.first_error_line = f.first_line,
		.first_error_char = f.first_char,
		.first_error_column = f.first_col,
	};
	add_result(j, o, name, status, &f, parsed, loaded, limit);
	h.file_url = j->res[j->nres - 1].url;
	if (loadhist_insert(conn, &h, e))
		return FILE_FAIL;
	if (j->pipe) {
		snprintf(j->pipe->status, sizeof j->pipe->status, "%s", status);
		j->pipe->rows_loaded = loaded;
		snprintf(j->pipe->first_error, sizeof j->pipe->first_error, "%s", f.have_first ? f.first : "");
	}
	return FILE_DONE;
}

/* ------------------------------------------------------------ results */

static int emit_results(struct job *j, const struct wh_sink *sink, struct wh_status *st)
{
	struct rs r;
	st->has_result_set = true;
	if (j->vmode == VM_ERRORS) {
		static const char *const names[] = {"ERROR", "FILE", "LINE", "CHARACTER", "BYTE_OFFSET", "CATEGORY",
						    "CODE", "SQL_STATE", "COLUMN_NAME", "ROW_NUMBER", "ROW_START_LINE",
						    "REJECTED_RECORD"};
		static const char *const types[] = {"varchar", "varchar", "int8", "int8", "int8", "varchar",
						    "int8", "varchar", "varchar", "int8", "int8", "varchar"};
		if (rs_begin(&r, sink, names, types, 12))
			goto fail;
		for (int i = 0; i < j->nerrs; i++) {
			const struct kept_error *k = &j->errs[i];
			rs_text(&r, 0, k->msg);
			rs_text(&r, 1, k->file);
			k->line ? rs_int(&r, 2, k->line) : rs_null(&r, 2);
			k->character ? rs_int(&r, 3, k->character) : rs_null(&r, 3);
			k->offset >= 0 ? rs_int(&r, 4, k->offset) : rs_null(&r, 4);
			rs_text(&r, 5, k->category);
			rs_int(&r, 6, strtoll(k->code, NULL, 10));
			rs_text(&r, 7, k->sqlstate);
			rs_text(&r, 8, k->column[0] ? k->column : NULL);
			k->row ? rs_int(&r, 9, k->row) : rs_null(&r, 9);
			k->line ? rs_int(&r, 10, k->line) : rs_null(&r, 10);
			rs_null(&r, 11);
			if (rs_row(&r))
				goto fail;
		}
		st->rows = j->nerrs;
		rs_end(&r);
		return 0;
	}
	if (!j->nres) {
		static const char *const names[] = {"status"};
		static const char *const types[] = {"varchar"};
		if (rs_begin(&r, sink, names, types, 1))
			goto fail;
		rs_text(&r, 0, "Copy executed with 0 files processed.");
		if (rs_row(&r))
			goto fail;
		st->rows = 1;
		rs_end(&r);
		return 0;
	}
	static const char *const names[] = {"file", "status", "rows_parsed", "rows_loaded", "error_limit",
					    "errors_seen", "first_error", "first_error_line", "first_error_character",
					    "first_error_column_name"};
	static const char *const types[] = {"varchar", "varchar", "int8", "int8", "int8",
					    "int8", "varchar", "int8", "int8", "varchar"};
	if (rs_begin(&r, sink, names, types, 10))
		goto fail;
	st->rows = 0;
	for (int i = 0; i < j->nres; i++) {
		const struct file_result *f = &j->res[i];
		if (j->failed_only && !strcmp(f->status, "LOADED"))
			continue;
		rs_text(&r, 0, f->url);
		rs_text(&r, 1, f->status);
		rs_int(&r, 2, f->parsed);
		rs_int(&r, 3, f->loaded);
		rs_int(&r, 4, f->limit);
		rs_int(&r, 5, f->errors);
		rs_text(&r, 6, f->first);
		f->first ? rs_int(&r, 7, f->first_line) : rs_null(&r, 7);
		f->first ? rs_int(&r, 8, f->first_char) : rs_null(&r, 8);
		rs_text(&r, 9, f->first && f->first_col && f->first_col[0] ? f->first_col : NULL);
		if (rs_row(&r))
			goto fail;
		st->rows++;
	}
	rs_end(&r);
	return 0;
fail:
	rs_end(&r);
	return -1;
}

/* ------------------------------------------------------------ the statement */

static bool wanted(const struct job *j, const struct wh_object *o)
{
	size_t kl = strlen(o->key);
	if (!kl || o->key[kl - 1] == '/')
		return false; /* "folder" placeholders */
	json_t *files = json_object_get(j->opts, "FILES");
	if (files) {
		size_t i;
		json_t *v;
		size_t pl = strlen(j->prefix);
		const char *rest = o->key + pl;
		json_array_foreach(files, i, v)
		{
			const char *want = json_string_value(v);
			if (want && (!strcmp(rest, want) || (rest[0] == '/' && !strcmp(rest + 1, want))))
				return true;
		}
		return false;
	}
	if (j->have_re && regexec(&j->re, o->key, 0, NULL, 0))
		return false;
	return true;
}

/* Records a failed file of an aborted statement in a transaction of its own. */
static void record_abort(struct job *j)
{
	if (!j->nres)
		return;
	const struct file_result *f = &j->res[j->nres - 1];
	struct wh_conn *conn = j->s->conn;
	struct wh_err e;
	if (wh_begin(conn, &e))
		return;
	struct loadhist_row h = {
		.table_name = j->table_key, .pipe_id = "", .pipe_name = "", .file_name = f->name, .file_url = f->url,
		.stage_location = j->stage_location, .etag = f->etag, .file_size = f->size,
		.load_time = clock_wall_ms(), .status = "LOAD_FAILED", .row_parsed = f->parsed,
		.error_count = f->errors, .error_limit = 1, .first_error = f->first,
		.first_error_line = f->first_line, .first_error_char = f->first_char,
		.first_error_column = f->first_col,
	};
	if (loadhist_insert(conn, &h, &e) || wh_commit(conn, &e))
		wh_rollback(conn);
}

int copy_run(struct wh_session *s, const struct dl_copy *c, struct copy_pipe *pipe, const struct wh_sink *sink,
	     struct wh_status *st, struct wh_err *e)
{
	struct job j;
	memset(&j, 0, sizeof j);
	j.s = s;
	j.c = c;
	j.pipe = pipe;
	j.sink = sink;
	json_t *stage_fmt = NULL, *stage_opts = NULL;
	struct wh_object *files = NULL;
	int nfiles = 0, rc = -1;
	bool own_txn = false, savepoint = false;
	if (wh_session_conn(s, e) || resolve_location(&j, &stage_fmt, &stage_opts, e) ||
	    resolve_options(&j, stage_opts, e) || resolve_format(&j, stage_fmt, e) || resolve_table(&j, e))
		goto out;
	if (pipe) {
		files = xcalloc(1, sizeof *files);
		files[0] = *pipe->file;
		files[0].key = xstrdup(pipe->file->key);
		nfiles = 1;
	} else if (obj_list(j.bucket, j.prefix, OBJ_MAX_LIST, &files, &nfiles, e)) {
		goto out;
	}
	struct wh_conn *conn = s->conn;
	if (j.vmode == VM_NONE) {
		if (conn->in_txn) {
			if (wh_savepoint(conn, "nuage_copy", e))
				goto out;
			savepoint = true;
		} else {
			if (wh_begin(conn, e))
				goto out;
			own_txn = true;
		}
	}
	int64_t now = clock_wall_ms(), bytes = 0;
	int outcome = FILE_DONE;
	for (int i = 0; i < nfiles; i++) {
		const struct wh_object *o = &files[i];
		if (!pipe && !wanted(&j, o))
			continue;
		if (j.vmode == VM_NONE && !j.force) {
			char url[2048];
			snprintf(url, sizeof url, "s3://%s/%s", j.bucket, o->key);
			int seen = pipe ? loadhist_pipe_seen(conn, pipe->id, url, now, e)
					: loadhist_bulk_seen(conn, j.table_key, url, o->etag, now, e);
			if (seen < 0) {
				outcome = FILE_FAIL;
				break;
			}
			if (seen) {
				if (pipe)
					snprintf(pipe->status, sizeof pipe->status, "LOAD_SKIPPED");
				continue;
			}
		}
		if (j.size_limit > 0 && bytes > 0 && bytes >= j.size_limit)
			break;
		if (cancelled(&j)) {
			wh_err_set(e, "57014", "SQL execution canceled");
			outcome = FILE_FAIL;
			break;
		}
		outcome = load_file(&j, o, e);
		bytes += o->size;
		if (outcome != FILE_DONE)
			break;
		if (j.vmode == VM_ROWS && j.vleft <= 0)
			break;
	}
	if (outcome != FILE_DONE) {
		if (own_txn)
			wh_rollback(conn);
		else if (savepoint) {
			struct wh_err ignore;
			wh_rollback_to(conn, "nuage_copy", &ignore);
			wh_release_savepoint(conn, "nuage_copy", &ignore);
		}
		if (outcome == FILE_ABORT && own_txn)
			record_abort(&j);
		goto out;
	}
	if (own_txn && wh_commit(conn, e))
		goto out;
	if (savepoint && wh_release_savepoint(conn, "nuage_copy", e))
		goto out;
	if (j.purge && own_txn)
		for (int i = 0; i < j.nres; i++)
			if (strcmp(j.res[i].status, "LOAD_FAILED")) {
				const char *key = j.res[i].url + 5 + strlen(j.bucket) + 1;
				obj_purge(j.bucket, key, j.res[i].etag);
			}
	if (j.vmode == VM_ROWS) {
		/* Rows went out as they were read; no files: just the columns. */
		static const char *const none[] = {"status"};
		if (!j.vr_started && !rs_begin(&j.vr, sink, none, (const char *const[]){"varchar"}, 1))
			j.vr_started = true;
		st->has_result_set = true;
		st->rows = j.vr.rows;
		rc = j.vr.failed ? -1 : 0;
	} else {
		rc = pipe ? 0 : emit_results(&j, sink, st);
	}
	if (rc)
		wh_err_set(e, "54000", "result set refused by the client");
out:
	json_decref(stage_fmt);
	json_decref(stage_opts);
	obj_list_free(files, nfiles);
	free_job(&j);
	return rc;
}
