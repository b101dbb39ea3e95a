/* aliases.c — function aliases.
 *
 * Implements: CreateAlias, GetAlias, UpdateAlias (RevisionId),
 * DeleteAlias, ListAliases (FunctionVersion, Marker, MaxItems).
 * RoutingConfig.AdditionalVersionWeights (one extra published version, a
 * weight in [0, 1]) is stored and applied by invoke.c when an invocation
 * names the alias.
 * Invariants: an alias names an existing version of its function; a
 * version an alias references cannot be deleted (functions.c checks);
 * every change gives the alias a new RevisionId.
 */
#include "svc/lambda/lambda.h"
#include "core/rand.h"
#include "store/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool valid_alias(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	bool digits = true;
	if (!n || n > 128)
		return false;
	for (const char *p = s; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return false;
		digits &= *p >= '0' && *p <= '9';
	}
	return !digits;
}

static bool version_exists(struct call *c, const char *name, const char *version)
{
	sqlite3_stmt *st = db_prep("SELECT 1 FROM lambda_versions WHERE account = ? AND region = ? AND name = ? AND version = ?");
	lambda_bind_fn(st, c->who.account, c->region, name);
	db_bind_text(st, 4, version);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	db_done(st);
	return found;
}

static int alias_not_found(struct call *c, const char *name, const char *alias)
{
	return call_error(c, ERR_LAMBDA_NOT_FOUND, "Alias not found: %s",
			  lambda_arn(c->arena, c->region, c->who.account, name, alias));
}

/* Checks a RoutingConfig against the alias's main version. */
static int check_routing(struct call *c, const char *name, const char *main_version, json_t *routing)
{
	json_t *w = json_object_get(routing, "AdditionalVersionWeights");
	if (!w || !json_object_size(w))
		return 0;
	if (json_object_size(w) > 1)
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER, "Routing is limited to one additional version.");
	const char *k;
	json_t *v;
	json_object_foreach(w, k, v)
	{
		double d = json_number_value(v);
		if (!json_is_number(v) || d < 0 || d > 1)
			return call_error(c, ERR_VALIDATION,
					  "1 validation error detected: Value at 'routingConfig.additionalVersionWeights' failed to "
					  "satisfy constraint: Map value must satisfy constraint: [Member must have value less than or "
					  "equal to 1.0, Member must have value greater than or equal to 0.0]");
		if (!strcmp(k, main_version))
			return call_error(c, ERR_LAMBDA_INVALID_PARAMETER,
					  "Invalid function version %s. Function version %s is already included in routing configuration.",
					  k, k);
		if (!strcmp(main_version, LAMBDA_LATEST) || !strcmp(k, LAMBDA_LATEST))
			return call_error(c, ERR_LAMBDA_INVALID_PARAMETER,
					  "$LATEST is not supported for an alias pointing to more than 1 version");
		if (!version_exists(c, name, k))
			return lambda_err_not_found(c, name, k);
	}
	return 0;
}

static json_t *alias_json(struct call *c, const char *name, sqlite3_stmt *st)
{
	json_t *o = json_object();
	const char *alias = db_col_text(st, 0);
	json_object_set_new(o, "AliasArn", json_string(lambda_arn(c->arena, c->region, c->who.account, name, alias)));
	json_object_set_new(o, "Name", json_string(alias));
	json_object_set_new(o, "FunctionVersion", json_string(db_col_text(st, 1)));
	json_object_set_new(o, "Description", json_string(db_col_text(st, 2)));
	json_t *r = db_col_text(st, 3) ? json_loads(db_col_text(st, 3), 0, NULL) : NULL;
	if (r)
		json_object_set_new(o, "RoutingConfig", r);
	json_object_set_new(o, "RevisionId", json_string(db_col_text(st, 4)));
	return o;
}

#define ALIAS_COLS "SELECT alias, version, description, routing, revision FROM lambda_aliases "

