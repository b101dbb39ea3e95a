/* queue_int.h — what queue.c (queues, sending, waking) and queue_writer.c
 * (the group-commit writer and the message operations it runs) share. Not
 * for other modules: they use queue.h. */
#ifndef NUAGE_ENGINE_QUEUE_INT_H
#define NUAGE_ENGINE_QUEUE_INT_H

#include "engine/queue.h"

#include <jansson.h>

/* A queue row as the operations need it. */
struct qrow {
	int64_t id;
	struct queue_conf conf;
	int64_t next_seq;
};

/* A message made ready for insertion outside the writer (ids, digests and
 * the attribute document cost CPU that must not sit on the writer thread). */
struct qprep {
	const struct queue_msg *m;
	int err;
	char msg_id[37];
	char md5_body[33], md5_attrs[33], md5_sys[33];
	char *attrs_json;          /* owned, or NULL */
	char dedup[129];           /* FIFO: the effective deduplication id */
};

/* Loads a queue by ARN (inside or outside a transaction). QE_OK, QE_NO_QUEUE. */
int q_load(const char *arn, struct qrow *r);
/* Fills p from m (caller thread); content_dedup: a FIFO queue that derives
 * missing deduplication ids from the body. */
void q_prepare(const struct queue_msg *m, bool content_dedup, struct qprep *p);
void q_prep_free(struct qprep *p);
/* Inserts one prepared message inside the current write transaction,
 * honouring FIFO deduplication; fills out. QE_OK or QE_DB / QE_INVALID. */
int q_insert(struct qrow *q, const struct qprep *p, int64_t now, struct queue_sent *out);
/* Persists q->next_seq after FIFO inserts. */
int q_save_seq(const struct qrow *q);

/* Receipt handles: opaque text naming (queue id, message row, receive nonce). */
#define Q_HANDLE_LEN 32
void q_handle_make(int64_t qid, int64_t row, uint64_t nonce, char out[Q_HANDLE_LEN + 1]);
bool q_handle_parse(const char *h, int64_t *qid, int64_t *row, uint64_t *nonce);

/* Waking long polls: receivers sleep on a stripe chosen by the queue ARN. */
uint64_t q_wake_gen(const char *arn);
void q_wake(const char *arn);
/* Sleeps until the ARN's stripe moves past gen, until deadline_us (monotonic),
 * or shutdown. Returns false when shutting down. */
bool q_wait(const char *arn, uint64_t gen, int64_t deadline_us);
bool q_stopping(void);

/* The writer (queue_writer.c). */
int qw_start(void);
void qw_stop(void);
/* Asks the writer to drop expired messages and deduplication records. */
void qw_sweep_soon(void);

#endif
