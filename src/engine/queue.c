/* queue.c — durable queues (see queue.h): the tables, queue settings,
 * preparing and inserting messages, receipt handles, waking long polls, and
 * sending inside a caller's transaction. The message operations that run on
 * the group-commit writer are in queue_writer.c.
 *
 * Tables (component "queue"):
 *   queues        one row per queue: settings, FIFO sequence counter
 *   queue_msgs    one row per message; visible_at <= now means receivable,
 *                 > now means delayed (receives = 0) or in flight (> 0)
 *   queue_dedup   FIFO deduplication ids (5 minutes) and internal
 *                 idempotency keys (7 days), per queue and scope
 *
 * A message's life (who moves it):
 *
 *    send --> DELAYED --(visible_at passes)--> VISIBLE <--------------+
 *      +--------(no delay)-------------------------^  |               | visibility expires
 *                                                     | receive       | or is set to 0
 *                                                     v               |
 *                                                 IN FLIGHT ----------+
 *                                                     | delete (current handle)
 *                                                     v
 *                                                   gone
 *   VISIBLE with receives >= max_receives --receive--> moved to the DLQ
 *   any state past retention --sweep or receive--> gone;  purge, drop --> gone
 *
 * Who performs each transition: send q_insert (queue_send, queue_send_txn);
 * receive, DLQ move, expiry on receive: queue_writer.c op_recv; visibility
 * changes op_chvis; delete op_delete; purge op_purge; sweep sweep();
 * drop queue_drop_txn. DELAYED -> VISIBLE and IN FLIGHT -> VISIBLE are
 * the clock passing visible_at: no write at all.
 *
 * Invariants:
 *  1. A message row exists iff it was sent (committed) and not yet deleted,
 *     purged, expired or moved; every change to it is made in a committed
 *     write transaction before the caller hears of it.
 *  2. receipt is the nonce of the only handle that may delete the message or
 *     change its visibility; each receive draws a new one.
 *  3. In a FIFO queue a message group is receivable only while its oldest
 *     message is visible (queue_writer.c); ids give send order.
 *  4. Every commit that may make a message receivable wakes the queue's
 *     stripe after the commit, so a long poll never sleeps past it.
 */
#include "engine/queue.h"
#include "engine/queue_int.h"
#include "core/clock.h"
#include "core/enc.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/rand.h"
#include "engine/timers.h"
#include "store/db.h"
#include "store/migrate.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const struct migration migrations[] = {
	{1, "CREATE TABLE queues (id INTEGER PRIMARY KEY AUTOINCREMENT, arn TEXT NOT NULL UNIQUE,"
	    "  fifo INTEGER NOT NULL, content_dedup INTEGER NOT NULL, dedup_per_group INTEGER NOT NULL,"
	    "  visibility_ms INTEGER NOT NULL, delay_ms INTEGER NOT NULL, retention_ms INTEGER NOT NULL,"
	    "  max_receives INTEGER NOT NULL, dlq_arn TEXT NOT NULL, next_seq INTEGER NOT NULL DEFAULT 0,"
	    "  last_purge INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL);"
	    "CREATE TABLE queue_msgs (id INTEGER PRIMARY KEY, queue INTEGER NOT NULL, visible_at INTEGER NOT NULL,"
	    "  msg_id TEXT NOT NULL, body BLOB NOT NULL, attrs TEXT, md5_body TEXT NOT NULL, md5_attrs TEXT NOT NULL,"
	    "  md5_sys TEXT NOT NULL, trace TEXT, sent INTEGER NOT NULL, expires INTEGER NOT NULL,"
	    "  receives INTEGER NOT NULL DEFAULT 0, first_receive INTEGER, receipt INTEGER, group_id TEXT,"
	    "  dedup_id TEXT, seq INTEGER, sender TEXT, dlq_source TEXT);"
	    "CREATE INDEX queue_msgs_ready ON queue_msgs(queue, visible_at);"
	    "CREATE INDEX queue_msgs_order ON queue_msgs(queue);"
	    "CREATE TABLE queue_dedup (queue INTEGER NOT NULL, scope TEXT NOT NULL, dedup_id TEXT NOT NULL,"
	    "  msg_id TEXT NOT NULL, seq INTEGER, expires INTEGER NOT NULL,"
	    "  PRIMARY KEY (queue, scope, dedup_id)) WITHOUT ROWID;"
	    "CREATE INDEX queue_dedup_expires ON queue_dedup(expires);"},
};
const struct migration_set queue_migrations = {"queue", migrations, sizeof migrations / sizeof *migrations};

