/* logs.c — CloudWatch Logs (json 1.1, Logs_20140328): log groups, and the
 * service's table of operations (streams and events are in streams.c).
 *
 * Implements: CreateLogGroup, DeleteLogGroup (with its streams and events),
 * DescribeLogGroups (prefix, pattern, limit, nextToken), PutRetentionPolicy
 * (enforced by a sweep at start and every 10 minutes), DeleteRetentionPolicy,
 * TagResource, UntagResource, ListTagsForResource.
 * Leaves out: metric filters, subscriptions, KMS (kmsKeyId is stored, not
 * used).
 * Invariants: a group is keyed by (account, region, name); tags are one JSON
 * object per group; retention is one of the values AWS accepts.
 * Lifecycle: start() runs the logsink writer (engine/logsink.h) with this
 * service as its backend, so Lambda's function output lands in streams.
 */
#include "core/clock.h"
#include "engine/pool.h"
#include "engine/timers.h"
#include "proto/models/models.h"
#include "svc/logs/logs_int.h"
#include "store/db.h"
#include "store/migrate.h"
#include "svc/svc.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct migration logs_migrations[] = {
	{1, "CREATE TABLE log_groups (account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,"
	    "  created INTEGER NOT NULL, retention INTEGER, kms_key TEXT, class TEXT NOT NULL DEFAULT 'STANDARD',"
	    "  tags TEXT NOT NULL DEFAULT '{}', PRIMARY KEY (account, region, name)) WITHOUT ROWID;"},
	{2, "CREATE TABLE log_streams (id INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,"
	    "  grp TEXT NOT NULL, name TEXT NOT NULL, created INTEGER NOT NULL, first_ts INTEGER, last_ts INTEGER,"
	    "  last_ingest INTEGER, bytes INTEGER NOT NULL DEFAULT 0, seq INTEGER NOT NULL DEFAULT 0,"
	    "  UNIQUE (account, region, grp, name));"
	    "CREATE TABLE log_events (id INTEGER PRIMARY KEY, stream INTEGER NOT NULL, ts INTEGER NOT NULL,"
	    "  ingest INTEGER NOT NULL, msg TEXT NOT NULL);"
	    "CREATE INDEX log_events_by_stream ON log_events(stream, ts, id);"
	    "CREATE INDEX log_events_by_time ON log_events(ts, id);"},
};
static const struct migration_set logs_mset = {"logs", logs_migrations, 2};

static const int retention_days[] = {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
				     2922, 3288, 3653};

static bool valid_group_name(const char *n)
{
	size_t l = strlen(n);
	if (!l || l > 512)
		return false;
	for (const char *p = n; *p; p++) {
		char ch = *p;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || strchr("._-/#", ch)))
			return false;
	}
	return true;
}

static char *group_arn(struct call *c, const char *name, bool star)
{
	return arena_printf(c->arena, "arn:aws:logs:%s:%s:log-group:%s%s", c->region, c->who.account, name, star ? ":*" : "");
}

static int bad_name(struct call *c, const char *name)
{
	return call_error(c, ERR_LOGS_INVALID_PARAMETER,
			  "1 validation error detected: Value '%s' at 'logGroupName' failed to satisfy constraint: Member must "
			  "satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+",
			  name);
}

static int create_log_group(struct call *c)
{
	const char *name = call_str(c, "logGroupName");
	if (!valid_group_name(name))
		return bad_name(c, name);
	json_t *tags = call_get(c, "tags");
	char *tj = tags ? json_dumps(tags, JSON_COMPACT | JSON_SORT_KEYS) : strdup("{}");
	if (db_begin()) {
		free(tj);
		return call_error(c, ERR_INTERNAL, "database busy");
	}
	sqlite3_stmt *st = db_prep("INSERT INTO log_groups(account, region, name, created, kms_key, class, tags) "
				   "VALUES (?, ?, ?, ?, ?, coalesce(?, 'STANDARD'), ?) ON CONFLICT DO NOTHING");
	db_bind_text(st, 1, c->who.account);
	db_bind_text(st, 2, c->region);
	db_bind_text(st, 3, name);
	sqlite3_bind_int64(st, 4, clock_wall_ms());
	db_bind_text(st, 5, call_str(c, "kmsKeyId"));
	db_bind_text(st, 6, call_str(c, "logGroupClass"));
	db_bind_text(st, 7, tj);
	int rc = sqlite3_step(st);
	db_done(st);
	free(tj);
	int changed = db_changes();
	if (rc != SQLITE_DONE) {
		db_rollback();
		return call_error(c, ERR_INTERNAL, "%s", db_errmsg());
	}
	if (db_commit())
		return call_error(c, ERR_INTERNAL, "commit failed");
	if (!changed)
		return call_error(c, ERR_LOGS_RESOURCE_EXISTS, "The specified log group already exists");
	return 0;
}

