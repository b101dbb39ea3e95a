/* settings.c — what is configured around a function rather than in it.
 *
 * Implements: Put/Get/DeleteFunctionConcurrency (reserved concurrency,
 * keeping the unreserved pool at its minimum), AddPermission /
 * RemovePermission / GetPolicy (resource policies stored and shown, not
 * enforced: nuage has no IAM), Put/Update/Get/Delete/List
 * FunctionEventInvokeConfig(s) (retries 0-2, maximum event age 60-21600 s,
 * OnSuccess / OnFailure destinations on SQS, SNS, Lambda or EventBridge),
 * TagResource / UntagResource / ListTags, GetAccountSettings.
 * Invariants: a function's policy column holds {"<qualifier>": policy
 * document} ("" = unqualified); reserved concurrency in the store and in
 * the scheduler agree after every change (lambda_reserved_refresh).
 */
#include "svc/lambda/lambda.h"
#include "core/clock.h"
#include "core/rand.h"
#include "store/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACCOUNT_CODE_LIMIT 80530636800LL

static int unreserved_min(void)
{
	int m = lambda_cfg.concurrency / 10;
	return m > LAMBDA_UNRESERVED_MIN ? LAMBDA_UNRESERVED_MIN : m;
}

int lambda_reserved_sum(const char *account, const char *region, const char *except)
{
	sqlite3_stmt *st = db_prep("SELECT coalesce(sum(reserved), 0) FROM lambda_functions WHERE (?1 IS NULL OR account = ?1) "
				   "AND (?2 IS NULL OR region = ?2) AND (?3 IS NULL OR name <> ?3)");
	lambda_bind_fn(st, account, region, except);
	int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	db_done(st);
	return n;
}

void lambda_reserved_refresh(void)
{
	/* One machine, one pool of processes: reservations of every account
	 * come out of the same limit. */
	lambda_exec_set_reserved_total(lambda_reserved_sum(NULL, NULL, NULL));
}


/* ---- reserved concurrency ---- */

static int set_reserved(struct call *c, const char *name, int64_t value, bool clear)
{
	sqlite3_stmt *st = db_prep("UPDATE lambda_functions SET reserved = ? WHERE account = ? AND region = ? AND name = ?");
	if (clear)
		sqlite3_bind_null(st, 1);
	else
		sqlite3_bind_int64(st, 1, value);
	db_bind_text(st, 2, c->who.account);
	db_bind_text(st, 3, c->region);
	db_bind_text(st, 4, name);
	int step = sqlite3_step(st);
	db_done(st);
	if (step != SQLITE_DONE)
		return lambda_db_error(c);
	if (db_commit())
		return call_error(c, ERR_LAMBDA_SERVICE, "commit failed");
	lambda_reserved_refresh();
	return 0;
}

int lambda_put_concurrency(struct call *c)
{
	struct fnref r;
	int64_t want = call_int(c, "ReservedConcurrentExecutions", -1);
	if (want < 0)
		return call_error(c, ERR_VALIDATION,
				  "1 validation error detected: Value '%lld' at 'reservedConcurrentExecutions' failed to satisfy "
				  "constraint: Member must have value greater than or equal to 0",
				  (long long)want);
	if (db_begin())
		return call_error(c, ERR_LAMBDA_SERVICE, "database busy");
	if (lambda_require_function(c, &r, false)) {
		db_rollback();
		return -1;
	}
	int others = lambda_reserved_sum(NULL, NULL, NULL) - lambda_reserved_sum(c->who.account, c->region, NULL) +
		     lambda_reserved_sum(c->who.account, c->region, r.name);
	if (others + want > lambda_cfg.concurrency - unreserved_min()) {
		db_rollback();
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER,
				  "Specified ReservedConcurrentExecutions for function decreases account's "
				  "UnreservedConcurrentExecution below its minimum value of [%d].",
				  unreserved_min());
	}
	if (set_reserved(c, r.name, want, false))
		return -1;
	call_set(c, "ReservedConcurrentExecutions", json_integer(want));
	return 0;
}

int lambda_get_concurrency(struct call *c)
{
	struct fnref r;
	if (lambda_require_function(c, &r, false))
		return -1;
	struct fnver v;
	if (lambda_load_version(c->arena, c->who.account, c->region, r.name, LAMBDA_LATEST, &v))
		return lambda_db_error(c);
	if (v.reserved >= 0)
		call_set(c, "ReservedConcurrentExecutions", json_integer(v.reserved));
	else
		c->output = json_object();
	lambda_fnver_done(&v);
	return 0;
}