#define IDEMPOTENCY_MS (7LL * 24 * 3600 * 1000)
#define SWEEP_EVERY_MS 60000
#define NSTRIPES 256

/* ------------------------------------------------------------------ */
/* queue rows                                                          */

int q_load(const char *arn, struct qrow *r)
{
	sqlite3_stmt *st = db_prep("SELECT id, fifo, content_dedup, dedup_per_group, visibility_ms, delay_ms, retention_ms,"
				   " max_receives, dlq_arn, next_seq FROM queues WHERE arn = ?");
	db_bind_text(st, 1, arn);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(r, 0, sizeof *r);
		r->id = sqlite3_column_int64(st, 0);
		r->conf.fifo = sqlite3_column_int(st, 1);
		r->conf.content_dedup = sqlite3_column_int(st, 2);
		r->conf.dedup_per_group = sqlite3_column_int(st, 3);
		r->conf.visibility_ms = sqlite3_column_int64(st, 4);
		r->conf.delay_ms = sqlite3_column_int64(st, 5);
		r->conf.retention_ms = sqlite3_column_int64(st, 6);
		r->conf.max_receives = sqlite3_column_int(st, 7);
		snprintf(r->conf.dlq_arn, sizeof r->conf.dlq_arn, "%s", db_col_text(st, 8) ? db_col_text(st, 8) : "");
		r->next_seq = sqlite3_column_int64(st, 9);
	}
	db_done(st);
	if (rc == SQLITE_ROW)
		return QE_OK;
	if (rc == SQLITE_DONE)
		return QE_NO_QUEUE;
	log_error("queue: loading %s failed: %s", arn, db_errmsg());
	return QE_DB;
}

int q_save_seq(const struct qrow *q)
{
	sqlite3_stmt *st = db_prep("UPDATE queues SET next_seq = ? WHERE id = ?");
	sqlite3_bind_int64(st, 1, q->next_seq);
	sqlite3_bind_int64(st, 2, q->id);
	int rc = sqlite3_step(st);
	db_done(st);
	return rc == SQLITE_DONE ? QE_OK : QE_DB;
}

static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE) {
		log_error("queue: %s", db_errmsg());
		return QE_DB;
	}
	return QE_OK;
}

static void bind_conf(sqlite3_stmt *st, int i, const struct queue_conf *c)
{
	sqlite3_bind_int(st, i, c->fifo);
	sqlite3_bind_int(st, i + 1, c->content_dedup);
	sqlite3_bind_int(st, i + 2, c->dedup_per_group);
	sqlite3_bind_int64(st, i + 3, c->visibility_ms);
	sqlite3_bind_int64(st, i + 4, c->delay_ms);
	sqlite3_bind_int64(st, i + 5, c->retention_ms);
	sqlite3_bind_int(st, i + 6, c->max_receives);
	db_bind_text(st, i + 7, c->dlq_arn);
}

int queue_create_txn(const char *arn, const struct queue_conf *conf)
{
	sqlite3_stmt *st = db_prep("INSERT INTO queues(fifo, content_dedup, dedup_per_group, visibility_ms, delay_ms,"
				   " retention_ms, max_receives, dlq_arn, arn, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
				   " ON CONFLICT(arn) DO NOTHING");
	bind_conf(st, 1, conf);
	db_bind_text(st, 9, arn);
	sqlite3_bind_int64(st, 10, clock_wall_ms());
	if (step_done(st))
		return QE_DB;
	return db_changes() ? QE_OK : QE_EXISTS;
}

static void touch(const char *arn);

