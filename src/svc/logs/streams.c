/* streams.c — CloudWatch Logs streams and events.
 *
 * Implements: CreateLogStream, DeleteLogStream, DescribeLogStreams (prefix,
 * order by name or last event time, descending, nextToken), PutLogEvents
 * (batch limits, chronological order, 24-hour span, rejectedLogEventsInfo
 * for too-old/too-new/expired events; sequence tokens are returned and
 * ignored, as AWS has done since 2023), GetLogEvents (start/end time,
 * startFromHead, forward/backward tokens that repeat at the end of the
 * stream), FilterLogEvents (stream names or prefix, time range, filter
 * patterns from filter.c, eventId, nextToken) — enough for
 * `aws logs tail --follow`. Also the logsink backend through which Lambda
 * writes its functions' output.
 * Leaves out: unmask (no data protection), searchedLogStreams (deprecated),
 * entity/log-object metadata, KMS.
 *
 * Invariants:
 *  1. A stream belongs to exactly one group (account, region, grp); deleting
 *     the group or the stream deletes its events in the same transaction.
 *  2. Events are ordered by (timestamp, id); id is the insertion rowid, so
 *     ties keep arrival order and every token names a position in it.
 *  3. A stream's first/last event time, last ingestion and stored bytes are
 *     updated in the transaction that inserts its events.
 */
#include "svc/logs/logs_int.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "svc/logs/filter.h"
#include "store/db.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BATCH_BYTES 1048576
#define EVENT_OVERHEAD 26
#define MAX_EVENT_BYTES (262144 - EVENT_OVERHEAD)
#define DAY_MS (24LL * 3600 * 1000)
#define MAX_RESPONSE_BYTES (1 << 20)
#define FILTER_SCAN_CAP 100000
#define POS_MIN INT64_MIN
#define POS_MAX INT64_MAX

static int group_exists(const char *account, const char *region, const char *name)
{
	sqlite3_stmt *st = db_prep("SELECT 1 FROM log_groups WHERE account = ? AND region = ? AND name = ?");
	db_bind_text(st, 1, account);
	db_bind_text(st, 2, region);
	db_bind_text(st, 3, name);
	int found = sqlite3_step(st) == SQLITE_ROW;
	db_done(st);
	return found;
}

const char *logs_call_group(struct call *c)
{
	const char *name = call_str(c, "logGroupName");
	const char *ident = call_str(c, "logGroupIdentifier");
	if (name && ident) {
		call_error(c, ERR_LOGS_INVALID_PARAMETER, "LogGroup name and LogGroup ARN are mutually exclusive parameters.");
		return NULL;
	}
	if (!name && !ident) {
		call_error(c, ERR_LOGS_INVALID_PARAMETER, "Either logGroupName or logGroupIdentifier must be specified.");
		return NULL;
	}
	if (ident) {
		const char *p = strstr(ident, ":log-group:");
		name = ident;
		if (!strncmp(ident, "arn:", 4)) {
			if (!p) {
				call_error(c, ERR_LOGS_INVALID_PARAMETER, "Invalid log group identifier: %s", ident);
				return NULL;
			}
			name = arena_strdup(c->arena, p + 11);
			size_t n = strlen(name);
			if (n >= 2 && !strcmp(name + n - 2, ":*"))
				((char *)name)[n - 2] = 0;
		}
	}
	if (!group_exists(c->who.account, c->region, name)) {
		call_error(c, ERR_LOGS_NOT_FOUND, "The specified log group does not exist.");
		return NULL;
	}
	return name;
}

static bool valid_stream_name(const char *s)
{
	size_t n = strlen(s);
	return n && n <= 512 && !strpbrk(s, ":*");
}

static int64_t stream_id(const char *account, const char *region, const char *group, const char *name)
{
	sqlite3_stmt *st = db_prep("SELECT id FROM log_streams WHERE account = ? AND region = ? AND grp = ? AND name = ?");
	db_bind_text(st, 1, account);
	db_bind_text(st, 2, region);
	db_bind_text(st, 3, group);
	db_bind_text(st, 4, name);
	int64_t id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	db_done(st);
	return id;
}

static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	db_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Inside a transaction: the stream's id, creating it (and its group when
 * create_group) if missing. -1 on a database error. */
