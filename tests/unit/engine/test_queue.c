/* Engine queues (engine/queue.h): send/receive/delete, visibility timeouts
 * (also across a restart), delays, long polls woken by sends, dead letters,
 * FIFO groups and deduplication, sending inside a caller's transaction,
 * purge, and the digests SDKs verify. */
#include "unit.h"
#include "core/arena.h"
#include "core/clock.h"
#include "engine/queue.h"
#include "engine/timers.h"
#include "store/db.h"
#include "store/migrate.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

extern const struct migration_set store_core_migrations;

static const char *SRC = "arn:aws:sqs:us-east-1:000000000000:unit-src";
static const char *DLQ = "arn:aws:sqs:us-east-1:000000000000:unit-dlq";
static const char *FIFO = "arn:aws:sqs:us-east-1:000000000000:unit.fifo";

static int qsetup(void)
{
	const struct migration_set *sets[] = {&store_core_migrations, &queue_migrations};
	if (db_open(unit_tmpdir(), sets, 2))
		return -1;
	db_release();
	if (timers_start())
		return -1;
	return queue_start();
}

static void qteardown(void)
{
	queue_stop();
	timers_stop();
	db_release();
	db_close();
}

static struct queue_conf std_conf(void)
{
	struct queue_conf c = {.visibility_ms = 30000, .retention_ms = 345600000};
	return c;
}

static int make_queue(const char *arn, const struct queue_conf *c)
{
	if (db_begin())
		return -1;
	int rc = queue_create_txn(arn, c);
	if (rc) {
		db_rollback();
		return rc;
	}
	rc = db_commit();
	db_release();
	return rc;
}

static int send1(const char *arn, const char *body, int64_t delay_ms, struct queue_sent *out)
{
	struct queue_msg m = {.body = body, .body_len = strlen(body), .delay_ms = delay_ms};
	return queue_send(arn, &m, 1, out);
}

static int recv_some(const char *arn, struct arena *a, int max, int64_t vis, int64_t wait, struct queue_rmsg **out)
{
	struct queue_recv_req r = {.max = max, .visibility_ms = vis, .wait_ms = wait};
	int n = -1;
	if (queue_receive(arn, &r, a, out, &n))
		return -1;
	return n;
}

TEST(queue_md5_and_text_rules)
{
	struct queue_attr at[] = {{"bin", "Binary", "\0\1\2", 3}, {"a", "String", "1", 1}};
	char md5[33];
	queue_md5_attrs(at, 2, md5);
	/* Known answer: the length-prefixed encoding SDKs hash, in name order. */
	CHECK_STR(md5, "21cb4b7d05111f78343c49eae6930ae2");
	queue_md5_attrs(at, 0, md5);
	CHECK_STR(md5, "");
	long bad = 0;
	CHECK(queue_valid_text("ok\t\n\r é €", strlen("ok\t\n\r é €"), &bad));
	CHECK(!queue_valid_text("a\x01z", 3, &bad));
	CHECK_INT(bad, 1);
	CHECK(!queue_valid_text("\xef\xbf\xbf", 3, &bad)); /* U+FFFF */
	CHECK_INT(bad, 0xFFFF);
	CHECK(!queue_valid_text("\xc3", 1, &bad));
	CHECK_INT(bad, -1);
	CHECK(!queue_valid_text("\xed\xa0\x80", 3, &bad)); /* a surrogate */
	CHECK(!queue_handle_wellformed("not a handle"));
	CHECK(!queue_handle_wellformed(""));
}

