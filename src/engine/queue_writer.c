/* queue_writer.c — the message operations of engine queues (queue.h), run by
 * one writer thread that commits the operations of every concurrent caller
 * in one transaction (group commit).
 *
 * Why: a durable commit costs an fsync (milliseconds on ordinary disks);
 * committing each SendMessageBatch, ReceiveMessage and DeleteMessageBatch on
 * its own would cap the whole service at a few hundred calls a second. The
 * writer takes every operation queued while the previous commit was syncing,
 * runs them in order inside one transaction and commits once; callers block
 * until that commit returned, so "returned" still means "durable".
 *
 *   caller: submit(op) ──► [pending list] ──► writer: BEGIN; run op1..opN;
 *   caller: wait(done) ◄── done, wake ◄────────────── COMMIT (one fsync)
 *
 * Invariants:
 *  1. Only the writer thread runs operations; it runs them in submission
 *     order, so two receivers never get the same message and a delete never
 *     races the receive that produced its handle.
 *  2. An operation's results are reported only after its transaction
 *     committed; a failed commit fails every operation of the batch (QE_DB)
 *     and nothing of it is visible.
 *  3. Receivers of a queue are woken after (never before) the commit that
 *     made a message receivable in it (send, visibility set lower, DLQ move).
 *  4. After qw_stop() begins, queued operations still run; new ones are
 *     refused with QE_STOPPING.
 */
#include "engine/queue.h"
#include "engine/queue_int.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/rand.h"
#include "store/db.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OPS_PER_TXN 512
#define RECV_CHUNK 64
#define FIFO_SCAN_ROWS 20000

enum op_kind { OP_SEND, OP_RECV, OP_DELETE, OP_CHVIS, OP_PURGE };

struct qop {
	enum op_kind kind;
	const char *arn;
	int rc;
	bool done;
	bool wake;                      /* wake arn's receivers after the commit */
	char wake_dlq[QUEUE_ARN_MAX];   /* and this queue's (dead letters moved) */
	struct qop *next;
	/* OP_SEND */
	struct qprep *prep;
	struct queue_sent *sent;
	/* OP_RECV */
	const struct queue_recv_req *req;
	struct arena *arena;
	struct queue_rmsg *msgs;
	int64_t next_visible;           /* epoch ms when something may become receivable, 0 unknown */
	/* OP_SEND / OP_RECV / OP_DELETE / OP_CHVIS */
	int n;
	const char *const *handles;
	const int64_t *vis;
	int *res;
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	struct qop *head, **tail;
	bool stop, running, sweep_due;
	pthread_t thread;
} Q = {.mu = PTHREAD_MUTEX_INITIALIZER, .work = PTHREAD_COND_INITIALIZER, .done = PTHREAD_COND_INITIALIZER};

/* ------------------------------------------------------------------ */
/* operations (writer thread, inside the batch transaction)            */

static int op_send(struct qop *op, int64_t now)
{
	struct qrow q;
	int rc = q_load(op->arn, &q);
	if (rc)
		return rc;
	int64_t seq0 = q.next_seq;
	for (int i = 0; i < op->n; i++) {
		if ((rc = q_insert(&q, &op->prep[i], now, &op->sent[i])))
			return rc;
		if (!op->sent[i].err && !op->sent[i].duplicate)
			op->wake = true;
	}
	if (q.next_seq != seq0 && q_save_seq(&q))
		return QE_DB;
	return QE_OK;
}

static int64_t count_inflight(int64_t qid, int64_t now, int64_t limit)
{
	sqlite3_stmt *st = db_prep("SELECT count(*) FROM (SELECT 1 FROM queue_msgs WHERE queue = ?1 AND visible_at > ?2"
				   " AND receives > 0 LIMIT ?3)");
	sqlite3_bind_int64(st, 1, qid);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, limit);
	int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	db_done(st);
	return n;
}

