/* catalog.c — see catalog.h. */
#include "warehouse/catalog.h"
#include "core/clock.h"
#include "core/mem.h"
#include "store/db.h"
#include "store/migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct migration migrations[] = {
	{1, "CREATE TABLE wh_objects (warehouse TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,"
	    "  body TEXT NOT NULL, owner TEXT NOT NULL, region TEXT NOT NULL, created INTEGER NOT NULL,"
	    "  altered INTEGER NOT NULL, PRIMARY KEY (warehouse, kind, name)) WITHOUT ROWID;"
	    "CREATE TABLE wh_pipe_files (pipe_id TEXT NOT NULL, url TEXT NOT NULL, bucket TEXT NOT NULL,"
	    "  key TEXT NOT NULL, etag TEXT NOT NULL, size INTEGER NOT NULL, received INTEGER NOT NULL,"
	    "  PRIMARY KEY (pipe_id, url)) WITHOUT ROWID;"
	    "CREATE INDEX wh_pipe_files_age ON wh_pipe_files(pipe_id, received);"},
};
const struct migration_set warehouse_migrations = {"warehouse", migrations, sizeof migrations / sizeof *migrations};

void cat_obj_free(struct cat_obj *o)
{
	if (o) {
		json_decref(o->body);
		o->body = NULL;
	}
}

static int storage(struct wh_err *e)
{
	wh_err_set(e, "58000", "catalog storage failed: %s", db_errmsg());
	return -1;
}

int cat_missing(struct wh_err *e, const char *kind, const char *name)
{
	const char *what = !strcmp(kind, CAT_FORMAT) ? "File format" : !strcmp(kind, CAT_STAGE) ? "Stage" : "Pipe";
	wh_err_set(e, "02000", "SQL compilation error:\n%s '%s' does not exist or not authorized.", what, name);
	return -1;
}

static void fill(sqlite3_stmt *st, struct cat_obj *o)
{
	memset(o, 0, sizeof *o);
	snprintf(o->warehouse, sizeof o->warehouse, "%s", db_col_text(st, 0));
	snprintf(o->name, sizeof o->name, "%s", db_col_text(st, 1));
	o->body = json_loads(db_col_text(st, 2), 0, NULL);
	if (!o->body)
		o->body = json_object();
	snprintf(o->owner, sizeof o->owner, "%s", db_col_text(st, 3));
	snprintf(o->region, sizeof o->region, "%s", db_col_text(st, 4));
	o->created = sqlite3_column_int64(st, 5);
	o->altered = sqlite3_column_int64(st, 6);
}

int cat_get(const char *wh, const char *kind, const char *name, struct cat_obj *o, struct wh_err *e)
{
	memset(o, 0, sizeof *o);
	sqlite3_stmt *st = db_prep("SELECT warehouse, name, body, owner, region, created, altered FROM wh_objects "
				   "WHERE warehouse = ? AND kind = ? AND name = ?");
	db_bind_text(st, 1, wh);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, name);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		fill(st, o);
	db_done(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : storage(e);
}

static bool exists(const char *wh, const char *kind, const char *name)
{
	sqlite3_stmt *st = db_prep("SELECT 1 FROM wh_objects WHERE warehouse = ? AND kind = ? AND name = ?");
	db_bind_text(st, 1, wh);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, name);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	db_done(st);
	return found;
}

int cat_put(const char *wh, const char *kind, const char *name, const json_t *body, const char *owner,
	    const char *region, bool replace, bool if_not_exists, struct wh_err *e)
{
	char *text = json_dumps(body, JSON_COMPACT);
	if (db_begin()) {
		free(text);
		return storage(e);
	}
	int out = 0;
	if (exists(wh, kind, name)) {
		if (if_not_exists) {
			out = 1;
			goto done;
		}
		if (!replace) {
			wh_err_set(e, "42710", "SQL compilation error:\nObject '%s' already exists.", name);
			out = -1;
			goto done;
		}
	}
	int64_t now = clock_wall_ms();
	sqlite3_stmt *st = db_prep("INSERT INTO wh_objects (warehouse, kind, name, body, owner, region, created, altered) "
				   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) ON CONFLICT (warehouse, kind, name) DO UPDATE "
				   "SET body = excluded.body, owner = excluded.owner, region = excluded.region, "
				   "created = excluded.created, altered = excluded.altered");
	db_bind_text(st, 1, wh);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, name);
	db_bind_text(st, 4, text);
	db_bind_text(st, 5, owner);
	db_bind_text(st, 6, region);
	sqlite3_bind_int64(st, 7, now);
	int rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE)
		out = storage(e);