int queue_update_txn(const char *arn, const struct queue_conf *conf)
{
	sqlite3_stmt *st = db_prep("UPDATE queues SET fifo = ?, content_dedup = ?, dedup_per_group = ?, visibility_ms = ?,"
				   " delay_ms = ?, retention_ms = ?, max_receives = ?, dlq_arn = ? WHERE arn = ?");
	bind_conf(st, 1, conf);
	db_bind_text(st, 9, arn);
	if (step_done(st))
		return QE_DB;
	/* A shorter delay or a new dead-letter target changes what a waiting
	 * receiver may get: let it look again. */
	touch(arn);
	return db_changes() ? QE_OK : QE_NO_QUEUE;
}

int queue_drop_txn(const char *arn)
{
	struct qrow q;
	int rc = q_load(arn, &q);
	if (rc)
		return rc;
	sqlite3_stmt *st = db_prep("DELETE FROM queue_msgs WHERE queue = ?");
	sqlite3_bind_int64(st, 1, q.id);
	if (step_done(st))
		return QE_DB;
	st = db_prep("DELETE FROM queue_dedup WHERE queue = ?");
	sqlite3_bind_int64(st, 1, q.id);
	if (step_done(st))
		return QE_DB;
	st = db_prep("DELETE FROM queues WHERE id = ?");
	sqlite3_bind_int64(st, 1, q.id);
	if (step_done(st))
		return QE_DB;
	touch(arn);
	return QE_OK;
}

int queue_get(const char *arn, struct queue_conf *conf)
{
	struct qrow q;
	int rc = q_load(arn, &q);
	if (!rc)
		*conf = q.conf;
	return rc;
}

static int64_t count_where(const char *sql, int64_t qid, int64_t now)
{
	sqlite3_stmt *st = db_prep(sql);
	sqlite3_bind_int64(st, 1, qid);
	sqlite3_bind_int64(st, 2, now);
	int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	db_done(st);
	return n;
}

int queue_get_stats(const char *arn, struct queue_stats *s)
{
	struct qrow q;
	int rc = q_load(arn, &q);
	if (rc)
		return rc;
	int64_t now = clock_wall_ms();
	s->visible = count_where("SELECT count(*) FROM queue_msgs WHERE queue = ?1 AND visible_at <= ?2 AND expires > ?2",
				 q.id, now);
	s->inflight = count_where("SELECT count(*) FROM queue_msgs WHERE queue = ?1 AND visible_at > ?2 AND receives > 0"
				  " AND expires > ?2",
				  q.id, now);
	s->delayed = count_where("SELECT count(*) FROM queue_msgs WHERE queue = ?1 AND visible_at > ?2 AND receives = 0"
				 " AND expires > ?2",
				 q.id, now);
	return QE_OK;
}

int queue_last_purge(const char *arn, int64_t *ms)
{
	sqlite3_stmt *st = db_prep("SELECT last_purge FROM queues WHERE arn = ?");
	db_bind_text(st, 1, arn);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*ms = sqlite3_column_int64(st, 0);
	db_done(st);
	return rc == SQLITE_ROW ? QE_OK : rc == SQLITE_DONE ? QE_NO_QUEUE : QE_DB;
}

/* ------------------------------------------------------------------ */
/* digests and text                                                    */

static bool is_binary_type(const char *type)
{
	return !strncmp(type, "Binary", 6);
}

static void md5_len_bytes(struct md5_ctx *c, const void *p, size_t n)
{
	unsigned char l[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16), (unsigned char)(n >> 8),
			      (unsigned char)n};
	md5_update(c, l, 4);
	md5_update(c, p, n);
}

static int attr_cmp(const void *a, const void *b)
{
	const struct queue_attr *const *x = a, *const *y = b;
	return strcmp((*x)->name, (*y)->name);
}

/* AWS's digest of message attributes: for each attribute in name order,
 * length-prefixed (4 bytes, big endian) name and type, a transport byte
 * (1 string, 2 binary), then the length-prefixed value. */