static int answer_alias(struct call *c, const char *name, const char *alias)
{
	if (lambda_answer_row(c, ALIAS_COLS "WHERE account = ? AND region = ? AND name = ? AND alias = ?", name, alias,
			      alias_json))
		return alias_not_found(c, name, alias);
	return 0;
}

/* Ends Create/UpdateAlias: the transaction, then the alias as stored. */
static int finish_alias_write(struct call *c, int rc, char *routing, const char *name, const char *alias)
{
	free(routing);
	if (lambda_end_write(c, rc))
		return -1;
	return answer_alias(c, name, alias);
}

static char *routing_text(json_t *routing)
{
	json_t *w = json_object_get(routing, "AdditionalVersionWeights");
	return w && json_object_size(w) ? json_dumps(routing, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
}

int lambda_create_alias(struct call *c)
{
	struct fnref r;
	if (lambda_parse_fn(c, call_str(c, "FunctionName"), NULL, false, &r))
		return -1;
	const char *alias = call_str(c, "Name"), *version = call_str(c, "FunctionVersion");
	if (!valid_alias(alias))
		return call_error(c, ERR_VALIDATION,
				  "1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must "
				  "satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)",
				  alias);
	if (db_begin())
		return call_error(c, ERR_LAMBDA_SERVICE, "database busy");
	int rc = -1;
	char rev[37];
	uuid4(rev);
	char *rt = NULL;
	if (!lambda_function_exists(c->who.account, c->region, r.name))
		lambda_err_not_found(c, r.name, NULL);
	else if (!version_exists(c, r.name, version))
		lambda_err_not_found(c, r.name, version);
	else if (check_routing(c, r.name, version, call_get(c, "RoutingConfig")) == 0) {
		rt = routing_text(call_get(c, "RoutingConfig"));
		sqlite3_stmt *st = db_prep("INSERT INTO lambda_aliases(account, region, name, alias, version, description, routing, "
					   "revision) VALUES (?, ?, ?, ?, ?, coalesce(?, ''), ?, ?) ON CONFLICT DO NOTHING");
		lambda_bind_fn(st, c->who.account, c->region, r.name);
		db_bind_text(st, 4, alias);
		db_bind_text(st, 5, version);
		db_bind_text(st, 6, call_str(c, "Description"));
		db_bind_text(st, 7, rt);
		db_bind_text(st, 8, rev);
		int step = sqlite3_step(st);
		db_done(st);
		if (step != SQLITE_DONE)
			lambda_db_error(c);
		else if (!db_changes())
			call_error(c, ERR_LAMBDA_CONFLICT, "Alias already exists: %s",
				   lambda_arn(c->arena, c->region, c->who.account, r.name, alias));
		else
			rc = 0;
	}
	return finish_alias_write(c, rc, rt, r.name, alias);
}

int lambda_get_alias(struct call *c)
{
	struct fnref r;
	if (lambda_require_function(c, &r, false))
		return -1;
	return answer_alias(c, r.name, call_str(c, "Name"));
}

int lambda_update_alias(struct call *c)
{
	struct fnref r;
	if (lambda_parse_fn(c, call_str(c, "FunctionName"), NULL, false, &r))
		return -1;
	const char *alias = call_str(c, "Name");
	if (db_begin())
		return call_error(c, ERR_LAMBDA_SERVICE, "database busy");
	sqlite3_stmt *st = db_prep("SELECT version, revision FROM lambda_aliases WHERE account = ? AND region = ? AND name = ? "
				   "AND alias = ?");
	lambda_bind_fn(st, c->who.account, c->region, r.name);
	db_bind_text(st, 4, alias);
	char cur_version[140] = "", cur_rev[40] = "";
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(cur_version, sizeof cur_version, "%s", db_col_text(st, 0));
		snprintf(cur_rev, sizeof cur_rev, "%s", db_col_text(st, 1));
	}
	db_done(st);
	const char *version = call_str(c, "FunctionVersion");
	const char *want = call_str(c, "RevisionId");
	json_t *routing = call_get(c, "RoutingConfig");
	int rc = -1;
	char *rt = NULL;
	if (!cur_version[0])
		alias_not_found(c, r.name, alias);
	else if (want && strcmp(want, cur_rev))
		call_error(c, ERR_LAMBDA_PRECONDITION, NULL);
	else if (version && !version_exists(c, r.name, version))
		lambda_err_not_found(c, r.name, version);
	else if (check_routing(c, r.name, version ? version : cur_version, routing) == 0) {
		rt = routing_text(routing);
		char rev[37];
		uuid4(rev);
		st = db_prep("UPDATE lambda_aliases SET version = coalesce(?1, version), description = coalesce(?2, description), "
			     "routing = CASE WHEN ?3 THEN ?4 ELSE routing END, revision = ?5 "
			     "WHERE account = ?6 AND region = ?7 AND name = ?8 AND alias = ?9");
		db_bind_text(st, 1, version);
		db_bind_text(st, 2, call_str(c, "Description"));
		sqlite3_bind_int(st, 3, routing != NULL);
		db_bind_text(st, 4, rt);
		db_bind_text(st, 5, rev);
		db_bind_text(st, 6, c->who.account);
		db_bind_text(st, 7, c->region);
		db_bind_text(st, 8, r.name);
		db_bind_text(st, 9, alias);
		int step = sqlite3_step(st);
		db_done(st);
		if (step != SQLITE_DONE)
			lambda_db_error(c);
		else
			rc = 0;
	}
	return finish_alias_write(c, rc, rt, r.name, alias);
}

