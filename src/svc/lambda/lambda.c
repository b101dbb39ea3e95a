/* lambda.c — AWS Lambda (rest-json, 2015-03-31): the service table, its
 * schema, start-up and shutdown, and function names and ARNs.
 *
 * Implements (handlers in the files lambda.h lists): CreateFunction,
 * GetFunction, GetFunctionConfiguration, ListFunctions, UpdateFunctionCode,
 * UpdateFunctionConfiguration, DeleteFunction, Invoke (RequestResponse,
 * Event, DryRun; LogType Tail), InvokeAsync, PublishVersion,
 * ListVersionsByFunction, Create/Get/Update/Delete/ListAliases,
 * Put/Get/DeleteFunctionConcurrency, AddPermission, RemovePermission,
 * GetPolicy, Put/Get/Update/Delete/ListFunctionEventInvokeConfig(s),
 * GetAccountSettings, TagResource, UntagResource, ListTags.
 * Code comes as ZipFile bytes or from nuage's S3 (S3Bucket/S3Key, read
 * through engine/objects.h).
 * Create/Get/List/Update/DeleteEventSourceMapping for SQS queues (esm.c).
 * Leaves out: other event sources (streams, Kafka, MQ), layers, container images, function URLs, provisioned
 * concurrency, code signing, SnapStart, response streaming, VPC/EFS
 * (stored, not applied), IAM (the role is checked for form only).
 *
 * Schema (migration 1):
 *   lambda_functions  one row per function: next version number, reserved
 *                     concurrency, resource policy, tags
 *   lambda_versions   $LATEST and each published version: configuration
 *                     JSON, code SHA-256, state, last-update status, revision
 *   lambda_code       deployment packages by SHA-256 -> blob (store/blob.c)
 *   lambda_aliases    alias -> version (+ routing weights)
 *   lambda_eic        EventInvokeConfig per qualifier
 *   lambda_async      accepted Event invocations and pending destination
 *                     deliveries (async.c)
 *   lambda_esm        event-source mappings (esm.c; migration 2)
 */
#include "svc/lambda/lambda.h"
#include "config.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "proto/models/models.h"
#include "store/db.h"
#include "store/migrate.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct lambda_settings lambda_cfg;

static const struct migration lambda_migrations[] = {
	{1, "CREATE TABLE lambda_functions (account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,"
	    "  created INTEGER NOT NULL, next_version INTEGER NOT NULL DEFAULT 1, reserved INTEGER, policy TEXT,"
	    "  tags TEXT NOT NULL DEFAULT '{}', PRIMARY KEY (account, region, name)) WITHOUT ROWID;"
	    "CREATE TABLE lambda_versions (account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,"
	    "  version TEXT NOT NULL, vnum INTEGER NOT NULL, config TEXT NOT NULL, code_sha TEXT NOT NULL,"
	    "  code_size INTEGER NOT NULL, state TEXT NOT NULL, state_reason TEXT, state_code TEXT,"
	    "  update_status TEXT, update_reason TEXT, update_code TEXT, revision TEXT NOT NULL,"
	    "  modified INTEGER NOT NULL, PRIMARY KEY (account, region, name, version)) WITHOUT ROWID;"
	    "CREATE INDEX lambda_versions_code ON lambda_versions(code_sha);"
	    "CREATE TABLE lambda_code (sha TEXT PRIMARY KEY, blob TEXT NOT NULL, size INTEGER NOT NULL,"
	    "  unzipped INTEGER NOT NULL, created INTEGER NOT NULL) WITHOUT ROWID;"
	    "CREATE TABLE lambda_aliases (account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,"
	    "  alias TEXT NOT NULL, version TEXT NOT NULL, description TEXT NOT NULL DEFAULT '', routing TEXT,"
	    "  revision TEXT NOT NULL, PRIMARY KEY (account, region, name, alias)) WITHOUT ROWID;"
	    "CREATE TABLE lambda_eic (account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,"
	    "  qualifier TEXT NOT NULL, retries INTEGER, max_age INTEGER, on_success TEXT, on_failure TEXT,"
	    "  modified INTEGER NOT NULL, PRIMARY KEY (account, region, name, qualifier)) WITHOUT ROWID;"
	    "CREATE TABLE lambda_async (id INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,"
	    "  name TEXT NOT NULL, qualifier TEXT NOT NULL, request_id TEXT NOT NULL, payload BLOB NOT NULL,"
	    "  received INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, throttles INTEGER NOT NULL DEFAULT 0,"
	    "  next_attempt INTEGER NOT NULL, phase TEXT NOT NULL DEFAULT 'invoke', dest TEXT, record TEXT,"
	    "  source TEXT UNIQUE, waiting INTEGER NOT NULL DEFAULT 0);"
	    "CREATE INDEX lambda_async_due ON lambda_async(next_attempt, id);"},
	{2, "CREATE TABLE lambda_esm (uuid TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,"
	    "  function TEXT NOT NULL, qualifier TEXT NOT NULL DEFAULT '', source_arn TEXT NOT NULL,"
	    "  batch_size INTEGER NOT NULL, window_s INTEGER NOT NULL, enabled INTEGER NOT NULL, filters TEXT,"
	    "  response_types TEXT, max_concurrency INTEGER NOT NULL DEFAULT 0, modified INTEGER NOT NULL,"
	    "  last_result TEXT, state_reason TEXT) WITHOUT ROWID;"
	    "CREATE INDEX lambda_esm_fn ON lambda_esm(account, region, function);"},
};
static const struct migration_set lambda_mset = {"lambda", lambda_migrations, 2};