static int64_t ensure_stream(const char *account, const char *region, const char *group, const char *name,
			     bool create_group)
{
	int64_t id = stream_id(account, region, group, name);
	if (id >= 0)
		return id;
	int64_t now = clock_wall_ms();
	if (create_group) {
		sqlite3_stmt *st = db_prep("INSERT INTO log_groups(account, region, name, created) VALUES (?, ?, ?, ?) "
					   "ON CONFLICT DO NOTHING");
		db_bind_text(st, 1, account);
		db_bind_text(st, 2, region);
		db_bind_text(st, 3, group);
		sqlite3_bind_int64(st, 4, now);
		if (step_done(st))
			return -1;
	}
	sqlite3_stmt *st = db_prep("INSERT INTO log_streams(account, region, grp, name, created) VALUES (?, ?, ?, ?, ?)");
	db_bind_text(st, 1, account);
	db_bind_text(st, 2, region);
	db_bind_text(st, 3, group);
	db_bind_text(st, 4, name);
	sqlite3_bind_int64(st, 5, now);
	if (step_done(st))
		return -1;
	return db_last_rowid();
}

/* Ends a handler's transaction: rolls back on failure (c->err set). */
static int end_txn(struct call *c, int rc)
{
	if (rc) {
		db_rollback();
		return -1;
	}
	return db_commit() ? call_error(c, ERR_INTERNAL, "commit failed") : 0;
}

int logs_create_log_stream(struct call *c)
{
	const char *group = call_str(c, "logGroupName");
	const char *name = call_str(c, "logStreamName");
	if (!valid_stream_name(name))
		return call_error(c, ERR_LOGS_INVALID_PARAMETER,
				  "1 validation error detected: Value '%s' at 'logStreamName' failed to satisfy constraint: "
				  "Member must satisfy regular expression pattern: [^:*]*",
				  name);
	if (db_begin())
		return call_error(c, ERR_INTERNAL, "database busy");
	int rc = -1;
	if (!group_exists(c->who.account, c->region, group))
		call_error(c, ERR_LOGS_NOT_FOUND, "The specified log group does not exist.");
	else if (stream_id(c->who.account, c->region, group, name) >= 0)
		call_error(c, ERR_LOGS_RESOURCE_EXISTS, "The specified log stream already exists");
	else if (ensure_stream(c->who.account, c->region, group, name, false) < 0)
		call_error(c, ERR_INTERNAL, "%s", db_errmsg());
	else
		rc = 0;
	return end_txn(c, rc);
}

static int delete_stream_events(int64_t id)
{
	sqlite3_stmt *st = db_prep("DELETE FROM log_events WHERE stream = ?");
	sqlite3_bind_int64(st, 1, id);
	if (step_done(st))
		return -1;
	st = db_prep("DELETE FROM log_streams WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	return step_done(st);
}

int logs_delete_log_stream(struct call *c)
{
	const char *group = call_str(c, "logGroupName");
	const char *name = call_str(c, "logStreamName");
	if (db_begin())
		return call_error(c, ERR_INTERNAL, "database busy");
	int rc = -1;
	int64_t id;
	if (!group_exists(c->who.account, c->region, group))
		call_error(c, ERR_LOGS_NOT_FOUND, "The specified log group does not exist.");
	else if ((id = stream_id(c->who.account, c->region, group, name)) < 0)
		call_error(c, ERR_LOGS_NOT_FOUND, "The specified log stream does not exist.");
	else if (delete_stream_events(id))
		call_error(c, ERR_INTERNAL, "%s", db_errmsg());
	else
		rc = 0;
	return end_txn(c, rc);
}

int logs_delete_group_streams(const char *account, const char *region, const char *group)
{
	sqlite3_stmt *st = db_prep("DELETE FROM log_events WHERE stream IN "
				   "(SELECT id FROM log_streams WHERE account = ? AND region = ? AND grp = ?)");
	db_bind_text(st, 1, account);
	db_bind_text(st, 2, region);
	db_bind_text(st, 3, group);
	if (step_done(st))
		return -1;
	st = db_prep("DELETE FROM log_streams WHERE account = ? AND region = ? AND grp = ?");
	db_bind_text(st, 1, account);
	db_bind_text(st, 2, region);
	db_bind_text(st, 3, group);
	return step_done(st);
}

static json_t *stream_json(struct call *c, const char *group, sqlite3_stmt *st)
{
	json_t *s = json_object();
	const char *name = db_col_text(st, 0);
	json_object_set_new(s, "logStreamName", json_string(name));
	json_object_set_new(s, "creationTime", json_integer(sqlite3_column_int64(st, 1)));
	if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
		json_object_set_new(s, "firstEventTimestamp", json_integer(sqlite3_column_int64(st, 2)));
		json_object_set_new(s, "lastEventTimestamp", json_integer(sqlite3_column_int64(st, 3)));
		json_object_set_new(s, "lastIngestionTime", json_integer(sqlite3_column_int64(st, 4)));
	}
	char tok[32];
	snprintf(tok, sizeof tok, "%020lld", (long long)sqlite3_column_int64(st, 6));
	json_object_set_new(s, "uploadSequenceToken", json_string(tok));
	json_object_set_new(s, "arn", json_string(arena_printf(c->arena, "arn:aws:logs:%s:%s:log-group:%s:log-stream:%s",
								c->region, c->who.account, group, name)));
	json_object_set_new(s, "storedBytes", json_integer(sqlite3_column_int64(st, 5)));
	return s;
}