static void body_roundtrip(void)
{
	struct queue_conf c = std_conf();
	CHECK_INT(make_queue(SRC, &c), QE_OK);
	CHECK_INT(make_queue(SRC, &c), QE_EXISTS);
	struct queue_sent s;
	CHECK_INT(send1(SRC, "hello", -1, &s), QE_OK);
	CHECK_INT(s.err, QE_OK);
	CHECK_STR(s.md5_body, "5d41402abc4b2a76b9719d911017c592");
	CHECK_INT(strlen(s.msg_id), 36);
	struct arena a;
	arena_init(&a);
	struct queue_rmsg *m;
	int n = recv_some(SRC, &a, 10, -1, 0, &m);
	CHECK_INT(n, 1);
	CHECK_STR(m[0].msg_id, s.msg_id);
	CHECK_INT(m[0].body_len, 5);
	CHECK(!memcmp(m[0].body, "hello", 5));
	CHECK_INT(m[0].receives, 1);
	CHECK_STR(m[0].md5_body, s.md5_body);
	struct queue_stats st;
	CHECK_INT(queue_get_stats(SRC, &st), QE_OK);
	CHECK_INT(st.visible, 0);
	CHECK_INT(st.inflight, 1);
	/* In flight: nobody else gets it. */
	struct queue_rmsg *m2;
	CHECK_INT(recv_some(SRC, &a, 10, -1, 0, &m2), 0);
	const char *h[] = {m[0].receipt};
	int res[1] = {99};
	CHECK_INT(queue_delete(SRC, h, 1, res), QE_OK);
	CHECK_INT(res[0], QE_OK);
	CHECK_INT(queue_get_stats(SRC, &st), QE_OK);
	CHECK_INT(st.inflight + st.visible + st.delayed, 0);
	const char *bad[] = {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"};
	CHECK_INT(queue_delete(SRC, bad, 1, res), QE_OK);
	CHECK_INT(res[0], QE_BAD_HANDLE);
	CHECK_INT(send1("arn:aws:sqs:us-east-1:000000000000:nope", "x", -1, &s), QE_NO_QUEUE);
	arena_free(&a);
}

TEST(queue_send_receive_delete)
{
	CHECK(qsetup() == 0);
	body_roundtrip();
	qteardown();
}

static void body_visibility(void)
{
	struct queue_conf c = std_conf();
	CHECK_INT(make_queue(SRC, &c), QE_OK);
	struct queue_sent s;
	CHECK_INT(send1(SRC, "v", -1, &s), QE_OK);
	struct arena a;
	arena_init(&a);
	struct queue_rmsg *m1, *m2;
	CHECK_INT(recv_some(SRC, &a, 1, 150, 0, &m1), 1);
	/* The visibility timeout expires: a long poll gets it back. */
	CHECK_INT(recv_some(SRC, &a, 1, 30000, 5000, &m2), 1);
	CHECK_STR(m2[0].msg_id, m1[0].msg_id);
	CHECK_INT(m2[0].receives, 2);
	CHECK(strcmp(m2[0].receipt, m1[0].receipt) != 0);
	/* The first handle is superseded: deleting with it leaves the message. */
	const char *old[] = {m1[0].receipt};
	int res[1];
	CHECK_INT(queue_delete(SRC, old, 1, res), QE_OK);
	struct queue_stats st;
	CHECK_INT(queue_get_stats(SRC, &st), QE_OK);
	CHECK_INT(st.inflight, 1);
	int64_t vis[1] = {0};
	CHECK_INT(queue_change_visibility(SRC, old, vis, 1, res), QE_OK);
	CHECK_INT(res[0], QE_GONE);
	const char *cur[] = {m2[0].receipt};
	CHECK_INT(queue_change_visibility(SRC, cur, vis, 1, res), QE_OK);
	CHECK_INT(res[0], QE_OK);
	/* Now visible again: changing it once more is "not in flight". */
	CHECK_INT(queue_change_visibility(SRC, cur, vis, 1, res), QE_OK);
	CHECK_INT(res[0], QE_NOT_INFLIGHT);
	CHECK_INT(queue_get_stats(SRC, &st), QE_OK);
	CHECK_INT(st.visible, 1);
	arena_free(&a);
}

TEST(queue_visibility_timeouts)
{
	CHECK(qsetup() == 0);
	body_visibility();
	qteardown();
}

static void body_delay(void)
{
	struct queue_conf c = std_conf();
	CHECK_INT(make_queue(SRC, &c), QE_OK);
	struct queue_sent s;
	CHECK_INT(send1(SRC, "later", 200, &s), QE_OK);
	struct arena a;
	arena_init(&a);
	struct queue_rmsg *m;
	CHECK_INT(recv_some(SRC, &a, 1, -1, 0, &m), 0);
	struct queue_stats st;
	CHECK_INT(queue_get_stats(SRC, &st), QE_OK);
	CHECK_INT(st.delayed, 1);
	/* A long poll sleeps until the delay ends, then gets it. */
	CHECK_INT(recv_some(SRC, &a, 1, -1, 10000, &m), 1);
	CHECK(!memcmp(m[0].body, "later", 5));
	arena_free(&a);
}

TEST(queue_delay)
{
	CHECK(qsetup() == 0);
	body_delay();
	qteardown();
}

static void *late_sender(void *arg)
{
	(void)arg;
	usleep(100000);
	struct queue_sent s;
	send1(SRC, "woken", -1, &s);
	db_release();
	return NULL;
}

static void body_long_poll(void)
{
	struct queue_conf c = std_conf();
	CHECK_INT(make_queue(SRC, &c), QE_OK);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, late_sender, NULL) == 0);
	struct arena a;
	arena_init(&a);
	struct queue_rmsg *m;
	int n = recv_some(SRC, &a, 10, -1, 20000, &m);
	pthread_join(t, NULL);
	CHECK_INT(n, 1);
	CHECK(!memcmp(m[0].body, "woken", 5));
	arena_free(&a);
}