void queue_md5_attrs(const struct queue_attr *attrs, int n, char out[33])
{
	out[0] = 0;
	if (n <= 0)
		return;
	const struct queue_attr *sorted[64];
	if (n > 64)
		n = 64;
	for (int i = 0; i < n; i++)
		sorted[i] = &attrs[i];
	qsort(sorted, (size_t)n, sizeof *sorted, attr_cmp);
	struct md5_ctx c;
	md5_init(&c);
	for (int i = 0; i < n; i++) {
		const struct queue_attr *a = sorted[i];
		md5_len_bytes(&c, a->name, strlen(a->name));
		md5_len_bytes(&c, a->type, strlen(a->type));
		unsigned char t = is_binary_type(a->type) ? 2 : 1;
		md5_update(&c, &t, 1);
		md5_len_bytes(&c, a->value, a->len);
	}
	unsigned char d[MD5_LEN];
	md5_final(&c, d);
	hex_encode(d, MD5_LEN, out);
}

bool queue_valid_text(const char *s, size_t n, long *bad)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		unsigned c = p[i];
		long cp;
		size_t len;
		if (c < 0x80) {
			cp = c;
			len = 1;
		} else if ((c & 0xE0) == 0xC0) {
			cp = c & 0x1F;
			len = 2;
		} else if ((c & 0xF0) == 0xE0) {
			cp = c & 0x0F;
			len = 3;
		} else if ((c & 0xF8) == 0xF0) {
			cp = c & 0x07;
			len = 4;
		} else {
			*bad = -1;
			return false;
		}
		if (i + len > n) {
			*bad = -1;
			return false;
		}
		for (size_t k = 1; k < len; k++) {
			if ((p[i + k] & 0xC0) != 0x80) {
				*bad = -1;
				return false;
			}
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		static const long min_for_len[5] = {0, 0, 0x80, 0x800, 0x10000};
		if (cp < min_for_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
			*bad = -1;
			return false;
		}
		bool ok = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
			  (cp >= 0xE000 && cp <= 0xFFFD) || cp >= 0x10000;
		if (!ok) {
			*bad = cp;
			return false;
		}
		i += len;
	}
	return true;
}

const char *queue_attr_base_type(const char *t)
{
	static const char *const bases[] = {"String", "Number", "Binary"};
	for (int i = 0; i < 3; i++) {
		size_t l = strlen(bases[i]);
		if (!strncmp(t, bases[i], l) && (t[l] == 0 || (t[l] == '.' && t[l + 1])))
			return bases[i];
	}
	return NULL;
}

bool queue_attr_name_ok(const char *n)
{
	size_t l = strlen(n);
	if (!l || l > 256 || n[0] == '.' || n[l - 1] == '.' || strstr(n, ".."))
		return false;
	if (!strncasecmp(n, "AWS.", 4) || !strncasecmp(n, "Amazon.", 7))
		return false;
	for (const char *p = n; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
		      *p == '-' || *p == '.'))
			return false;
	return true;
}

bool queue_number_ok(const char *s)
{
	const char *p = s;
	if (*p == '+' || *p == '-')
		p++;
	int digits = 0;
	while (*p >= '0' && *p <= '9')
		p++, digits++;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9')
			p++, digits++;
	}
	if (!digits || digits > 38)
		return false;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == 0;
}

/* ------------------------------------------------------------------ */
/* preparing and inserting messages                                    */

/* The attributes as stored: {"name": {"DataType", "StringValue" |
 * "BinaryValue" (base64)}}, keys sorted. Caller frees; NULL without
 * attributes or when a string value is not UTF-8. */
static char *attrs_document(const struct queue_attr *a, int n)
{
	if (n <= 0)
		return NULL;
	json_t *doc = json_object();
	for (int i = 0; i < n; i++) {
		json_t *v = json_object();
		json_object_set_new(v, "DataType", json_string(a[i].type));
		if (is_binary_type(a[i].type)) {
			char *b64 = xmalloc(base64_encoded_len(a[i].len) + 1);
			base64_encode((const unsigned char *)a[i].value, a[i].len, b64);
			json_object_set_new(v, "BinaryValue", json_string(b64));
			free(b64);
		} else {
			json_t *sv = json_stringn(a[i].value, a[i].len);
			if (!sv) {
				json_decref(v);
				json_decref(doc);
				return NULL;
			}
			json_object_set_new(v, "StringValue", sv);
		}
		json_object_set_new(doc, a[i].name, v);
	}
	char *s = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(doc);
	return s;
}