static int64_t next_visible(int64_t qid, int64_t now)
{
	sqlite3_stmt *st = db_prep("SELECT min(visible_at) FROM queue_msgs WHERE queue = ? AND visible_at > ?");
	sqlite3_bind_int64(st, 1, qid);
	sqlite3_bind_int64(st, 2, now);
	int64_t v = 0;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	db_done(st);
	return v;
}

static int exec_id(const char *sql, int64_t id)
{
	sqlite3_stmt *st = db_prep(sql);
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	db_done(st);
	return rc == SQLITE_DONE ? QE_OK : QE_DB;
}

/* One candidate row, copied out of the cursor before anything is changed. */
struct cand {
	int64_t row, visible_at, expires, sent, first_receive;
	int receives;
	const char *group;
	const char *msg_id, *body, *attrs, *md5_body, *md5_attrs, *md5_sys, *trace, *dedup, *sender, *dlq_source;
	size_t body_len;
	int64_t seq;
};

#define CAND_COLS "id, visible_at, expires, sent, first_receive, receives, group_id, msg_id, body, attrs, md5_body," \
		  " md5_attrs, md5_sys, trace, dedup_id, sender, dlq_source, seq"

static const char *col_dup(struct arena *a, sqlite3_stmt *st, int i)
{
	const char *t = db_col_text(st, i);
	return t ? arena_strndup(a, t, (size_t)sqlite3_column_bytes(st, i)) : NULL;
}

/* Copies the cheap columns; the body and attributes only when full. */
static void cand_read(struct arena *a, sqlite3_stmt *st, struct cand *c, bool full)
{
	memset(c, 0, sizeof *c);
	c->row = sqlite3_column_int64(st, 0);
	c->visible_at = sqlite3_column_int64(st, 1);
	c->expires = sqlite3_column_int64(st, 2);
	c->receives = sqlite3_column_int(st, 5);
	c->group = col_dup(a, st, 6);
	if (!full)
		return;
	c->sent = sqlite3_column_int64(st, 3);
	c->first_receive = sqlite3_column_type(st, 4) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 4);
	c->msg_id = col_dup(a, st, 7);
	c->body_len = (size_t)sqlite3_column_bytes(st, 8);
	const void *b = sqlite3_column_blob(st, 8);
	char *body = arena_alloc(a, c->body_len + 1);
	if (c->body_len)
		memcpy(body, b, c->body_len);
	body[c->body_len] = 0;
	c->body = body;
	c->attrs = col_dup(a, st, 9);
	c->md5_body = col_dup(a, st, 10);
	c->md5_attrs = col_dup(a, st, 11);
	c->md5_sys = col_dup(a, st, 12);
	c->trace = col_dup(a, st, 13);
	c->dedup = col_dup(a, st, 14);
	c->sender = col_dup(a, st, 15);
	c->dlq_source = col_dup(a, st, 16);
	c->seq = sqlite3_column_type(st, 17) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 17);
}

/* Moves a message to the dead-letter queue: same id, body, attributes and
 * receive count. Standard queues keep the original enqueue time (so the
 * original retention clock); FIFO queues restart it, as SQS does. */
static int move_to_dlq(struct qop *op, const struct qrow *q, const struct qrow *dlq, int64_t row, int64_t now)
{
	sqlite3_stmt *st = db_prep(
		"INSERT INTO queue_msgs(queue, visible_at, msg_id, body, attrs, md5_body, md5_attrs, md5_sys, trace, sent,"
		" expires, receives, first_receive, group_id, dedup_id, seq, sender, dlq_source)"
		" SELECT ?1, ?2, msg_id, body, attrs, md5_body, md5_attrs, md5_sys, trace, sent,"
		" CASE WHEN ?3 THEN ?2 + ?4 ELSE sent + ?4 END, receives, first_receive, group_id, dedup_id, seq, sender, ?5"
		" FROM queue_msgs WHERE id = ?6");
	sqlite3_bind_int64(st, 1, dlq->id);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int(st, 3, q->conf.fifo);
	sqlite3_bind_int64(st, 4, dlq->conf.retention_ms);
	db_bind_text(st, 5, op->arn);
	sqlite3_bind_int64(st, 6, row);
	int rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE)
		return QE_DB;
	if (exec_id("DELETE FROM queue_msgs WHERE id = ?", row))
		return QE_DB;
	snprintf(op->wake_dlq, sizeof op->wake_dlq, "%s", q->conf.dlq_arn);
	return QE_OK;
}