int lambda_delete_alias(struct call *c)
{
	struct fnref r;
	if (lambda_parse_fn(c, call_str(c, "FunctionName"), NULL, false, &r))
		return -1;
	const char *alias = call_str(c, "Name");
	if (db_begin())
		return call_error(c, ERR_LAMBDA_SERVICE, "database busy");
	sqlite3_stmt *st = db_prep("DELETE FROM lambda_aliases WHERE account = ? AND region = ? AND name = ? AND alias = ?");
	lambda_bind_fn(st, c->who.account, c->region, r.name);
	db_bind_text(st, 4, alias);
	int step = sqlite3_step(st);
	db_done(st);
	int changed = db_changes();
	if (step != SQLITE_DONE || lambda_settings_forget(c->who.account, c->region, r.name, alias))
		return lambda_db_error(c);
	if (!changed) {
		db_rollback();
		return alias_not_found(c, r.name, alias);
	}
	return lambda_commit_204(c);
}

int lambda_list_aliases(struct call *c)
{
	struct fnref r;
	if (lambda_require_function(c, &r, false))
		return -1;
	int64_t max = call_int(c, "MaxItems", 50);
	if (max < 1 || max > 10000)
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER, "MaxItems must be between 1 and 10000.");
	sqlite3_stmt *st = db_prep(ALIAS_COLS "WHERE account = ?1 AND region = ?2 AND name = ?3 AND alias > coalesce(?4, '') "
					      "AND (?5 IS NULL OR version = ?5) ORDER BY alias LIMIT ?6");
	lambda_bind_fn(st, c->who.account, c->region, r.name);
	db_bind_text(st, 4, call_str(c, "Marker"));
	db_bind_text(st, 5, call_str(c, "FunctionVersion"));
	sqlite3_bind_int64(st, 6, max + 1);
	json_t *list = json_array();
	int n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == max) {
			json_t *last = json_array_get(list, json_array_size(list) - 1);
			call_set(c, "NextMarker", json_string(json_string_value(json_object_get(last, "Name"))));
			break;
		}
		json_array_append_new(list, alias_json(c, r.name, st));
		n++;
	}
	db_done(st);
	call_set(c, "Aliases", list);
	return 0;
}