int lambda_delete_concurrency(struct call *c)
{
	struct fnref r;
	if (db_begin())
		return call_error(c, ERR_LAMBDA_SERVICE, "database busy");
	if (lambda_require_function(c, &r, false)) {
		db_rollback();
		return -1;
	}
	if (set_reserved(c, r.name, 0, true))
		return -1;
	c->status = 204;
	return 0;
}

/* ---- resource policies ---- */

static json_t *load_policies(struct call *c, const char *name)
{
	sqlite3_stmt *st = db_prep("SELECT policy FROM lambda_functions WHERE account = ? AND region = ? AND name = ?");
	lambda_bind_fn(st, c->who.account, c->region, name);
	json_t *p = sqlite3_step(st) == SQLITE_ROW && db_col_text(st, 0) ? json_loads(db_col_text(st, 0), 0, NULL) : NULL;
	db_done(st);
	return p ? p : json_object();
}

static int store_policies(struct call *c, const char *name, json_t *all)
{
	char *s = json_object_size(all) ? json_dumps(all, JSON_COMPACT) : NULL;
	sqlite3_stmt *st = db_prep("UPDATE lambda_functions SET policy = ? WHERE account = ? AND region = ? AND name = ?");
	lambda_bind_fn(st, s, c->who.account, c->region);
	db_bind_text(st, 4, name);
	int step = sqlite3_step(st);
	db_done(st);
	free(s);
	return step == SQLITE_DONE ? 0 : -1;
}

static json_t *principal_json(const char *p)
{
	if (!strcmp(p, "*"))
		return json_string("*");
	if (strstr(p, ".amazonaws.com"))
		return json_pack("{s:s}", "Service", p);
	if (strlen(p) == 12 && strspn(p, "0123456789") == 12) {
		char arn[64];
		snprintf(arn, sizeof arn, "arn:aws:iam::%s:root", p);
		return json_pack("{s:s}", "AWS", arn);
	}
	return json_pack("{s:s}", "AWS", p);
}

static int check_function_revision(struct call *c, const char *name)
{
	const char *want = call_str(c, "RevisionId");
	if (!want)
		return 0;
	struct fnver v;
	if (lambda_load_version(c->arena, c->who.account, c->region, name, LAMBDA_LATEST, &v))
		return lambda_db_error(c);
	bool same = !strcmp(v.revision, want);
	lambda_fnver_done(&v);
	return same ? 0 : call_error(c, ERR_LAMBDA_PRECONDITION, NULL);
}

/* Opens the transaction of Add/RemovePermission and loads the policies. */
static int begin_policy_change(struct call *c, struct fnref *r, json_t **all)
{
	if (db_begin())
		return call_error(c, ERR_LAMBDA_SERVICE, "database busy");
	if (lambda_require_function(c, r, true) || check_function_revision(c, r->name)) {
		if (db_in_txn())
			db_rollback();
		return -1;
	}
	*all = load_policies(c, r->name);
	return 0;
}