/* Marks a candidate received and appends it to the op's results. */
static int take(struct qop *op, const struct qrow *q, struct cand *c, int64_t now, int64_t vis)
{
	uint64_t nonce;
	rand_bytes(&nonce, sizeof nonce);
	nonce &= 0x7fffffffffffffffull; /* SQLite integers are signed */
	sqlite3_stmt *st = db_prep("UPDATE queue_msgs SET visible_at = ?, receives = receives + 1,"
				   " first_receive = coalesce(first_receive, ?), receipt = ? WHERE id = ?");
	sqlite3_bind_int64(st, 1, now + vis);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, (int64_t)nonce);
	sqlite3_bind_int64(st, 4, c->row);
	int rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE)
		return QE_DB;
	struct queue_rmsg *m = &op->msgs[op->n++];
	memset(m, 0, sizeof *m);
	snprintf(m->msg_id, sizeof m->msg_id, "%s", c->msg_id);
	char *h = arena_alloc(op->arena, Q_HANDLE_LEN + 1);
	q_handle_make(q->id, c->row, nonce, h);
	m->receipt = h;
	m->body = c->body;
	m->body_len = c->body_len;
	m->attrs_json = c->attrs;
	snprintf(m->md5_body, sizeof m->md5_body, "%s", c->md5_body ? c->md5_body : "");
	snprintf(m->md5_attrs, sizeof m->md5_attrs, "%s", c->md5_attrs ? c->md5_attrs : "");
	snprintf(m->md5_sys, sizeof m->md5_sys, "%s", c->md5_sys ? c->md5_sys : "");
	m->trace_header = c->trace;
	m->sent_ms = c->sent;
	m->first_receive_ms = c->first_receive ? c->first_receive : now;
	m->receives = c->receives + 1;
	m->sender = c->sender;
	m->dlq_source = c->dlq_source;
	if (q->conf.fifo) {
		m->group_id = c->group;
		m->dedup_id = c->dedup;
		char *seq = arena_alloc(op->arena, 24);
		snprintf(seq, 24, "1%019lld", (long long)c->seq);
		m->seq = seq;
	}
	return QE_OK;
}

/* What to do with a receivable candidate: 1 take it, 0 it was dropped
 * (expired) or moved (dead letter), < 0 error. */
static int settle(struct qop *op, const struct qrow *q, const struct qrow *dlq, const struct cand *c, int64_t now)
{
	if (c->expires <= now)
		return exec_id("DELETE FROM queue_msgs WHERE id = ?", c->row) ? QE_DB : 0;
	if (dlq && c->receives >= q->conf.max_receives)
		return move_to_dlq(op, q, dlq, c->row, now) ? QE_DB : 0;
	return 1;
}

static int recv_standard(struct qop *op, const struct qrow *q, const struct qrow *dlq, int64_t now, int64_t vis)
{
	int want = op->req->max;
	for (int round = 0; round < 32 && op->n < want; round++) {
		sqlite3_stmt *st = db_prep("SELECT " CAND_COLS " FROM queue_msgs WHERE queue = ? AND visible_at <= ?"
					   " ORDER BY visible_at LIMIT ?");
		sqlite3_bind_int64(st, 1, q->id);
		sqlite3_bind_int64(st, 2, now);
		/* Usually every candidate is taken: fetch no more than needed. */
		int chunk = want - op->n;
		sqlite3_bind_int(st, 3, chunk);
		struct cand c[QUEUE_MAX_BATCH];
		int nc = 0;
		while (nc < chunk && sqlite3_step(st) == SQLITE_ROW)
			cand_read(op->arena, st, &c[nc++], true);
		db_done(st);
		for (int i = 0; i < nc && op->n < want; i++) {
			int s = settle(op, q, dlq, &c[i], now);
			if (s < 0)
				return QE_DB;
			if (s && take(op, q, &c[i], now, vis))
				return QE_DB;
		}
		if (nc < chunk)
			break;
	}
	return QE_OK;
}