TEST(queue_long_poll_woken_by_send)
{
	CHECK(qsetup() == 0);
	body_long_poll();
	qteardown();
}

static void body_dlq(void)
{
	struct queue_conf c = std_conf();
	CHECK_INT(make_queue(DLQ, &c), QE_OK);
	c.max_receives = 2;
	snprintf(c.dlq_arn, sizeof c.dlq_arn, "%s", DLQ);
	CHECK_INT(make_queue(SRC, &c), QE_OK);
	struct queue_sent s;
	struct queue_attr at = {"k", "String", "v", 1};
	struct queue_msg msg = {.body = "poison", .body_len = 6, .attrs = &at, .nattrs = 1, .delay_ms = -1};
	CHECK_INT(queue_send(SRC, &msg, 1, &s), QE_OK);
	struct arena a;
	arena_init(&a);
	struct queue_rmsg *m;
	CHECK_INT(recv_some(SRC, &a, 1, 0, 0, &m), 1);
	CHECK_INT(recv_some(SRC, &a, 1, 0, 0, &m), 1);
	CHECK_INT(m[0].receives, 2);
	/* The third receive would exceed max_receives: moved instead. */
	CHECK_INT(recv_some(SRC, &a, 1, 0, 0, &m), 0);
	CHECK_INT(recv_some(DLQ, &a, 1, -1, 0, &m), 1);
	CHECK_STR(m[0].msg_id, s.msg_id);
	CHECK_STR(m[0].dlq_source, SRC);
	CHECK_STR(m[0].md5_attrs, s.md5_attrs);
	CHECK(m[0].attrs_json && strstr(m[0].attrs_json, "\"StringValue\":\"v\""));
	arena_free(&a);
}

TEST(queue_dead_letters)
{
	CHECK(qsetup() == 0);
	body_dlq();
	qteardown();
}

static void fifo_send(const char *group, const char *body, const char *dedup, struct queue_sent *s)
{
	struct queue_msg m = {.body = body, .body_len = strlen(body), .group_id = group, .dedup_id = dedup,
			      .delay_ms = -1};
	queue_send(FIFO, &m, 1, s);
}