#define STREAM_COLS "SELECT name, created, first_ts, last_ts, last_ingest, bytes, seq FROM log_streams "
#define STREAM_WHERE "WHERE account = ?1 AND region = ?2 AND grp = ?3 "

static const char *const describe_sql[4] = {
	/* by name, ascending / descending; ?4 prefix, ?5 token name */
	STREAM_COLS STREAM_WHERE "AND (?4 IS NULL OR substr(name, 1, length(?4)) = ?4) AND (?5 IS NULL OR name > ?5) "
				 "ORDER BY name LIMIT ?7",
	STREAM_COLS STREAM_WHERE "AND (?4 IS NULL OR substr(name, 1, length(?4)) = ?4) AND (?5 IS NULL OR name < ?5) "
				 "ORDER BY name DESC LIMIT ?7",
	/* by last event time; ?6 token time, ?5 token name */
	STREAM_COLS STREAM_WHERE "AND (?5 IS NULL OR (coalesce(last_ts, 0), name) > (?6, ?5)) "
				 "ORDER BY coalesce(last_ts, 0), name LIMIT ?7",
	STREAM_COLS STREAM_WHERE "AND (?5 IS NULL OR (coalesce(last_ts, 0), name) < (?6, ?5)) "
				 "ORDER BY coalesce(last_ts, 0) DESC, name DESC LIMIT ?7",
};

static int bad_token(struct call *c)
{
	return call_error(c, ERR_LOGS_INVALID_PARAMETER, "The specified nextToken is invalid.");
}

/* "t:<ms>:<name>" or "n:<name>" -> parts (name points into tok). */
static int parse_stream_token(const char *tok, bool by_time, int64_t *ts, const char **name)
{
	if (by_time) {
		if (strncmp(tok, "t:", 2))
			return -1;
		char *e;
		long long v = strtoll(tok + 2, &e, 10);
		if (e == tok + 2 || *e != ':')
			return -1;
		*ts = v;
		*name = e + 1;
		return 0;
	}
	if (strncmp(tok, "n:", 2))
		return -1;
	*name = tok + 2;
	return 0;
}

int logs_describe_log_streams(struct call *c)
{
	const char *group = logs_call_group(c);
	if (!group)
		return -1;
	const char *prefix = call_str(c, "logStreamNamePrefix");
	const char *order = call_str(c, "orderBy");
	bool by_time = order && !strcmp(order, "LastEventTime");
	bool desc = call_bool(c, "descending", false);
	int64_t limit = call_int(c, "limit", 50);
	if (by_time && prefix)
		return call_error(c, ERR_LOGS_INVALID_PARAMETER, "Cannot order by LastEventTime with a logStreamNamePrefix.");
	const char *tok = call_str(c, "nextToken");
	const char *tname = NULL;
	int64_t tts = 0;
	if (tok && parse_stream_token(tok, by_time, &tts, &tname))
		return bad_token(c);
	sqlite3_stmt *st = db_prep(describe_sql[(by_time ? 2 : 0) + (desc ? 1 : 0)]);
	db_bind_text(st, 1, c->who.account);
	db_bind_text(st, 2, c->region);
	db_bind_text(st, 3, group);
	db_bind_text(st, 4, prefix);
	db_bind_text(st, 5, tname);
	sqlite3_bind_int64(st, 6, tts);
	sqlite3_bind_int64(st, 7, limit + 1);
	json_t *list = json_array();
	int n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == limit) {
			json_t *last = json_array_get(list, json_array_size(list) - 1);
			const char *ln = json_string_value(json_object_get(last, "logStreamName"));
			json_t *lt = json_object_get(last, "lastEventTimestamp");
			call_set(c, "nextToken",
				 json_string(by_time ? arena_printf(c->arena, "t:%lld:%s", lt ? (long long)json_integer_value(lt) : 0LL, ln)
						     : arena_printf(c->arena, "n:%s", ln)));
			break;
		}
		json_array_append_new(list, stream_json(c, group, st));
		n++;
	}
	db_done(st);
	call_set(c, "logStreams", list);
	return 0;
}