void q_prepare(const struct queue_msg *m, bool content_dedup, struct qprep *p)
{
	memset(p, 0, sizeof *p);
	p->m = m;
	uuid4(p->msg_id);
	unsigned char d[MD5_LEN];
	md5(m->body, m->body_len, d);
	hex_encode(d, MD5_LEN, p->md5_body);
	queue_md5_attrs(m->attrs, m->nattrs, p->md5_attrs);
	if (m->nattrs > 0) {
		p->attrs_json = attrs_document(m->attrs, m->nattrs);
		if (!p->attrs_json)
			p->err = QE_INVALID;
	}
	if (m->trace_header) {
		struct queue_attr t = {"AWSTraceHeader", "String", m->trace_header, strlen(m->trace_header)};
		queue_md5_attrs(&t, 1, p->md5_sys);
	}
	if (m->dedup_id) {
		snprintf(p->dedup, sizeof p->dedup, "%s", m->dedup_id);
	} else if (content_dedup) {
		/* Content-based deduplication: SHA-256 of the body (not its attributes). */
		sha256_hex(m->body, m->body_len, p->dedup);
	}
}

void q_prep_free(struct qprep *p)
{
	free(p->attrs_json);
	p->attrs_json = NULL;
}

static void fmt_seq(int64_t seq, char out[24])
{
	snprintf(out, 24, "1%019lld", (long long)seq);
}

/* Looks up a live deduplication record; true (and out filled) when found. */
static bool dedup_hit(int64_t qid, const char *scope, const char *id, int64_t now, struct queue_sent *out)
{
	sqlite3_stmt *st = db_prep("SELECT msg_id, seq FROM queue_dedup WHERE queue = ? AND scope = ? AND dedup_id = ?"
				   " AND expires > ?");
	sqlite3_bind_int64(st, 1, qid);
	db_bind_text(st, 2, scope);
	db_bind_text(st, 3, id);
	sqlite3_bind_int64(st, 4, now);
	bool hit = sqlite3_step(st) == SQLITE_ROW;
	if (hit && out) {
		snprintf(out->msg_id, sizeof out->msg_id, "%s", db_col_text(st, 0));
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			fmt_seq(sqlite3_column_int64(st, 1), out->seq);
		out->duplicate = true;
	}
	db_done(st);
	return hit;
}

static int dedup_put(int64_t qid, const char *scope, const char *id, const char *msg_id, int64_t seq, int64_t expires)
{
	sqlite3_stmt *st = db_prep("INSERT OR REPLACE INTO queue_dedup(queue, scope, dedup_id, msg_id, seq, expires)"
				   " VALUES (?, ?, ?, ?, ?, ?)");
	sqlite3_bind_int64(st, 1, qid);
	db_bind_text(st, 2, scope);
	db_bind_text(st, 3, id);
	db_bind_text(st, 4, msg_id);
	if (seq > 0)
		sqlite3_bind_int64(st, 5, seq);
	else
		sqlite3_bind_null(st, 5);
	sqlite3_bind_int64(st, 6, expires);
	return step_done(st);
}