/* Runs one write statement on a named group; -1 (ResourceNotFound) when absent. */
static int update_group(struct call *c, const char *sql, const char *name, int64_t ival, bool bind_int)
{
	if (db_begin())
		return call_error(c, ERR_INTERNAL, "database busy");
	sqlite3_stmt *st = db_prep(sql);
	int i = 1;
	if (bind_int)
		sqlite3_bind_int64(st, i++, ival);
	db_bind_text(st, i++, c->who.account);
	db_bind_text(st, i++, c->region);
	db_bind_text(st, i, name);
	int rc = sqlite3_step(st);
	db_done(st);
	int changed = db_changes();
	if (rc != SQLITE_DONE) {
		db_rollback();
		return call_error(c, ERR_INTERNAL, "%s", db_errmsg());
	}
	if (db_commit())
		return call_error(c, ERR_INTERNAL, "commit failed");
	if (!changed)
		return call_error(c, ERR_LOGS_NOT_FOUND, "The specified log group does not exist.");
	return 0;
}

static int delete_log_group(struct call *c)
{
	const char *name = call_str(c, "logGroupName");
	if (db_begin())
		return call_error(c, ERR_INTERNAL, "database busy");
	sqlite3_stmt *st = db_prep("DELETE FROM log_groups WHERE account = ? AND region = ? AND name = ?");
	db_bind_text(st, 1, c->who.account);
	db_bind_text(st, 2, c->region);
	db_bind_text(st, 3, name);
	int rc = sqlite3_step(st);
	db_done(st);
	int changed = db_changes();
	if (rc != SQLITE_DONE || (changed && logs_delete_group_streams(c->who.account, c->region, name))) {
		db_rollback();
		return call_error(c, ERR_INTERNAL, "%s", db_errmsg());
	}
	if (!changed) {
		db_rollback();
		return call_error(c, ERR_LOGS_NOT_FOUND, "The specified log group does not exist.");
	}
	return db_commit() ? call_error(c, ERR_INTERNAL, "commit failed") : 0;
}

static int put_retention_policy(struct call *c)
{
	int64_t days = call_int(c, "retentionInDays", 0);
	bool ok = false;
	for (size_t i = 0; i < sizeof retention_days / sizeof *retention_days; i++)
		ok |= retention_days[i] == days;
	if (!ok)
		return call_error(c, ERR_LOGS_INVALID_PARAMETER,
				  "1 validation error detected: Value '%lld' at 'retentionInDays' failed to satisfy constraint: "
				  "Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, "
				  "731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]",
				  (long long)days);
	return update_group(c, "UPDATE log_groups SET retention = ? WHERE account = ? AND region = ? AND name = ?",
			    call_str(c, "logGroupName"), days, true);
}

static int delete_retention_policy(struct call *c)
{
	return update_group(c, "UPDATE log_groups SET retention = NULL WHERE account = ? AND region = ? AND name = ?",
			    call_str(c, "logGroupName"), 0, false);
}