static int group_retention_days(const char *account, const char *region, const char *group)
{
	sqlite3_stmt *st = db_prep("SELECT retention FROM log_groups WHERE account = ? AND region = ? AND name = ?");
	db_bind_text(st, 1, account);
	db_bind_text(st, 2, region);
	db_bind_text(st, 3, group);
	int days = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL ? sqlite3_column_int(st, 0) : 0;
	db_done(st);
	return days;
}

/* Appends n events to stream sid and updates its summary (first/last
 * event time, ingestion time, bytes; the upload sequence when seq is not
 * NULL). Inside the caller's transaction. 0 or -1. */
static int append_events(int64_t sid, const struct logsink_event *ev, size_t n, int64_t now, int64_t *seq)
{
	int64_t first = INT64_MAX, last = INT64_MIN, bytes = 0;
	for (size_t k = 0; k < n; k++) {
		sqlite3_stmt *st = db_prep("INSERT INTO log_events(stream, ts, ingest, msg) VALUES (?, ?, ?, ?)");
		sqlite3_bind_int64(st, 1, sid);
		sqlite3_bind_int64(st, 2, ev[k].ts);
		sqlite3_bind_int64(st, 3, now);
		sqlite3_bind_text(st, 4, ev[k].msg, (int)ev[k].len, SQLITE_STATIC);
		if (step_done(st))
			return -1;
		first = ev[k].ts < first ? ev[k].ts : first;
		last = ev[k].ts > last ? ev[k].ts : last;
		bytes += (int64_t)ev[k].len;
	}
	sqlite3_stmt *st = db_prep("UPDATE log_streams SET first_ts = min(coalesce(first_ts, ?2), ?2), "
				   "last_ts = max(coalesce(last_ts, ?3), ?3), last_ingest = ?4, bytes = bytes + ?5, "
				   "seq = seq + ?6 WHERE id = ?1 RETURNING seq");
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int64(st, 2, first);
	sqlite3_bind_int64(st, 3, last);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, bytes);
	sqlite3_bind_int(st, 6, seq != NULL);
	int rc = sqlite3_step(st);
	if (seq)
		*seq = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	db_done(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* PutLogEvents' events[from, to) through append_events. */
static int insert_events(int64_t sid, json_t *events, size_t from, size_t to, int64_t now, int64_t *seq)
{
	struct logsink_event *ev = xcalloc(to - from, sizeof *ev);
	for (size_t i = from; i < to; i++) {
		json_t *e = json_array_get(events, i);
		json_t *m = json_object_get(e, "message");
		ev[i - from].ts = json_integer_value(json_object_get(e, "timestamp"));
		ev[i - from].msg = json_string_value(m);
		ev[i - from].len = json_string_length(m);
	}
	int rc = append_events(sid, ev, to - from, now, seq);
	free(ev);
	return rc;
}

/* Checks the batch as AWS does; 0 or -1 with c->err set. */
static int check_batch(struct call *c, json_t *events)
{
	size_t n = json_array_size(events), total = 0;
	int64_t prev = INT64_MIN, lo = INT64_MAX, hi = INT64_MIN;
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(events, i);
		int64_t ts = json_integer_value(json_object_get(e, "timestamp"));
		size_t ml = json_string_length(json_object_get(e, "message"));
		if (ml > MAX_EVENT_BYTES)
			return call_error(c, ERR_LOGS_INVALID_PARAMETER, "Log event too large: %zu bytes exceeds limit of %d", ml + EVENT_OVERHEAD,
					  MAX_EVENT_BYTES + EVENT_OVERHEAD);
		total += ml + EVENT_OVERHEAD;
		if (ts < prev)
			return call_error(c, ERR_LOGS_INVALID_PARAMETER,
					  "Log events in a single PutLogEvents request must be in chronological order.");
		prev = ts;
		lo = ts < lo ? ts : lo;
		hi = ts > hi ? ts : hi;
	}
	if (total > MAX_BATCH_BYTES)
		return call_error(c, ERR_LOGS_INVALID_PARAMETER, "Upload too large: %zu bytes exceeds limit of %d", total,
				  MAX_BATCH_BYTES);
	if (n && hi - lo > DAY_MS)
		return call_error(c, ERR_LOGS_INVALID_PARAMETER,
				  "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.");
	return 0;
}