int q_insert(struct qrow *q, const struct qprep *p, int64_t now, struct queue_sent *out)
{
	const struct queue_msg *m = p->m;
	memset(out, 0, sizeof *out);
	if (p->err) {
		out->err = p->err;
		return QE_OK;
	}
	snprintf(out->msg_id, sizeof out->msg_id, "%s", p->msg_id);
	memcpy(out->md5_body, p->md5_body, sizeof out->md5_body);
	memcpy(out->md5_attrs, p->md5_attrs, sizeof out->md5_attrs);
	memcpy(out->md5_sys, p->md5_sys, sizeof out->md5_sys);
	/* Internal idempotency: the same key twice enqueues once. */
	if (m->dedup_key) {
		if (dedup_hit(q->id, "#", m->dedup_key, now, out))
			return QE_OK;
		if (dedup_put(q->id, "#", m->dedup_key, p->msg_id, 0, now + IDEMPOTENCY_MS))
			return QE_DB;
	}
	int64_t seq = 0;
	if (q->conf.fifo) {
		if (!m->group_id || !p->dedup[0]) {
			out->err = QE_INVALID;
			return QE_OK;
		}
		const char *scope = q->conf.dedup_per_group ? m->group_id : "";
		if (dedup_hit(q->id, scope, p->dedup, now, out))
			return QE_OK;
		seq = ++q->next_seq;
		if (dedup_put(q->id, scope, p->dedup, p->msg_id, seq, now + QUEUE_DEDUP_WINDOW_MS))
			return QE_DB;
		fmt_seq(seq, out->seq);
	}
	int64_t delay = m->delay_ms >= 0 && !q->conf.fifo ? m->delay_ms : q->conf.delay_ms;
	sqlite3_stmt *st = db_prep("INSERT INTO queue_msgs(queue, visible_at, msg_id, body, attrs, md5_body, md5_attrs,"
				   " md5_sys, trace, sent, expires, group_id, dedup_id, seq, sender)"
				   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	sqlite3_bind_int64(st, 1, q->id);
	sqlite3_bind_int64(st, 2, now + delay);
	db_bind_text(st, 3, p->msg_id);
	sqlite3_bind_blob(st, 4, m->body_len ? m->body : "", (int)m->body_len, SQLITE_STATIC);
	db_bind_text(st, 5, p->attrs_json);
	db_bind_text(st, 6, p->md5_body);
	db_bind_text(st, 7, p->md5_attrs);
	db_bind_text(st, 8, p->md5_sys);
	db_bind_text(st, 9, m->trace_header);
	sqlite3_bind_int64(st, 10, now);
	sqlite3_bind_int64(st, 11, now + q->conf.retention_ms);
	db_bind_text(st, 12, q->conf.fifo ? m->group_id : NULL);
	db_bind_text(st, 13, q->conf.fifo ? p->dedup : NULL);
	if (seq)
		sqlite3_bind_int64(st, 14, seq);
	else
		sqlite3_bind_null(st, 14);
	db_bind_text(st, 15, m->sender);
	return step_done(st);
}

/* ------------------------------------------------------------------ */
/* receipt handles                                                     */

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* 24 bytes (queue id, row, nonce) as 32 base64 characters: opaque to
 * clients, checked against the row's current nonce on use. */
void q_handle_make(int64_t qid, int64_t row, uint64_t nonce, char out[Q_HANDLE_LEN + 1])
{
	unsigned char raw[24];
	put64(raw, (uint64_t)qid);
	put64(raw + 8, (uint64_t)row);
	put64(raw + 16, nonce);
	base64_encode(raw, sizeof raw, out);
}

bool q_handle_parse(const char *h, int64_t *qid, int64_t *row, uint64_t *nonce)
{
	if (!h || strlen(h) != Q_HANDLE_LEN)
		return false;
	unsigned char raw[26];
	if (base64_decode(h, Q_HANDLE_LEN, raw) != 24)
		return false;
	*qid = (int64_t)get64(raw);
	*row = (int64_t)get64(raw + 8);
	*nonce = get64(raw + 16);
	return *qid > 0 && *row > 0;
}

bool queue_handle_wellformed(const char *h)
{
	int64_t a, b;
	uint64_t c;
	return q_handle_parse(h, &a, &b, &c);
}

/* ------------------------------------------------------------------ */
/* waking long polls                                                   */

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv[NSTRIPES];
	uint64_t gen[NSTRIPES];
	atomic_bool stopping;
	bool ready;
	_Atomic uint64_t sweep_timer;
} W = {.mu = PTHREAD_MUTEX_INITIALIZER};

static unsigned stripe_of(const char *arn)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)arn; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h % NSTRIPES;
}