static void body_fifo(void)
{
	struct queue_conf c = std_conf();
	c.fifo = true;
	c.content_dedup = true;
	CHECK_INT(make_queue(FIFO, &c), QE_OK);
	struct queue_sent s1, s2, s3, s4;
	fifo_send("A", "a1", NULL, &s1);
	fifo_send("A", "a2", NULL, &s2);
	fifo_send("B", "b1", "explicit", &s3);
	CHECK_INT(s1.err, QE_OK);
	CHECK(strcmp(s1.seq, s2.seq) < 0);
	CHECK_INT(strlen(s1.seq), 20);
	/* Content-based and explicit deduplication within the window. */
	fifo_send("A", "a1", NULL, &s4);
	CHECK(s4.duplicate);
	CHECK_STR(s4.msg_id, s1.msg_id);
	fifo_send("C", "other body", "explicit", &s4);
	CHECK(s4.duplicate);
	CHECK_STR(s4.msg_id, s3.msg_id);
	struct arena a;
	arena_init(&a);
	struct queue_rmsg *m;
	/* One at a time: A's head, then B (A is blocked by its in-flight head). */
	CHECK_INT(recv_some(FIFO, &a, 1, 30000, 0, &m), 1);
	CHECK(!memcmp(m[0].body, "a1", 2));
	CHECK_STR(m[0].group_id, "A");
	const char *a1 = m[0].receipt;
	CHECK_INT(recv_some(FIFO, &a, 10, 30000, 0, &m), 1);
	CHECK(!memcmp(m[0].body, "b1", 2));
	CHECK_INT(recv_some(FIFO, &a, 10, 30000, 0, &m), 0);
	/* Deleting A's head frees the group: a2 comes next. */
	int res[1];
	const char *h[] = {a1};
	CHECK_INT(queue_delete(FIFO, h, 1, res), QE_OK);
	CHECK_INT(recv_some(FIFO, &a, 10, 30000, 0, &m), 1);
	CHECK(!memcmp(m[0].body, "a2", 2));
	/* Without group id the engine refuses. */
	struct queue_msg bad = {.body = "x", .body_len = 1, .delay_ms = -1};
	CHECK_INT(queue_send(FIFO, &bad, 1, &s4), QE_OK);
	CHECK_INT(s4.err, QE_INVALID);
	arena_free(&a);
}

TEST(queue_fifo_groups_and_dedup)
{
	CHECK(qsetup() == 0);
	body_fifo();
	qteardown();
}

static void body_fifo_batch(void)
{
	struct queue_conf c = std_conf();
	c.fifo = true;
	CHECK_INT(make_queue(FIFO, &c), QE_OK);
	struct queue_sent s;
	fifo_send("G", "1", "d1", &s);
	fifo_send("G", "2", "d2", &s);
	fifo_send("H", "3", "d3", &s);
	fifo_send("G", "4", "d4", &s);
	struct arena a;
	arena_init(&a);
	struct queue_rmsg *m;
	/* Several groups in one receive, each in order. */
	CHECK_INT(recv_some(FIFO, &a, 10, 30000, 0, &m), 4);
	CHECK(m[0].body[0] == '1' && m[1].body[0] == '2' && m[2].body[0] == '3' && m[3].body[0] == '4');
	/* Make "2" visible again while "1" stays in flight: the group stays blocked. */
	const char *h[] = {m[1].receipt};
	int64_t vis[] = {0};
	int res[1];
	CHECK_INT(queue_change_visibility(FIFO, h, vis, 1, res), QE_OK);
	CHECK_INT(res[0], QE_OK);
	struct queue_rmsg *m2;
	CHECK_INT(recv_some(FIFO, &a, 10, 30000, 0, &m2), 0);
	arena_free(&a);
}

TEST(queue_fifo_order_in_batches)
{
	CHECK(qsetup() == 0);
	body_fifo_batch();
	qteardown();
}

static void body_restart(void)
{
	struct queue_conf c = std_conf();
	CHECK_INT(make_queue(SRC, &c), QE_OK);
	struct queue_sent s;
	CHECK_INT(send1(SRC, "durable", -1, &s), QE_OK);
	CHECK_INT(send1(SRC, "second", -1, &s), QE_OK);
	struct arena a;
	arena_init(&a);
	struct queue_rmsg *m;
	CHECK_INT(recv_some(SRC, &a, 1, 60000, 0, &m), 1);
	char handle[64];
	snprintf(handle, sizeof handle, "%s", m[0].receipt);
	/* Restart the engine and the store. */
	queue_stop();
	db_release();
	db_close();
	const struct migration_set *sets[] = {&store_core_migrations, &queue_migrations};
	CHECK(db_open(unit_tmpdir(), sets, 2) == 0);
	db_release();
	CHECK(queue_start() == 0);
	/* Still in flight after the restart; the other one is there. */
	CHECK_INT(recv_some(SRC, &a, 10, 60000, 0, &m), 1);
	CHECK(!memcmp(m[0].body, "second", 6));
	CHECK_INT(recv_some(SRC, &a, 10, 60000, 0, &m), 0);
	/* The handle from before the restart still works. */
	const char *h[] = {handle};
	int64_t vis[] = {0};
	int res[1];
	CHECK_INT(queue_change_visibility(SRC, h, vis, 1, res), QE_OK);
	CHECK_INT(res[0], QE_OK);
	CHECK_INT(recv_some(SRC, &a, 10, 60000, 0, &m), 1);
	CHECK(!memcmp(m[0].body, "durable", 7));
	CHECK_INT(m[0].receives, 2);
	arena_free(&a);
}