int logs_put_log_events(struct call *c)
{
	const char *group = call_str(c, "logGroupName");
	const char *name = call_str(c, "logStreamName");
	json_t *events = call_get(c, "logEvents");
	if (check_batch(c, events))
		return -1;
	int64_t now = clock_wall_ms();
	if (db_begin())
		return call_error(c, ERR_INTERNAL, "database busy");
	int64_t sid = -1, seq = 0;
	if (!group_exists(c->who.account, c->region, group)) {
		db_rollback();
		return call_error(c, ERR_LOGS_NOT_FOUND, "The specified log group does not exist.");
	}
	if ((sid = stream_id(c->who.account, c->region, group, name)) < 0) {
		db_rollback();
		return call_error(c, ERR_LOGS_NOT_FOUND, "The specified log stream does not exist.");
	}
	/* Sorted batch: too old / expired at the front, too new at the back. */
	int days = group_retention_days(c->who.account, c->region, group);
	size_t n = json_array_size(events), from = 0, to = n;
	long too_old = -1, expired = -1, too_new = -1;
	for (size_t i = 0; i < n; i++) {
		int64_t ts = json_integer_value(json_object_get(json_array_get(events, i), "timestamp"));
		if (days && ts < now - days * DAY_MS)
			expired = (long)i, from = i + 1;
		else if (ts < now - 14 * DAY_MS)
			too_old = (long)i, from = i + 1;
		else if (ts > now + 2 * 3600 * 1000LL && too_new < 0)
			too_new = (long)i, to = i;
	}
	if (from < to && insert_events(sid, events, from, to, now, &seq)) {
		db_rollback();
		return call_error(c, ERR_INTERNAL, "%s", db_errmsg());
	}
	if (db_commit())
		return call_error(c, ERR_INTERNAL, "commit failed");
	call_set(c, "nextSequenceToken", json_string(arena_printf(c->arena, "%056lld", (long long)seq)));
	if (too_old >= 0 || expired >= 0 || too_new >= 0) {
		json_t *r = json_object();
		if (too_new >= 0)
			json_object_set_new(r, "tooNewLogEventStartIndex", json_integer(too_new));
		if (too_old >= 0)
			json_object_set_new(r, "tooOldLogEventEndIndex", json_integer(too_old));
		if (expired >= 0)
			json_object_set_new(r, "expiredLogEventEndIndex", json_integer(expired));
		call_set(c, "rejectedLogEventsInfo", r);
	}
	return 0;
}

/* "<d>/<ts>/<id>" with d = 'f' or 'b'. */
static int parse_pos(const char *tok, char *dir, int64_t *ts, int64_t *id)
{
	if (!tok || (tok[0] != 'f' && tok[0] != 'b') || tok[1] != '/')
		return -1;
	char *e;
	long long a = strtoll(tok + 2, &e, 10);
	if (e == tok + 2 || *e != '/')
		return -1;
	const char *p = e + 1;
	long long b = strtoll(p, &e, 10);
	if (e == p || *e)
		return -1;
	*dir = tok[0];
	*ts = a;
	*id = b;
	return 0;
}

static json_t *pos_token(char dir, int64_t ts, int64_t id)
{
	char t[64];
	snprintf(t, sizeof t, "%c/%" PRId64 "/%" PRId64, dir, ts, id);
	return json_string(t);
}