/* Group states while scanning a FIFO queue in send order. */
enum gstate { G_UNSEEN, G_TAKING, G_BLOCKED };

struct gslot {
	const char *name;
	enum gstate st;
};

#define GSLOTS 4096

static struct gslot *group_slot(struct gslot *t, const char *g)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)g; *p; p++)
		h = (h ^ *p) * 16777619u;
	for (unsigned i = 0; i < GSLOTS; i++) {
		struct gslot *s = &t[(h + i) % GSLOTS];
		if (!s->name || !strcmp(s->name, g))
			return s;
	}
	return NULL; /* table full: treat as blocked */
}

/* FIFO: a group is receivable only while its oldest message is visible;
 * from a receivable group, consecutive visible messages are taken in order. */
static int recv_fifo(struct qop *op, const struct qrow *q, const struct qrow *dlq, int64_t now, int64_t vis)
{
	int want = op->req->max;
	struct gslot *groups = arena_zalloc(op->arena, sizeof *groups * GSLOTS);
	int64_t after = 0;
	int scanned = 0;
	while (op->n < want && scanned < FIFO_SCAN_ROWS) {
		sqlite3_stmt *st = db_prep("SELECT " CAND_COLS " FROM queue_msgs WHERE queue = ? AND id > ? ORDER BY id LIMIT ?");
		sqlite3_bind_int64(st, 1, q->id);
		sqlite3_bind_int64(st, 2, after);
		sqlite3_bind_int(st, 3, RECV_CHUNK);
		struct cand c[RECV_CHUNK];
		int nc = 0;
		while (nc < RECV_CHUNK && sqlite3_step(st) == SQLITE_ROW) {
			/* Bodies only for messages that may be taken. */
			int64_t va = sqlite3_column_int64(st, 1);
			cand_read(op->arena, st, &c[nc], va <= now);
			nc++;
		}
		db_done(st);
		scanned += nc;
		for (int i = 0; i < nc && op->n < want; i++) {
			after = c[i].row;
			struct gslot *g = group_slot(groups, c[i].group ? c[i].group : "");
			if (!g || g->st == G_BLOCKED)
				continue;
			if (c[i].visible_at > now) {
				/* An in-flight or delayed head blocks its group; after
				 * taking some, the first unavailable one ends the run. */
				if (!g->name)
					g->name = c[i].group ? c[i].group : "";
				g->st = G_BLOCKED;
				continue;
			}
			int s = settle(op, q, dlq, &c[i], now);
			if (s < 0)
				return QE_DB;
			if (!s)
				continue; /* gone: the next message is the group's head */
			if (!g->name)
				g->name = c[i].group ? c[i].group : "";
			g->st = G_TAKING;
			if (take(op, q, &c[i], now, vis))
				return QE_DB;
		}
		if (nc < RECV_CHUNK)
			break;
	}
	return QE_OK;
}

static int op_recv(struct qop *op, int64_t now)
{
	struct qrow q;
	int rc = q_load(op->arn, &q);
	if (rc)
		return rc;
	if (count_inflight(q.id, now, QUEUE_MAX_INFLIGHT) >= QUEUE_MAX_INFLIGHT)
		return QE_OVER_LIMIT;
	struct qrow dlq_row, *dlq = NULL;
	if (q.conf.max_receives > 0 && q.conf.dlq_arn[0] && strcmp(q.conf.dlq_arn, op->arn) &&
	    q_load(q.conf.dlq_arn, &dlq_row) == QE_OK)
		dlq = &dlq_row;
	int64_t vis = op->req->visibility_ms >= 0 ? op->req->visibility_ms : q.conf.visibility_ms;
	int max = op->req->max < 1 ? 1 : op->req->max > QUEUE_MAX_BATCH ? QUEUE_MAX_BATCH : op->req->max;
	op->msgs = arena_zalloc(op->arena, sizeof *op->msgs * (size_t)max);
	op->n = 0;
	rc = q.conf.fifo ? recv_fifo(op, &q, dlq, now, vis) : recv_standard(op, &q, dlq, now, vis);
	if (rc)
		return rc;
	if (!op->n)
		op->next_visible = next_visible(q.id, now);
	return QE_OK;
}