uint64_t q_wake_gen(const char *arn)
{
	unsigned s = stripe_of(arn);
	pthread_mutex_lock(&W.mu);
	uint64_t g = W.gen[s];
	pthread_mutex_unlock(&W.mu);
	return g;
}

static void wake_stripe(unsigned s)
{
	pthread_mutex_lock(&W.mu);
	W.gen[s]++;
	if (W.ready)
		pthread_cond_broadcast(&W.cv[s]);
	pthread_mutex_unlock(&W.mu);
}

void q_wake(const char *arn)
{
	wake_stripe(stripe_of(arn));
}

bool q_stopping(void)
{
	return atomic_load(&W.stopping);
}

bool q_wait(const char *arn, uint64_t gen, int64_t deadline_us)
{
	unsigned s = stripe_of(arn);
	pthread_mutex_lock(&W.mu);
	while (W.gen[s] == gen && !atomic_load(&W.stopping)) {
		int64_t now = clock_mono_us();
		if (now >= deadline_us)
			break;
		struct timespec ts;
		clock_deadline(CLOCK_MONOTONIC, deadline_us - now, &ts);
		pthread_cond_timedwait(&W.cv[s], &W.mu, &ts);
	}
	pthread_mutex_unlock(&W.mu);
	return !atomic_load(&W.stopping);
}

/* Stripes this thread touched in its current transaction. */
static _Thread_local unsigned char touched[NSTRIPES / 8];
static _Thread_local bool touched_any;

static void touch(const char *arn)
{
	unsigned s = stripe_of(arn);
	touched[s / 8] |= (unsigned char)(1u << (s % 8));
	touched_any = true;
}

void queue_after_commit(void)
{
	if (!touched_any)
		return;
	for (unsigned s = 0; s < NSTRIPES; s++)
		if (touched[s / 8] & (1u << (s % 8)))
			wake_stripe(s);
	memset(touched, 0, sizeof touched);
	touched_any = false;
}

int queue_send_txn(const char *arn, const struct queue_msg *m, struct queue_sent *out)
{
	struct qrow q;
	int rc = q_load(arn, &q);
	if (rc)
		return rc;
	struct qprep p;
	q_prepare(m, q.conf.fifo && q.conf.content_dedup, &p);
	rc = q_insert(&q, &p, clock_wall_ms(), out);
	q_prep_free(&p);
	if (!rc && q.conf.fifo && out->seq[0] && !out->duplicate)
		rc = q_save_seq(&q);
	if (!rc)
		touch(arn);
	return rc;
}

/* ------------------------------------------------------------------ */
/* lifecycle                                                           */

static void sweep_tick(void *arg)
{
	(void)arg;
	qw_sweep_soon();
	W.sweep_timer = timer_after_ms(SWEEP_EVERY_MS, sweep_tick, NULL);
}

int queue_start(void)
{
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	for (int i = 0; i < NSTRIPES; i++)
		pthread_cond_init(&W.cv[i], &ca);
	pthread_condattr_destroy(&ca);
	atomic_store(&W.stopping, false);
	W.ready = true;
	if (qw_start())
		return -1;
	qw_sweep_soon(); /* messages that expired while nuage was down */
	W.sweep_timer = timer_after_ms(SWEEP_EVERY_MS, sweep_tick, NULL);
	return 0;
}

void queue_shutdown_begin(void)
{
	pthread_mutex_lock(&W.mu);
	atomic_store(&W.stopping, true);
	if (W.ready)
		for (int i = 0; i < NSTRIPES; i++)
			pthread_cond_broadcast(&W.cv[i]);
	pthread_mutex_unlock(&W.mu);
}

void queue_stop(void)
{
	if (!W.ready)
		return;
	queue_shutdown_begin();
	uint64_t t = atomic_exchange(&W.sweep_timer, 0);
	if (t)
		timer_cancel(t);
	qw_stop();
	pthread_mutex_lock(&W.mu);
	W.ready = false;
	for (int i = 0; i < NSTRIPES; i++)
		pthread_cond_destroy(&W.cv[i]);
	pthread_mutex_unlock(&W.mu);
}