static json_t *group_json(struct call *c, sqlite3_stmt *st)
{
	const char *name = db_col_text(st, 0);
	json_t *g = json_object();
	json_object_set_new(g, "logGroupName", json_string(name));
	json_object_set_new(g, "creationTime", json_integer(sqlite3_column_int64(st, 1)));
	if (sqlite3_column_type(st, 2) != SQLITE_NULL)
		json_object_set_new(g, "retentionInDays", json_integer(sqlite3_column_int(st, 2)));
	json_object_set_new(g, "metricFilterCount", json_integer(0));
	json_object_set_new(g, "arn", json_string(group_arn(c, name, true)));
	json_object_set_new(g, "logGroupArn", json_string(group_arn(c, name, false)));
	json_object_set_new(g, "storedBytes", json_integer(0));
	if (db_col_text(st, 3))
		json_object_set_new(g, "kmsKeyId", json_string(db_col_text(st, 3)));
	json_object_set_new(g, "logGroupClass", json_string(db_col_text(st, 4)));
	return g;
}

static int describe_log_groups(struct call *c)
{
	const char *prefix = call_str(c, "logGroupNamePrefix");
	const char *pattern = call_str(c, "logGroupNamePattern");
	const char *token = call_str(c, "nextToken");
	int64_t limit = call_int(c, "limit", 50);
	if (prefix && pattern)
		return call_error(c, ERR_LOGS_INVALID_PARAMETER,
				  "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.");
	sqlite3_stmt *st = db_prep("SELECT name, created, retention, kms_key, class FROM log_groups "
				   "WHERE account = ?1 AND region = ?2 AND name > coalesce(?3, '') "
				   "AND (?4 IS NULL OR substr(name, 1, length(?4)) = ?4) "
				   "AND (?5 IS NULL OR instr(lower(name), lower(?5)) > 0) ORDER BY name LIMIT ?6");
	db_bind_text(st, 1, c->who.account);
	db_bind_text(st, 2, c->region);
	db_bind_text(st, 3, token);
	db_bind_text(st, 4, prefix);
	db_bind_text(st, 5, pattern);
	sqlite3_bind_int64(st, 6, limit + 1);
	json_t *groups = json_array();
	int n = 0;
	char last[600] = "";
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == limit) {
			call_set(c, "nextToken", json_string(last));
			break;
		}
		snprintf(last, sizeof last, "%s", db_col_text(st, 0));
		json_array_append_new(groups, group_json(c, st));
		n++;
	}
	db_done(st);
	call_set(c, "logGroups", groups);
	return 0;
}

/* arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*] -> NAME (arena), or NULL. */
static const char *name_from_arn(struct call *c, const char *arn)
{
	const char *p = strstr(arn ? arn : "", ":log-group:");
	if (!p || strncmp(arn, "arn:aws:logs:", 13))
		return NULL;
	p += 11;
	size_t n = strlen(p);
	if (n >= 2 && !strcmp(p + n - 2, ":*"))
		n -= 2;
	return arena_strndup(c->arena, p, n);
}

static int load_tags(struct call *c, const char *name, json_t **tags)
{
	sqlite3_stmt *st = db_prep("SELECT tags FROM log_groups WHERE account = ? AND region = ? AND name = ?");
	db_bind_text(st, 1, c->who.account);
	db_bind_text(st, 2, c->region);
	db_bind_text(st, 3, name);
	int rc = sqlite3_step(st);
	*tags = rc == SQLITE_ROW ? json_loads(db_col_text(st, 0), 0, NULL) : NULL;
	db_done(st);
	if (rc != SQLITE_ROW)
		return call_error(c, ERR_LOGS_NOT_FOUND, "The specified log group does not exist.");
	if (!*tags)
		*tags = json_object();
	return 0;
}

static int store_tags(struct call *c, const char *name, json_t *tags)
{
	char *tj = json_dumps(tags, JSON_COMPACT | JSON_SORT_KEYS);
	sqlite3_stmt *st = db_prep("UPDATE log_groups SET tags = ? WHERE account = ? AND region = ? AND name = ?");
	db_bind_text(st, 1, tj);
	db_bind_text(st, 2, c->who.account);
	db_bind_text(st, 3, c->region);
	db_bind_text(st, 4, name);
	int rc = sqlite3_step(st);
	db_done(st);
	free(tj);
	return rc == SQLITE_DONE ? 0 : call_error(c, ERR_INTERNAL, "%s", db_errmsg());
}