/* The row and nonce handle i names in queue q; false (and QE_BAD_HANDLE
 * recorded) when it is malformed or of another queue. */
static bool handle_of(struct qop *op, const struct qrow *q, int i, int64_t *row, uint64_t *nonce)
{
	int64_t qid;
	if (q_handle_parse(op->handles[i], &qid, row, nonce) && qid == q->id)
		return true;
	op->res[i] = QE_BAD_HANDLE;
	return false;
}

static int op_delete(struct qop *op)
{
	struct qrow q;
	int rc = q_load(op->arn, &q);
	if (rc)
		return rc;
	for (int i = 0; i < op->n; i++) {
		int64_t row;
		uint64_t nonce;
		if (!handle_of(op, &q, i, &row, &nonce))
			continue;
		sqlite3_stmt *st = db_prep("DELETE FROM queue_msgs WHERE id = ? AND queue = ? AND receipt = ?");
		sqlite3_bind_int64(st, 1, row);
		sqlite3_bind_int64(st, 2, q.id);
		sqlite3_bind_int64(st, 3, (int64_t)nonce);
		int s = sqlite3_step(st);
		db_done(st);
		if (s != SQLITE_DONE)
			return QE_DB;
		op->res[i] = QE_OK;
	}
	return QE_OK;
}

static int op_chvis(struct qop *op, int64_t now)
{
	struct qrow q;
	int rc = q_load(op->arn, &q);
	if (rc)
		return rc;
	for (int i = 0; i < op->n; i++) {
		int64_t row;
		uint64_t nonce;
		if (!handle_of(op, &q, i, &row, &nonce))
			continue;
		sqlite3_stmt *st = db_prep("SELECT visible_at, receipt FROM queue_msgs WHERE id = ? AND queue = ?");
		sqlite3_bind_int64(st, 1, row);
		sqlite3_bind_int64(st, 2, q.id);
		int s = sqlite3_step(st);
		int64_t va = s == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		bool same = s == SQLITE_ROW && sqlite3_column_type(st, 1) != SQLITE_NULL &&
			    (uint64_t)sqlite3_column_int64(st, 1) == nonce;
		db_done(st);
		if (s != SQLITE_ROW && s != SQLITE_DONE)
			return QE_DB;
		if (!same) {
			op->res[i] = QE_GONE;
			continue;
		}
		if (va <= now) {
			op->res[i] = QE_NOT_INFLIGHT;
			continue;
		}
		st = db_prep("UPDATE queue_msgs SET visible_at = ? WHERE id = ?");
		sqlite3_bind_int64(st, 1, now + op->vis[i]);
		sqlite3_bind_int64(st, 2, row);
		s = sqlite3_step(st);
		db_done(st);
		if (s != SQLITE_DONE)
			return QE_DB;
		op->res[i] = QE_OK;
		if (now + op->vis[i] < va)
			op->wake = true;
	}
	return QE_OK;
}

static int op_purge(struct qop *op, int64_t now)
{
	struct qrow q;
	int rc = q_load(op->arn, &q);
	if (rc)
		return rc;
	if (exec_id("DELETE FROM queue_msgs WHERE queue = ?", q.id))
		return QE_DB;
	sqlite3_stmt *st = db_prep("UPDATE queues SET last_purge = ? WHERE id = ?");
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, q.id);
	int s = sqlite3_step(st);
	db_done(st);
	return s == SQLITE_DONE ? QE_OK : QE_DB;
}

/* Drops expired messages (oldest first per queue, stopping at the first
 * live one: bounded work per sweep) and expired deduplication records. */