done:
	free(text);
	if (out < 0) {
		db_rollback();
		return -1;
	}
	if (out == 1) {
		db_rollback();
		return 1;
	}
	return db_commit() ? storage(e) : 0;
}

/* One write statement on one object: 1 changed, 0 absent, -1 error. */
static int write_one(sqlite3_stmt *st, struct wh_err *e)
{
	if (db_begin()) {
		db_done(st);
		return storage(e);
	}
	int rc = sqlite3_step(st);
	db_done(st);
	int changed = db_changes();
	if (rc != SQLITE_DONE) {
		db_rollback();
		return storage(e);
	}
	if (db_commit())
		return storage(e);
	return changed ? 1 : 0;
}

int cat_update(const char *wh, const char *kind, const char *name, const json_t *body, struct wh_err *e)
{
	char *text = json_dumps(body, JSON_COMPACT);
	/* The statement is prepared before db_begin takes the write lock; that
	 * is fine: preparation does not read the table. */
	sqlite3_stmt *st = db_prep("UPDATE wh_objects SET body = ?4, altered = ?5 WHERE warehouse = ?1 AND kind = ?2 "
				   "AND name = ?3");
	db_bind_text(st, 1, wh);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, name);
	db_bind_text(st, 4, text);
	sqlite3_bind_int64(st, 5, clock_wall_ms());
	free(text);
	return write_one(st, e);
}

int cat_rename(const char *wh, const char *kind, const char *name, const char *new_name, struct wh_err *e)
{
	if (exists(wh, kind, new_name)) {
		wh_err_set(e, "42710", "SQL compilation error:\nObject '%s' already exists.", new_name);
		return -1;
	}
	sqlite3_stmt *st = db_prep("UPDATE wh_objects SET name = ?4, altered = ?5 WHERE warehouse = ?1 AND kind = ?2 "
				   "AND name = ?3");
	db_bind_text(st, 1, wh);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, name);
	db_bind_text(st, 4, new_name);
	sqlite3_bind_int64(st, 5, clock_wall_ms());
	return write_one(st, e);
}

int cat_drop(const char *wh, const char *kind, const char *name, struct wh_err *e)
{
	sqlite3_stmt *st = db_prep("DELETE FROM wh_objects WHERE warehouse = ? AND kind = ? AND name = ?");
	db_bind_text(st, 1, wh);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, name);
	return write_one(st, e);
}

static int collect(sqlite3_stmt *st, struct cat_obj **out, int *n, struct wh_err *e)
{
	*out = NULL;
	*n = 0;
	int cap = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*out = xrealloc(*out, sizeof **out * (size_t)cap);
		}
		fill(st, &(*out)[(*n)++]);
	}
	db_done(st);
	if (rc != SQLITE_DONE) {
		cat_list_free(*out, *n);
		*out = NULL;
		*n = 0;
		return storage(e);
	}
	return 0;
}

int cat_list(const char *wh, const char *kind, const char *like, struct cat_obj **out, int *n, struct wh_err *e)
{
	/* SQLite's LIKE is case-insensitive for ASCII, as SHOW ... LIKE is. */
	sqlite3_stmt *st = db_prep("SELECT warehouse, name, body, owner, region, created, altered FROM wh_objects "
				   "WHERE warehouse = ? AND kind = ? AND (?3 IS NULL OR name LIKE ?3) ORDER BY name");
	db_bind_text(st, 1, wh);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, like);
	return collect(st, out, n, e);
}

int cat_all_pipes(struct cat_obj **out, int *n, struct wh_err *e)
{
	sqlite3_stmt *st = db_prep("SELECT warehouse, name, body, owner, region, created, altered FROM wh_objects "
				   "WHERE kind = 'PIPE' ORDER BY warehouse, name");
	return collect(st, out, n, e);
}

void cat_list_free(struct cat_obj *list, int n)
{
	for (int i = 0; i < n; i++)
		cat_obj_free(&list[i]);
	free(list);
}