int logs_get_log_events(struct call *c)
{
	const char *group = logs_call_group(c);
	if (!group)
		return -1;
	int64_t sid = stream_id(c->who.account, c->region, group, call_str(c, "logStreamName"));
	if (sid < 0)
		return call_error(c, ERR_LOGS_NOT_FOUND, "The specified log stream does not exist.");
	int64_t limit = call_int(c, "limit", 10000);
	int64_t start = call_int(c, "startTime", POS_MIN), end = call_int(c, "endTime", POS_MAX);
	const char *tok = call_str(c, "nextToken");
	char dir;
	int64_t pts, pid;
	if (tok) {
		if (parse_pos(tok, &dir, &pts, &pid))
			return bad_token(c);
	} else if (call_bool(c, "startFromHead", false)) {
		dir = 'f', pts = POS_MIN, pid = 0;
	} else {
		dir = 'b', pts = POS_MAX, pid = 0;
	}
	sqlite3_stmt *st = db_prep(dir == 'f' ? "SELECT ts, ingest, msg, id FROM log_events WHERE stream = ?1 AND ts >= ?2 "
						"AND ts < ?3 AND (ts, id) > (?4, ?5) ORDER BY ts, id LIMIT ?6"
					      : "SELECT ts, ingest, msg, id FROM log_events WHERE stream = ?1 AND ts >= ?2 "
						"AND ts < ?3 AND (ts, id) < (?4, ?5) ORDER BY ts DESC, id DESC LIMIT ?6");
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int64(st, 2, start);
	sqlite3_bind_int64(st, 3, end);
	sqlite3_bind_int64(st, 4, pts);
	sqlite3_bind_int64(st, 5, pid);
	sqlite3_bind_int64(st, 6, limit);
	json_t *list = json_array();
	size_t bytes = 0;
	int64_t first_ts = 0, first_id = 0, last_ts = 0, last_id = 0;
	int n = 0;
	while (bytes < MAX_RESPONSE_BYTES && sqlite3_step(st) == SQLITE_ROW) {
		json_t *e = json_object();
		int64_t ts = sqlite3_column_int64(st, 0), id = sqlite3_column_int64(st, 3);
		json_object_set_new(e, "timestamp", json_integer(ts));
		json_object_set_new(e, "message",
				    json_stringn((const char *)sqlite3_column_text(st, 2), (size_t)sqlite3_column_bytes(st, 2)));
		json_object_set_new(e, "ingestionTime", json_integer(sqlite3_column_int64(st, 1)));
		bytes += (size_t)sqlite3_column_bytes(st, 2) + EVENT_OVERHEAD;
		/* Backward pages are read newest first and returned oldest first. */
		if (dir == 'f')
			json_array_append_new(list, e);
		else
			json_array_insert_new(list, 0, e);
		if (!n++) {
			first_ts = last_ts = ts;
			first_id = last_id = id;
		} else if (dir == 'f') {
			last_ts = ts;
			last_id = id;
		} else {
			first_ts = ts;
			first_id = id;
		}
	}
	db_done(st);
	if (json_array_size(list)) {
		call_set(c, "nextForwardToken", pos_token('f', last_ts, last_id));
		call_set(c, "nextBackwardToken", pos_token('b', first_ts, first_id));
	} else {
		call_set(c, "nextForwardToken", pos_token('f', pts, pid));
		call_set(c, "nextBackwardToken", pos_token('b', pts, pid));
	}
	call_set(c, "events", list);
	return 0;
}