int lambda_add_permission(struct call *c)
{
	struct fnref r;
	json_t *all;
	if (begin_policy_change(c, &r, &all))
		return -1;
	const char *sid = call_str(c, "StatementId");
	json_t *doc = json_object_get(all, r.qualifier);
	if (!doc) {
		doc = json_pack("{s:s,s:s,s:[]}", "Version", "2012-10-17", "Id", "default", "Statement");
		json_object_set_new(all, r.qualifier, doc);
	}
	json_t *stmts = json_object_get(doc, "Statement");
	size_t i;
	json_t *s;
	json_array_foreach(stmts, i, s) if (!strcmp(json_string_value(json_object_get(s, "Sid")), sid))
	{
		json_decref(all);
		db_rollback();
		return call_error(c, ERR_LAMBDA_CONFLICT,
				  "The statement id (%s) provided already exists. Please choose another statement id, or remove "
				  "the existing statement.",
				  sid);
	}
	json_t *st = json_pack("{s:s,s:s,s:o,s:s,s:s}", "Sid", sid, "Effect", "Allow", "Principal",
			       principal_json(call_str(c, "Principal")), "Action", call_str(c, "Action"), "Resource",
			       lambda_arn(c->arena, c->region, c->who.account, r.name, r.qualifier));
	json_t *cond = json_object();
	if (call_str(c, "SourceAccount"))
		json_object_set_new(cond, "StringEquals", json_pack("{s:s}", "AWS:SourceAccount", call_str(c, "SourceAccount")));
	if (call_str(c, "SourceArn"))
		json_object_set_new(cond, "ArnLike", json_pack("{s:s}", "AWS:SourceArn", call_str(c, "SourceArn")));
	if (call_str(c, "PrincipalOrgID"))
		json_object_set_new(cond, "StringEquals", json_pack("{s:s}", "aws:PrincipalOrgID", call_str(c, "PrincipalOrgID")));
	if (json_object_size(cond))
		json_object_set(st, "Condition", cond);
	json_decref(cond);
	json_array_append(stmts, st);
	char *doc_text = json_dumps(doc, JSON_COMPACT);
	size_t doc_len = strlen(doc_text);
	free(doc_text);
	int rc = 0;
	if (doc_len > 20480)
		rc = call_error(c, ERR_LAMBDA_POLICY_LENGTH, "The final policy size (%zu) is bigger than the limit (20480).", doc_len);
	else if (store_policies(c, r.name, all))
		rc = lambda_db_error(c);
	if (!rc && db_commit())
		rc = call_error(c, ERR_LAMBDA_SERVICE, "commit failed");
	if (rc && db_in_txn())
		db_rollback();
	if (!rc) {
		char *text = json_dumps(st, JSON_COMPACT);
		call_set(c, "Statement", json_string(text));
		free(text);
	}
	json_decref(st);
	json_decref(all);
	return rc;
}

int lambda_remove_permission(struct call *c)
{
	struct fnref r;
	json_t *all;
	if (begin_policy_change(c, &r, &all))
		return -1;
	const char *sid = call_str(c, "StatementId");
	json_t *doc = json_object_get(all, r.qualifier);
	json_t *stmts = json_object_get(doc, "Statement");
	bool found = false;
	for (size_t i = 0; i < json_array_size(stmts); i++)
		if (!strcmp(json_string_value(json_object_get(json_array_get(stmts, i), "Sid")), sid)) {
			json_array_remove(stmts, i);
			found = true;
			break;
		}
	if (doc && !json_array_size(stmts))
		json_object_del(all, r.qualifier);
	int rc = 0;
	if (!found)
		rc = call_error(c, ERR_LAMBDA_NOT_FOUND, "Statement %s is not found in resource policy.", sid);
	else if (store_policies(c, r.name, all))
		rc = lambda_db_error(c);
	else if (db_commit())
		rc = call_error(c, ERR_LAMBDA_SERVICE, "commit failed");
	if (rc && db_in_txn())
		db_rollback();
	json_decref(all);
	if (!rc)
		c->status = 204;
	return rc;
}

int lambda_get_policy(struct call *c)
{
	struct fnref r;
	if (lambda_require_function(c, &r, true))
		return -1;
	json_t *all = load_policies(c, r.name);
	json_t *doc = json_object_get(all, r.qualifier);
	if (!doc) {
		json_decref(all);
		return call_error(c, ERR_LAMBDA_NOT_FOUND, "The resource you requested does not exist.");
	}
	char *text = json_dumps(doc, JSON_COMPACT);
	call_set(c, "Policy", json_string(text));
	free(text);
	json_decref(all);
	struct fnver v;
	if (lambda_load_version(c->arena, c->who.account, c->region, r.name, LAMBDA_LATEST, &v) == 0) {
		call_set(c, "RevisionId", json_string(v.revision));
		lambda_fnver_done(&v);
	}
	return 0;
}

/* ---- event invoke configs ---- */