static void sweep(int64_t now)
{
	int64_t ids[256];
	int nq = 0;
	sqlite3_stmt *st = db_prep("SELECT id FROM queues ORDER BY id");
	while (nq < 256 && sqlite3_step(st) == SQLITE_ROW)
		ids[nq++] = sqlite3_column_int64(st, 0);
	db_done(st);
	for (int i = 0; i < nq; i++) {
		int64_t rows[1000];
		int nr = 0;
		st = db_prep("SELECT id, expires FROM queue_msgs WHERE queue = ? ORDER BY id LIMIT 1000");
		sqlite3_bind_int64(st, 1, ids[i]);
		while (nr < 1000 && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 1) <= now)
			rows[nr++] = sqlite3_column_int64(st, 0);
		db_done(st);
		for (int k = 0; k < nr; k++)
			exec_id("DELETE FROM queue_msgs WHERE id = ?", rows[k]);
	}
	st = db_prep("DELETE FROM queue_dedup WHERE expires <= ?");
	sqlite3_bind_int64(st, 1, now);
	sqlite3_step(st);
	db_done(st);
}

static int run(struct qop *op, int64_t now)
{
	switch (op->kind) {
	case OP_SEND: return op_send(op, now);
	case OP_RECV: return op_recv(op, now);
	case OP_DELETE: return op_delete(op);
	case OP_CHVIS: return op_chvis(op, now);
	case OP_PURGE: return op_purge(op, now);
	}
	return QE_DB;
}

/* ------------------------------------------------------------------ */
/* the writer thread                                                   */

static void *writer_main(void *arg)
{
	(void)arg;
	struct qop *batch[MAX_OPS_PER_TXN];
	for (;;) {
		pthread_mutex_lock(&Q.mu);
		while (!Q.head && !Q.stop && !Q.sweep_due)
			pthread_cond_wait(&Q.work, &Q.mu);
		if (!Q.head && Q.stop) {
			pthread_mutex_unlock(&Q.mu);
			break;
		}
		int n = 0;
		while (Q.head && n < MAX_OPS_PER_TXN) {
			batch[n++] = Q.head;
			Q.head = Q.head->next;
		}
		if (!Q.head)
			Q.tail = &Q.head;
		bool do_sweep = Q.sweep_due;
		Q.sweep_due = false;
		pthread_mutex_unlock(&Q.mu);

		int64_t now = clock_wall_ms();
		bool ok = db_begin() == 0;
		for (int i = 0; ok && i < n; i++) {
			batch[i]->rc = run(batch[i], now);
			if (batch[i]->rc == QE_DB)
				ok = false;
		}
		if (ok && do_sweep)
			sweep(now);
		if (ok) {
			ok = db_commit() == 0;
		} else if (db_in_txn()) {
			db_rollback();
		}
		for (int i = 0; i < n; i++) {
			struct qop *op = batch[i];
			if (!ok) {
				op->rc = QE_DB;
				op->n = 0;
				continue;
			}
			if (op->wake)
				q_wake(op->arn);
			if (op->wake_dlq[0])
				q_wake(op->wake_dlq);
		}
		pthread_mutex_lock(&Q.mu);
		for (int i = 0; i < n; i++)
			batch[i]->done = true;
		pthread_cond_broadcast(&Q.done);
		pthread_mutex_unlock(&Q.mu);
	}
	db_release();
	return NULL;
}

/* Queues op for the writer and blocks until its batch committed. */
static int submit(struct qop *op)
{
	op->done = false;
	op->next = NULL;
	pthread_mutex_lock(&Q.mu);
	if (!Q.running || Q.stop) {
		pthread_mutex_unlock(&Q.mu);
		return QE_STOPPING;
	}
	*Q.tail = op;
	Q.tail = &op->next;
	pthread_cond_signal(&Q.work);
	while (!op->done)
		pthread_cond_wait(&Q.done, &Q.mu);
	pthread_mutex_unlock(&Q.mu);
	return op->rc;
}