bool lambda_valid_name(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (!n || n > 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return false;
	return true;
}

static bool valid_qualifier(const char *q)
{
	size_t n = strlen(q);
	if (!n || n > 128)
		return false;
	if (!strcmp(q, LAMBDA_LATEST))
		return true;
	for (const char *p = q; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return false;
	return true;
}

/* Splits the forms FunctionName accepts. err gets the reason on -1. */
int lambda_parse_ref(const char *account, const char *region, const char *fname, struct fnref *out, char *err,
		     size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (!fname || !*fname || strlen(fname) > 170) {
		snprintf(err, errlen, "Invalid function name");
		return -1;
	}
	char buf[256];
	snprintf(buf, sizeof buf, "%s", fname);
	char *parts[8];
	int n = 0;
	char *p = buf;
	parts[n++] = p;
	while ((p = strchr(p, ':')) && n < 8) {
		*p++ = 0;
		parts[n++] = p;
	}
	if (p) {
		snprintf(err, errlen, "Invalid function name: %s", fname);
		return -1;
	}
	const char *name = NULL, *q = NULL, *acct = NULL, *reg = NULL;
	if (n >= 7 && !strcmp(parts[0], "arn") && !strcmp(parts[2], "lambda") && !strcmp(parts[5], "function")) {
		reg = parts[3];
		acct = parts[4];
		name = parts[6];
		q = n == 8 ? parts[7] : NULL;
	} else if (n >= 3 && !strcmp(parts[1], "function") && n <= 4) {
		acct = parts[0];
		name = parts[2];
		q = n == 4 ? parts[3] : NULL;
	} else if (n <= 2) {
		name = parts[0];
		q = n == 2 ? parts[1] : NULL;
	} else {
		snprintf(err, errlen, "Invalid function name: %s", fname);
		return -1;
	}
	if (!lambda_valid_name(name) || (q && !valid_qualifier(q))) {
		snprintf(err, errlen,
			 "1 validation error detected: Value '%s' at 'functionName' failed to satisfy constraint: Member must "
			 "satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?"
			 "(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?",
			 fname);
		return -1;
	}
	if ((acct && strcmp(acct, account)) || (reg && strcmp(reg, region))) {
		snprintf(err, errlen, "Function not found: %s", fname);
		return 1;
	}
	snprintf(out->name, sizeof out->name, "%s", name);
	if (q)
		snprintf(out->qualifier, sizeof out->qualifier, "%s", q);
	return 0;
}

int lambda_parse_fn(struct call *c, const char *fname, const char *qualifier, bool allow_qualifier, struct fnref *out)
{
	char err[600];
	int rc = lambda_parse_ref(c->who.account, c->region, fname, out, err, sizeof err);
	if (rc == 1)
		return call_error(c, ERR_LAMBDA_NOT_FOUND, "%s", err);
	if (rc)
		return call_error(c, strstr(err, "validation error") ? ERR_VALIDATION : ERR_LAMBDA_INVALID_PARAMETER, "%s", err);
	if (qualifier && *qualifier) {
		if (!valid_qualifier(qualifier))
			return call_error(c, ERR_VALIDATION,
					  "1 validation error detected: Value '%s' at 'qualifier' failed to satisfy constraint: "
					  "Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)",
					  qualifier);
		if (out->qualifier[0] && strcmp(out->qualifier, qualifier))
			return call_error(c, ERR_LAMBDA_INVALID_PARAMETER,
					  "The derived qualifier from the function name does not match the specified qualifier.");
		snprintf(out->qualifier, sizeof out->qualifier, "%s", qualifier);
	}
	if (!allow_qualifier && out->qualifier[0])
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER, "Unsupported Qualifier: %s for this operation.", out->qualifier);
	return 0;
}

int lambda_require_function(struct call *c, struct fnref *r, bool allow_qualifier)
{
	if (lambda_parse_fn(c, call_str(c, "FunctionName"), allow_qualifier ? call_str(c, "Qualifier") : NULL, allow_qualifier, r))
		return -1;
	if (!lambda_function_exists(c->who.account, c->region, r->name))
		return lambda_err_not_found(c, r->name, NULL);
	return 0;
}

char *lambda_arn(struct arena *a, const char *region, const char *account, const char *name, const char *qualifier)
{
	return qualifier && *qualifier ? arena_printf(a, "arn:aws:lambda:%s:%s:function:%s:%s", region, account, name, qualifier)
				       : arena_printf(a, "arn:aws:lambda:%s:%s:function:%s", region, account, name);
}

int lambda_err_not_found(struct call *c, const char *name, const char *qualifier)
{
	return call_error(c, ERR_LAMBDA_NOT_FOUND, "Function not found: %s",
			  lambda_arn(c->arena, c->region, c->who.account, name, qualifier));
}

void lambda_time_text(int64_t ms, char out[40])
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&s, &tm);
	snprintf(out, 40, "%04d-%02d-%02dT%02d:%02d:%02d.%03d+0000", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

int lambda_db_error(struct call *c)
{
	if (db_in_txn())
		db_rollback();
	return call_error(c, ERR_LAMBDA_SERVICE, "The Lambda service encountered an internal error: %s", db_errmsg());
}

int lambda_end_write(struct call *c, int rc)
{
	if (rc) {
		if (db_in_txn())
			db_rollback();
		return -1;
	}
	return db_commit() ? call_error(c, ERR_LAMBDA_SERVICE, "commit failed") : 0;
}

int lambda_commit_204(struct call *c)
{
	if (lambda_end_write(c, 0))
		return -1;
	c->status = 204;
	return 0;
}

void lambda_settle(int rc)
{
	if (rc)
		db_rollback();
	else
		db_commit();
}

void lambda_bind_fn(sqlite3_stmt *st, const char *account, const char *region, const char *name)
{
	db_bind_text(st, 1, account);
	db_bind_text(st, 2, region);
	db_bind_text(st, 3, name);
}

int lambda_step(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	db_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int lambda_answer_row(struct call *c, const char *sql, const char *name, const char *key,
		      json_t *(*render)(struct call *c, const char *name, sqlite3_stmt *st))
{
	sqlite3_stmt *st = db_prep(sql);
	lambda_bind_fn(st, c->who.account, c->region, name);
	db_bind_text(st, 4, key);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		c->output = render(c, name, st);
	db_done(st);
	return rc == SQLITE_ROW ? 0 : 1;
}

static const struct svc_op ops[] = {
	{"AddPermission", lambda_add_permission, NULL},
	{"CreateAlias", lambda_create_alias, NULL},
	{"CreateEventSourceMapping", lambda_create_esm, NULL},
	{"CreateFunction", lambda_create_function, NULL},
	{"DeleteAlias", lambda_delete_alias, NULL},
	{"DeleteEventSourceMapping", lambda_delete_esm, NULL},
	{"DeleteFunction", lambda_delete_function, NULL},
	{"DeleteFunctionConcurrency", lambda_delete_concurrency, NULL},
	{"DeleteFunctionEventInvokeConfig", lambda_delete_eic, NULL},
	{"GetAccountSettings", lambda_get_account_settings, NULL},
	{"GetAlias", lambda_get_alias, NULL},
	{"GetEventSourceMapping", lambda_get_esm, NULL},
	{"GetFunction", lambda_get_function, NULL},
	{"GetFunctionConcurrency", lambda_get_concurrency, NULL},
	{"GetFunctionConfiguration", lambda_get_function_configuration, NULL},
	{"GetFunctionEventInvokeConfig", lambda_get_eic, NULL},
	{"GetPolicy", lambda_get_policy, NULL},
	{"Invoke", lambda_invoke, NULL},
	{"InvokeAsync", lambda_invoke_async, NULL},
	{"ListAliases", lambda_list_aliases, NULL},
	{"ListEventSourceMappings", lambda_list_esms, NULL},
	{"ListFunctionEventInvokeConfigs", lambda_list_eics, NULL},
	{"ListFunctions", lambda_list_functions, NULL},
	{"ListTags", lambda_list_tags, NULL},
	{"ListVersionsByFunction", lambda_list_versions, NULL},
	{"PublishVersion", lambda_publish_version, NULL},
	{"PutFunctionConcurrency", lambda_put_concurrency, NULL},
	{"PutFunctionEventInvokeConfig", lambda_put_eic, NULL},
	{"RemovePermission", lambda_remove_permission, NULL},
	{"TagResource", lambda_tag_resource, NULL},
	{"UntagResource", lambda_untag_resource, NULL},
	{"UpdateAlias", lambda_update_alias, NULL},
	{"UpdateEventSourceMapping", lambda_update_esm, NULL},
	{"UpdateFunctionCode", lambda_update_function_code, NULL},
	{"UpdateFunctionConfiguration", lambda_update_function_configuration, NULL},
	{"UpdateFunctionEventInvokeConfig", lambda_update_eic, NULL},
};

static int lambda_start(const struct config *cfg)
{
	char p[PATH_MAX];
	lambda_cfg.cfg = cfg;
	lambda_cfg.data_dir = xstrdup(cfg->data_dir);
	lambda_cfg.retry_ms = cfg->lambda_retry_ms;
	lambda_cfg.concurrency = cfg->lambda_concurrency;
	snprintf(p, sizeof p, "%s/lambda", cfg->data_dir);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/lambda/code", cfg->data_dir);
	if (mkdir(p, 0755) && access(p, W_OK)) {
		log_error("lambda: cannot create %s", p);
		return -1;
	}
	lambda_cfg.code_dir = xstrdup(p);
	struct lambda_exec_settings es = {.data_dir = cfg->data_dir, .python = cfg->lambda_python, .node = cfg->lambda_node,
					  .idle_s = cfg->lambda_idle_s, .concurrency = cfg->lambda_concurrency,
					  .host = cfg->host, .cfg = cfg};
	if (lambda_exec_start(&es))
		return -1;
	lambda_reserved_refresh();
	lambda_code_recover();
	return lambda_async_start();
}

static void lambda_listening(int port)
{
	lambda_exec_listening(port);
	lambda_async_ready();
	lambda_esm_start();
}

static void lambda_quiesce(void)
{
	lambda_esm_quiesce();
	lambda_exec_quiesce();
}

static void lambda_stop(void)
{
	lambda_esm_stop();
	lambda_async_stop();
	lambda_exec_stop();
	db_release();
	free(lambda_cfg.data_dir);
	free(lambda_cfg.code_dir);
	lambda_cfg.data_dir = lambda_cfg.code_dir = NULL;
}

const struct svc svc_lambda = {
	.name = "lambda",
	.model = &model_lambda,
	.ops = ops,
	.nops = sizeof ops / sizeof *ops,
	.max_body = LAMBDA_MAX_REQUEST,
	.migrations = &lambda_mset,
	.start = lambda_start,
	.stop = lambda_stop,
	.listening = lambda_listening,
	.quiesce = lambda_quiesce,
};