static bool valid_destination(const char *arn)
{
	static const char *const prefixes[] = {"arn:aws:sqs:", "arn:aws:sns:", "arn:aws:lambda:", "arn:aws:events:", NULL};
	for (int i = 0; prefixes[i]; i++)
		if (!strncmp(arn, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

static bool qualifier_exists(struct call *c, const char *name, const char *q)
{
	char version[140];
	if (lambda_resolve_qualifier(c->who.account, c->region, name, q, version, sizeof version))
		return false;
	struct fnver v;
	if (lambda_load_version(c->arena, c->who.account, c->region, name, version, &v))
		return false;
	lambda_fnver_done(&v);
	return true;
}

static json_t *eic_json(struct call *c, const char *name, sqlite3_stmt *st)
{
	json_t *o = json_object();
	json_object_set_new(o, "LastModified", json_integer(sqlite3_column_int64(st, 5)));
	json_object_set_new(o, "FunctionArn", json_string(lambda_arn(c->arena, c->region, c->who.account, name, db_col_text(st, 0))));
	if (sqlite3_column_type(st, 1) != SQLITE_NULL)
		json_object_set_new(o, "MaximumRetryAttempts", json_integer(sqlite3_column_int(st, 1)));
	if (sqlite3_column_type(st, 2) != SQLITE_NULL)
		json_object_set_new(o, "MaximumEventAgeInSeconds", json_integer(sqlite3_column_int(st, 2)));
	json_t *dc = json_object();
	json_object_set_new(dc, "OnSuccess", db_col_text(st, 3) ? json_pack("{s:s}", "Destination", db_col_text(st, 3)) : json_object());
	json_object_set_new(dc, "OnFailure", db_col_text(st, 4) ? json_pack("{s:s}", "Destination", db_col_text(st, 4)) : json_object());
	json_object_set_new(o, "DestinationConfig", dc);
	return o;
}

#define EIC_COLS "SELECT qualifier, retries, max_age, on_success, on_failure, modified FROM lambda_eic "

static int answer_eic(struct call *c, const char *name, const char *q)
{
	if (lambda_answer_row(c, EIC_COLS "WHERE account = ? AND region = ? AND name = ? AND qualifier = ?", name, q, eic_json))
		return call_error(c, ERR_LAMBDA_NOT_FOUND, "The function %s doesn't have an EventInvokeConfig",
				  lambda_arn(c->arena, c->region, c->who.account, name, q));
	return 0;
}

/* Put (replace) or Update (merge) an EventInvokeConfig. */
static int write_eic(struct call *c, bool merge)
{
	struct fnref r;
	if (lambda_require_function(c, &r, true))
		return -1;
	const char *q = r.qualifier[0] ? r.qualifier : LAMBDA_LATEST;
	if (!qualifier_exists(c, r.name, q))
		return lambda_err_not_found(c, r.name, q);
	json_t *dc = call_get(c, "DestinationConfig");
	const char *ok = json_string_value(json_object_get(json_object_get(dc, "OnSuccess"), "Destination"));
	const char *ko = json_string_value(json_object_get(json_object_get(dc, "OnFailure"), "Destination"));
	const char *dests[2] = {ok, ko};
	for (int i = 0; i < 2; i++)
		if (dests[i] && !valid_destination(dests[i]))
			return call_error(c, ERR_LAMBDA_INVALID_PARAMETER, "The destination ARN %s is invalid.", dests[i]);
	json_t *retries = call_get(c, "MaximumRetryAttempts"), *age = call_get(c, "MaximumEventAgeInSeconds");
	if (db_begin())
		return call_error(c, ERR_LAMBDA_SERVICE, "database busy");
	sqlite3_stmt *st = db_prep(
		merge ? "INSERT INTO lambda_eic(account, region, name, qualifier, retries, max_age, on_success, on_failure, modified) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT DO UPDATE SET "
			"retries = coalesce(?5, retries), max_age = coalesce(?6, max_age), "
			"on_success = CASE WHEN ?10 THEN ?7 ELSE on_success END, "
			"on_failure = CASE WHEN ?11 THEN ?8 ELSE on_failure END, modified = ?9"
		      : "INSERT OR REPLACE INTO lambda_eic(account, region, name, qualifier, retries, max_age, on_success, "
			"on_failure, modified) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
	lambda_bind_fn(st, c->who.account, c->region, r.name);
	db_bind_text(st, 4, q);
	if (retries)
		sqlite3_bind_int64(st, 5, json_integer_value(retries));
	if (age)
		sqlite3_bind_int64(st, 6, json_integer_value(age));
	db_bind_text(st, 7, ok);
	db_bind_text(st, 8, ko);
	sqlite3_bind_int64(st, 9, clock_wall_ms());
	if (merge) {
		sqlite3_bind_int(st, 10, json_object_get(dc, "OnSuccess") != NULL);
		sqlite3_bind_int(st, 11, json_object_get(dc, "OnFailure") != NULL);
	}
	int step = sqlite3_step(st);
	db_done(st);
	if (step != SQLITE_DONE)
		return lambda_db_error(c);
	if (db_commit())
		return call_error(c, ERR_LAMBDA_SERVICE, "commit failed");
	return answer_eic(c, r.name, q);
}

int lambda_put_eic(struct call *c)
{
	return write_eic(c, false);
}

int lambda_update_eic(struct call *c)
{
	return write_eic(c, true);
}

int lambda_get_eic(struct call *c)
{
	struct fnref r;
	if (lambda_require_function(c, &r, true))
		return -1;
	return answer_eic(c, r.name, r.qualifier[0] ? r.qualifier : LAMBDA_LATEST);
}

int lambda_delete_eic(struct call *c)
{
	struct fnref r;
	if (lambda_require_function(c, &r, true))
		return -1;
	const char *q = r.qualifier[0] ? r.qualifier : LAMBDA_LATEST;
	if (db_begin())
		return call_error(c, ERR_LAMBDA_SERVICE, "database busy");
	sqlite3_stmt *st = db_prep("DELETE FROM lambda_eic WHERE account = ? AND region = ? AND name = ? AND qualifier = ?");
	lambda_bind_fn(st, c->who.account, c->region, r.name);
	db_bind_text(st, 4, q);
	int step = sqlite3_step(st);
	db_done(st);
	int changed = db_changes();
	if (step != SQLITE_DONE)
		return lambda_db_error(c);
	if (!changed) {
		db_rollback();
		return call_error(c, ERR_LAMBDA_NOT_FOUND, "The function %s doesn't have an EventInvokeConfig",
				  lambda_arn(c->arena, c->region, c->who.account, r.name, q));
	}
	return lambda_commit_204(c);
}

int lambda_list_eics(struct call *c)
{
	struct fnref r;
	if (lambda_require_function(c, &r, false))
		return -1;
	int64_t max = call_int(c, "MaxItems", 50);
	if (max < 1 || max > 50)
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER, "MaxItems must be between 1 and 50.");
	sqlite3_stmt *st = db_prep(EIC_COLS "WHERE account = ?1 AND region = ?2 AND name = ?3 AND qualifier > coalesce(?4, '') "
					    "ORDER BY qualifier LIMIT ?5");
	lambda_bind_fn(st, c->who.account, c->region, r.name);
	db_bind_text(st, 4, call_str(c, "Marker"));
	sqlite3_bind_int64(st, 5, max + 1);
	json_t *list = json_array();
	int n = 0;
	char last[140] = "";
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == max) {
			call_set(c, "NextMarker", json_string(last));
			break;
		}
		snprintf(last, sizeof last, "%s", db_col_text(st, 0));
		json_array_append_new(list, eic_json(c, r.name, st));
		n++;
	}
	db_done(st);
	call_set(c, "FunctionEventInvokeConfigs", list);
	return 0;
}

void lambda_eic_load(const char *account, const char *region, const char *name, const char *qualifier, struct lambda_eic *out)
{
	memset(out, 0, sizeof *out);
	out->retries = 2;
	out->max_age_s = 21600;
	sqlite3_stmt *st = db_prep("SELECT retries, max_age, on_success, on_failure FROM lambda_eic WHERE account = ? AND "
				   "region = ? AND name = ? AND qualifier = ?");
	lambda_bind_fn(st, account, region, name);
	db_bind_text(st, 4, qualifier && *qualifier ? qualifier : LAMBDA_LATEST);
	if (sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) != SQLITE_NULL)
			out->retries = sqlite3_column_int(st, 0);
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			out->max_age_s = sqlite3_column_int(st, 1);
		snprintf(out->on_success, sizeof out->on_success, "%s", db_col_text(st, 2) ? db_col_text(st, 2) : "");
		snprintf(out->on_failure, sizeof out->on_failure, "%s", db_col_text(st, 3) ? db_col_text(st, 3) : "");
	}
	db_done(st);
}