int qw_start(void)
{
	pthread_mutex_lock(&Q.mu);
	Q.head = NULL;
	Q.tail = &Q.head;
	Q.stop = false;
	Q.sweep_due = false;
	pthread_mutex_unlock(&Q.mu);
	if (pthread_create(&Q.thread, NULL, writer_main, NULL))
		return -1;
	pthread_mutex_lock(&Q.mu);
	Q.running = true;
	pthread_mutex_unlock(&Q.mu);
	return 0;
}

void qw_stop(void)
{
	pthread_mutex_lock(&Q.mu);
	bool running = Q.running;
	Q.stop = true;
	pthread_cond_signal(&Q.work);
	pthread_mutex_unlock(&Q.mu);
	if (!running)
		return;
	pthread_join(Q.thread, NULL);
	pthread_mutex_lock(&Q.mu);
	Q.running = false;
	pthread_mutex_unlock(&Q.mu);
}

void qw_sweep_soon(void)
{
	pthread_mutex_lock(&Q.mu);
	if (Q.running && !Q.stop) {
		Q.sweep_due = true;
		pthread_cond_signal(&Q.work);
	}
	pthread_mutex_unlock(&Q.mu);
}

/* ------------------------------------------------------------------ */
/* the public message operations                                       */

int queue_send(const char *arn, const struct queue_msg *msgs, int n, struct queue_sent *out)
{
	if (n < 1 || n > QUEUE_MAX_BATCH)
		return QE_INVALID;
	struct queue_conf conf;
	int rc = queue_get(arn, &conf);
	if (rc)
		return rc;
	struct qprep prep[QUEUE_MAX_BATCH];
	for (int i = 0; i < n; i++)
		q_prepare(&msgs[i], conf.fifo && conf.content_dedup, &prep[i]);
	struct qop op = {.kind = OP_SEND, .arn = arn, .prep = prep, .sent = out, .n = n};
	rc = submit(&op);
	for (int i = 0; i < n; i++)
		q_prep_free(&prep[i]);
	return rc;
}

int queue_receive(const char *arn, const struct queue_recv_req *req, struct arena *arena, struct queue_rmsg **out,
		  int *n)
{
	*out = NULL;
	*n = 0;
	int64_t deadline = clock_mono_us() + (req->wait_ms > 0 ? req->wait_ms : 0) * 1000;
	for (;;) {
		uint64_t gen = q_wake_gen(arn);
		struct qop op = {.kind = OP_RECV, .arn = arn, .req = req, .arena = arena};
		int rc = submit(&op);
		if (rc)
			return rc;
		if (op.n > 0) {
			*out = op.msgs;
			*n = op.n;
			return QE_OK;
		}
		int64_t now_us = clock_mono_us();
		if (req->wait_ms <= 0 || now_us >= deadline || q_stopping())
			return QE_OK;
		int64_t until = deadline;
		if (op.next_visible) {
			int64_t in_us = (op.next_visible - clock_wall_ms()) * 1000;
			if (now_us + in_us < until)
				until = now_us + (in_us > 0 ? in_us : 0);
		}
		if (until > now_us && !q_wait(arn, gen, until))
			return QE_OK;
	}
}

int queue_delete(const char *arn, const char *const *handles, int n, int *res)
{
	if (n < 1 || n > QUEUE_MAX_BATCH)
		return QE_INVALID;
	struct qop op = {.kind = OP_DELETE, .arn = arn, .handles = handles, .n = n, .res = res};
	return submit(&op);
}

int queue_change_visibility(const char *arn, const char *const *handles, const int64_t *vis_ms, int n, int *res)
{
	if (n < 1 || n > QUEUE_MAX_BATCH)
		return QE_INVALID;
	struct qop op = {.kind = OP_CHVIS, .arn = arn, .handles = handles, .vis = vis_ms, .n = n, .res = res};
	return submit(&op);
}

int queue_purge(const char *arn)
{
	struct qop op = {.kind = OP_PURGE, .arn = arn};
	return submit(&op);
}