TEST(queue_state_survives_restart)
{
	CHECK(qsetup() == 0);
	body_restart();
	qteardown();
}

static void body_txn(void)
{
	struct queue_conf c = std_conf();
	CHECK_INT(make_queue(SRC, &c), QE_OK);
	struct queue_msg msg = {.body = "in-txn", .body_len = 6, .delay_ms = -1, .dedup_key = "event-7"};
	struct queue_sent s;
	/* Rolled back: never there. */
	CHECK(db_begin() == 0);
	CHECK_INT(queue_send_txn(SRC, &msg, &s), QE_OK);
	db_rollback();
	queue_after_commit();
	struct queue_stats st;
	CHECK_INT(queue_get_stats(SRC, &st), QE_OK);
	CHECK_INT(st.visible, 0);
	/* Committed twice with one idempotency key: there once. */
	for (int i = 0; i < 2; i++) {
		CHECK(db_begin() == 0);
		CHECK_INT(queue_send_txn(SRC, &msg, &s), QE_OK);
		CHECK(db_commit() == 0);
		queue_after_commit();
		CHECK(s.duplicate == (i == 1));
	}
	db_release();
	CHECK_INT(queue_get_stats(SRC, &st), QE_OK);
	CHECK_INT(st.visible, 1);
	CHECK_INT(queue_purge(SRC), QE_OK);
	CHECK_INT(queue_get_stats(SRC, &st), QE_OK);
	CHECK_INT(st.visible, 0);
	int64_t purged = 0;
	CHECK_INT(queue_last_purge(SRC, &purged), QE_OK);
	CHECK(purged > 0);
	/* Dropping the queue removes it. */
	CHECK(db_begin() == 0);
	CHECK_INT(queue_drop_txn(SRC), QE_OK);
	CHECK(db_commit() == 0);
	queue_after_commit();
	db_release();
	CHECK_INT(queue_get_stats(SRC, &st), QE_NO_QUEUE);
}

TEST(queue_send_in_caller_transaction)
{
	CHECK(qsetup() == 0);
	body_txn();
	qteardown();
}

struct sender_arg {
	int id;
	int sent;
};

static void *many_sender(void *p)
{
	struct sender_arg *sa = p;
	for (int i = 0; i < 50; i++) {
		char body[32];
		snprintf(body, sizeof body, "%d-%d", sa->id, i);
		struct queue_msg m[2] = {{.body = body, .body_len = strlen(body), .delay_ms = -1},
					 {.body = body, .body_len = strlen(body), .delay_ms = -1}};
		struct queue_sent s[2];
		if (queue_send(SRC, m, 2, s) == QE_OK)
			sa->sent += 2;
	}
	db_release();
	return NULL;
}

static void body_concurrent(void)
{
	struct queue_conf c = std_conf();
	CHECK_INT(make_queue(SRC, &c), QE_OK);
	pthread_t t[8];
	struct sender_arg sa[8];
	for (int i = 0; i < 8; i++) {
		sa[i] = (struct sender_arg){i, 0};
		CHECK(pthread_create(&t[i], NULL, many_sender, &sa[i]) == 0);
	}
	int total = 0;
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		total += sa[i].sent;
	}
	CHECK_INT(total, 800);
	/* Every message exactly once across receives. */
	struct arena a;
	arena_init(&a);
	int got = 0;
	for (;;) {
		struct queue_rmsg *m;
		int n = recv_some(SRC, &a, 10, 60000, 0, &m);
		if (n <= 0)
			break;
		got += n;
	}
	CHECK_INT(got, 800);
	arena_free(&a);
}

TEST(queue_group_commit_concurrent_senders)
{
	CHECK(qsetup() == 0);
	body_concurrent();
	qteardown();
}
