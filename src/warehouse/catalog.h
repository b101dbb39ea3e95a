/* catalog.h — the Snowflake objects nuage owns (file formats, stages,
 * pipes), kept in nuage.db per warehouse, and the migrations of the
 * warehouse's control-plane tables.
 *
 * Tables (component "warehouse"):
 *   wh_objects(warehouse, kind, name, body JSON, owner, region, created, altered; PK (warehouse, kind, name))
 *     kind: FORMAT (body: file format options), STAGE (URL, FILE_FORMAT, COPY_OPTIONS, COMMENT),
 *           PIPE (id, definition, AUTO_INGEST, paused, queue, ...)
 *   wh_pipe_files(pipe_id, url, bucket, key, etag, size, received; PK (pipe_id, url))
 *     files a pipe has been told about and not loaded yet (pipe.c)
 *
 * Invariants: names are canonical (dialect.h); a name is unique per
 * warehouse and kind; bodies are JSON objects written whole.
 */
#ifndef NUAGE_WAREHOUSE_CATALOG_H
#define NUAGE_WAREHOUSE_CATALOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "warehouse/wh.h"

struct migration_set;
extern const struct migration_set warehouse_migrations;

#define CAT_FORMAT "FORMAT"
#define CAT_STAGE "STAGE"
#define CAT_PIPE "PIPE"

struct cat_obj {
	char warehouse[64];
	char name[WH_NAME_MAX];
	json_t *body;        /* owned: cat_obj_free */
	char owner[16];      /* account */
	char region[32];
	int64_t created, altered;
};
void cat_obj_free(struct cat_obj *o);

/* 1 found, 0 absent, -1 error. */
int cat_get(const char *wh, const char *kind, const char *name, struct cat_obj *o, struct wh_err *e);
/* Creates (or replaces when replace) an object; with if_not_exists an
 * existing one is kept (returns 1). 0 created, 1 kept, -1 error (e: already
 * exists, or storage). */
int cat_put(const char *wh, const char *kind, const char *name, const json_t *body, const char *owner,
	    const char *region, bool replace, bool if_not_exists, struct wh_err *e);
/* Replaces the body of an existing object (ALTER). 1 done, 0 absent, -1 error. */
int cat_update(const char *wh, const char *kind, const char *name, const json_t *body, struct wh_err *e);
int cat_rename(const char *wh, const char *kind, const char *name, const char *new_name, struct wh_err *e);
/* 1 dropped, 0 absent, -1 error. */
int cat_drop(const char *wh, const char *kind, const char *name, struct wh_err *e);
/* Objects of a kind (name LIKE pattern, case-insensitive, % and _), by name.
 * Caller frees with cat_list_free. */
int cat_list(const char *wh, const char *kind, const char *like, struct cat_obj **out, int *n, struct wh_err *e);
void cat_list_free(struct cat_obj *list, int n);
/* Every pipe of every warehouse (pipe start-up). */
int cat_all_pipes(struct cat_obj **out, int *n, struct wh_err *e);

/* The "does not exist" errors as Snowflake words them. */
int cat_missing(struct wh_err *e, const char *kind, const char *name);

#endif