int lambda_settings_forget(const char *account, const char *region, const char *name, const char *qualifier)
{
	sqlite3_stmt *st = db_prep("DELETE FROM lambda_eic WHERE account = ? AND region = ? AND name = ? "
				   "AND (?4 IS NULL OR qualifier = ?4)");
	lambda_bind_fn(st, account, region, name);
	db_bind_text(st, 4, qualifier);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	db_done(st);
	if (rc || !qualifier)
		return rc;
	/* The qualifier's resource policy goes with it. */
	st = db_prep("UPDATE lambda_functions SET policy = json_remove(policy, '$.\"' || ?4 || '\"') "
		     "WHERE account = ?1 AND region = ?2 AND name = ?3 AND policy IS NOT NULL");
	lambda_bind_fn(st, account, region, name);
	db_bind_text(st, 4, qualifier);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	db_done(st);
	return rc;
}

/* ---- tags ---- */

static int tag_target(struct call *c, struct fnref *r)
{
	const char *res = call_str(c, "Resource");
	if (lambda_parse_fn(c, res, NULL, false, r))
		return -1;
	if (!lambda_function_exists(c->who.account, c->region, r->name))
		return lambda_err_not_found(c, r->name, NULL);
	return 0;
}

static int change_tags(struct call *c, bool add)
{
	struct fnref r;
	if (db_begin())
		return call_error(c, ERR_LAMBDA_SERVICE, "database busy");
	if (tag_target(c, &r)) {
		db_rollback();
		return -1;
	}
	sqlite3_stmt *st = db_prep("SELECT tags FROM lambda_functions WHERE account = ? AND region = ? AND name = ?");
	lambda_bind_fn(st, c->who.account, c->region, r.name);
	json_t *tags = sqlite3_step(st) == SQLITE_ROW ? json_loads(db_col_text(st, 0), 0, NULL) : NULL;
	db_done(st);
	if (!tags)
		tags = json_object();
	if (add) {
		json_object_update(tags, call_get(c, "Tags"));
	} else {
		size_t i;
		json_t *k;
		json_array_foreach(call_get(c, "TagKeys"), i, k) json_object_del(tags, json_string_value(k));
	}
	if (json_object_size(tags) > 50) {
		json_decref(tags);
		db_rollback();
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER, "Number of tags exceeds resource tag limit.");
	}
	char *tj = json_dumps(tags, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(tags);
	st = db_prep("UPDATE lambda_functions SET tags = ? WHERE account = ? AND region = ? AND name = ?");
	lambda_bind_fn(st, tj, c->who.account, c->region);
	db_bind_text(st, 4, r.name);
	int step = sqlite3_step(st);
	db_done(st);
	free(tj);
	if (step != SQLITE_DONE)
		return lambda_db_error(c);
	return lambda_commit_204(c);
}