/* Read-modify-write of a group's tags in one transaction. */
static int change_tags(struct call *c, bool add)
{
	const char *name = name_from_arn(c, call_str(c, "resourceArn"));
	if (!name)
		return call_error(c, ERR_LOGS_INVALID_PARAMETER, "Invalid resource ARN: %s", call_str(c, "resourceArn"));
	if (db_begin())
		return call_error(c, ERR_INTERNAL, "database busy");
	json_t *tags;
	if (load_tags(c, name, &tags)) {
		db_rollback();
		return -1;
	}
	if (add) {
		json_object_update(tags, call_get(c, "tags"));
		if (json_object_size(tags) > 50) {
			json_decref(tags);
			db_rollback();
			return call_error(c, ERR_LOGS_INVALID_PARAMETER, "A resource can have no more than 50 tags.");
		}
	} else {
		size_t i;
		json_t *k;
		json_array_foreach(call_get(c, "tagKeys"), i, k) json_object_del(tags, json_string_value(k));
	}
	int rc = store_tags(c, name, tags);
	json_decref(tags);
	if (rc) {
		db_rollback();
		return -1;
	}
	return db_commit() ? call_error(c, ERR_INTERNAL, "commit failed") : 0;
}

static int tag_resource(struct call *c)
{
	return change_tags(c, true);
}

static int untag_resource(struct call *c)
{
	return change_tags(c, false);
}

static int list_tags_for_resource(struct call *c)
{
	const char *name = name_from_arn(c, call_str(c, "resourceArn"));
	if (!name)
		return call_error(c, ERR_LOGS_INVALID_PARAMETER, "Invalid resource ARN: %s", call_str(c, "resourceArn"));
	json_t *tags;
	if (load_tags(c, name, &tags))
		return -1;
	call_set(c, "tags", tags);
	return 0;
}

static const struct svc_op ops[] = {
	{"CreateLogGroup", create_log_group, NULL},
	{"DeleteLogGroup", delete_log_group, NULL},
	{"DescribeLogGroups", describe_log_groups, NULL},
	{"PutRetentionPolicy", put_retention_policy, NULL},
	{"DeleteRetentionPolicy", delete_retention_policy, NULL},
	{"TagResource", tag_resource, NULL},
	{"UntagResource", untag_resource, NULL},
	{"ListTagsForResource", list_tags_for_resource, NULL},
	{"CreateLogStream", logs_create_log_stream, NULL},
	{"DeleteLogStream", logs_delete_log_stream, NULL},
	{"DescribeLogStreams", logs_describe_log_streams, NULL},
	{"PutLogEvents", logs_put_log_events, NULL},
	{"GetLogEvents", logs_get_log_events, NULL},
	{"FilterLogEvents", logs_filter_log_events, NULL},
};

#define SWEEP_MS (10 * 60 * 1000)

static struct {
	pthread_mutex_t mu;
	bool running;
	uint64_t timer;
} L = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void sweep_job(void *arg)
{
	(void)arg;
	logs_retention_sweep();
}

/* Timer callbacks stay short: the sweep itself runs on the pool. */
static void sweep_tick(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&L.mu);
	if (L.running) {
		pool_submit(sweep_job, NULL);
		L.timer = timer_after_ms(SWEEP_MS, sweep_tick, NULL);
	}
	pthread_mutex_unlock(&L.mu);
}

static int logs_start(const struct config *cfg)
{
	(void)cfg;
	if (logsink_start(logs_sink_write))
		return -1;
	pthread_mutex_lock(&L.mu);
	L.running = true;
	L.timer = timer_after_ms(SWEEP_MS, sweep_tick, NULL);
	pthread_mutex_unlock(&L.mu);
	/* A first sweep at start, for what expired while nuage was down. */
	pool_submit(sweep_job, NULL);
	return 0;
}

static void logs_stop(void)
{
	pthread_mutex_lock(&L.mu);
	L.running = false;
	timer_cancel(L.timer);
	pthread_mutex_unlock(&L.mu);
	logsink_stop();
}

const struct svc svc_logs = {
	.name = "logs",
	.model = &model_logs,
	.ops = ops,
	.nops = sizeof ops / sizeof *ops,
	.migrations = &logs_mset,
	.start = logs_start,
	.stop = logs_stop,
};