int logs_filter_log_events(struct call *c)
{
	const char *group = logs_call_group(c);
	if (!group)
		return -1;
	json_t *names = call_get(c, "logStreamNames");
	const char *prefix = call_str(c, "logStreamNamePrefix");
	if (names && prefix)
		return call_error(c, ERR_LOGS_INVALID_PARAMETER,
				  "logStreamNames and logStreamNamePrefix are mutually exclusive parameters.");
	struct logs_filter *f = NULL;
	char why[256];
	if (logs_filter_compile(call_str(c, "filterPattern"), &f, why, sizeof why)) {
		logs_filter_free(f);
		return call_error(c, ERR_LOGS_INVALID_PARAMETER, "%s", why);
	}
	int64_t limit = call_int(c, "limit", 10000);
	int64_t start = call_int(c, "startTime", POS_MIN), end = call_int(c, "endTime", POS_MAX);
	int64_t pts = POS_MIN, pid = 0;
	const char *tok = call_str(c, "nextToken");
	char dir;
	if (tok && (parse_pos(tok, &dir, &pts, &pid) || dir != 'f')) {
		logs_filter_free(f);
		return bad_token(c);
	}
	char *nj = names ? json_dumps(names, JSON_COMPACT) : NULL;
	sqlite3_stmt *st = db_prep("SELECT e.id, e.ts, e.ingest, e.msg, s.name FROM log_events e "
				   "JOIN log_streams s ON s.id = e.stream "
				   "WHERE s.account = ?1 AND s.region = ?2 AND s.grp = ?3 AND e.ts >= ?4 AND e.ts < ?5 "
				   "AND (e.ts, e.id) > (?6, ?7) AND (?8 IS NULL OR substr(s.name, 1, length(?8)) = ?8) "
				   "AND (?9 IS NULL OR s.name IN (SELECT value FROM json_each(?9))) "
				   "ORDER BY e.ts, e.id LIMIT ?10");
	db_bind_text(st, 1, c->who.account);
	db_bind_text(st, 2, c->region);
	db_bind_text(st, 3, group);
	sqlite3_bind_int64(st, 4, start);
	sqlite3_bind_int64(st, 5, end);
	sqlite3_bind_int64(st, 6, pts);
	sqlite3_bind_int64(st, 7, pid);
	db_bind_text(st, 8, prefix);
	db_bind_text(st, 9, nj);
	sqlite3_bind_int64(st, 10, FILTER_SCAN_CAP);
	json_t *list = json_array();
	size_t bytes = 0;
	int scanned = 0;
	bool more = false;
	int64_t last_ts = pts, last_id = pid;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((int64_t)json_array_size(list) >= limit || bytes >= MAX_RESPONSE_BYTES) {
			more = true;
			break;
		}
		scanned++;
		last_id = sqlite3_column_int64(st, 0);
		last_ts = sqlite3_column_int64(st, 1);
		const char *msg = (const char *)sqlite3_column_text(st, 3);
		size_t ml = (size_t)sqlite3_column_bytes(st, 3);
		if (!logs_filter_match(f, msg, ml))
			continue;
		json_t *e = json_object();
		json_object_set_new(e, "logStreamName", json_string(db_col_text(st, 4)));
		json_object_set_new(e, "timestamp", json_integer(last_ts));
		json_object_set_new(e, "message", json_stringn(msg, ml));
		json_object_set_new(e, "ingestionTime", json_integer(sqlite3_column_int64(st, 2)));
		json_object_set_new(e, "eventId", json_string(arena_printf(c->arena, "%" PRId64, last_id)));
		json_array_append_new(list, e);
		bytes += ml + EVENT_OVERHEAD;
	}
	if (rc == SQLITE_ROW || scanned == FILTER_SCAN_CAP)
		more = true;
	db_done(st);
	free(nj);
	logs_filter_free(f);
	call_set(c, "events", list);
	if (more)
		call_set(c, "nextToken", pos_token('f', last_ts, last_id));
	return 0;
}

int logs_sink_write(const struct logsink_event *ev, size_t n)
{
	if (db_begin())
		return -1;
	int64_t now = clock_wall_ms();
	size_t i = 0;
	while (i < n) {
		/* A run of events for one stream. */
		size_t j = i + 1;
		while (j < n && !strcmp(ev[j].stream, ev[i].stream) && !strcmp(ev[j].group, ev[i].group) &&
		       !strcmp(ev[j].account, ev[i].account) && !strcmp(ev[j].region, ev[i].region))
			j++;
		int64_t sid = ensure_stream(ev[i].account, ev[i].region, ev[i].group, ev[i].stream, true);
		if (sid < 0)
			goto fail;
		if (append_events(sid, ev + i, j - i, now, NULL))
			goto fail;
		i = j;
	}
	return db_commit();
fail:
	log_error("logs: cannot store %zu log lines: %s", n, db_errmsg());
	db_rollback();
	return -1;
}

void logs_retention_sweep(void)
{
	if (db_begin())
		return;
	sqlite3_stmt *st = db_prep("DELETE FROM log_events WHERE id IN (SELECT e.id FROM log_events e "
				   "JOIN log_streams s ON s.id = e.stream JOIN log_groups g ON g.account = s.account "
				   "AND g.region = s.region AND g.name = s.grp WHERE g.retention IS NOT NULL "
				   "AND e.ts < ?1 - g.retention * 86400000 LIMIT 50000)");
	sqlite3_bind_int64(st, 1, clock_wall_ms());
	if (step_done(st)) {
		db_rollback();
		return;
	}
	int removed = db_changes();
	if (db_commit() == 0 && removed)
		log_info("logs: retention removed %d expired events", removed);
}