int lambda_tag_resource(struct call *c)
{
	return change_tags(c, true);
}

int lambda_untag_resource(struct call *c)
{
	return change_tags(c, false);
}

int lambda_list_tags(struct call *c)
{
	struct fnref r;
	if (tag_target(c, &r))
		return -1;
	sqlite3_stmt *st = db_prep("SELECT tags FROM lambda_functions WHERE account = ? AND region = ? AND name = ?");
	lambda_bind_fn(st, c->who.account, c->region, r.name);
	json_t *tags = sqlite3_step(st) == SQLITE_ROW ? json_loads(db_col_text(st, 0), 0, NULL) : NULL;
	db_done(st);
	call_set(c, "Tags", tags ? tags : json_object());
	return 0;
}

/* ---- account ---- */

int lambda_get_account_settings(struct call *c)
{
	sqlite3_stmt *st = db_prep("SELECT count(*), (SELECT coalesce(sum(size), 0) FROM lambda_code) FROM lambda_functions "
				   "WHERE account = ? AND region = ?");
	db_bind_text(st, 1, c->who.account);
	db_bind_text(st, 2, c->region);
	int64_t count = 0, total = 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		count = sqlite3_column_int64(st, 0);
		total = sqlite3_column_int64(st, 1);
	}
	db_done(st);
	int reserved = lambda_reserved_sum(NULL, NULL, NULL);
	call_set(c, "AccountLimit",
		 json_pack("{s:I,s:I,s:I,s:i,s:i}", "TotalCodeSize", (json_int_t)ACCOUNT_CODE_LIMIT, "CodeSizeUnzipped",
			   (json_int_t)LAMBDA_MAX_UNZIPPED, "CodeSizeZipped", (json_int_t)LAMBDA_MAX_ZIPPED, "ConcurrentExecutions",
			   lambda_cfg.concurrency, "UnreservedConcurrentExecutions", lambda_cfg.concurrency - reserved));
	call_set(c, "AccountUsage", json_pack("{s:I,s:I}", "TotalCodeSize", (json_int_t)total, "FunctionCount", (json_int_t)count));
	return 0;
}
