/* blob.h — object bodies on disk, never at a path derived from a user key.
 *
 * Write protocol (the order is what makes crashes safe):
 *   1. blob_create: a temp file tmp/<id> (id random, 32 hex chars)
 *   2. blob_write ...; blob_seal: fsync the data
 *   3. in the caller's transaction: blob_register (row in `blobs`) plus the
 *      caller's metadata; COMMIT
 *   4. blob_publish: rename tmp/<id> -> objects/<ab>/<id>, fsync the directory
 * A blob is deleted by blob_release in the caller's transaction (its row
 * moves to blob_trash); blob_collect after the commit unlinks the file; the
 * next transaction that registers or releases a blob forgets the trash row.
 * Start-up recovery (blob_recover): a temp file with a `blobs` row was
 * committed but not published -> publish it; without a row -> delete it;
 * every blob_trash row -> unlink and forget. objects/ is never scanned.
 * Readers use blob_open, which also finds a committed-but-unpublished blob.
 */
#ifndef NUAGE_STORE_BLOB_H
#define NUAGE_STORE_BLOB_H

#include <stddef.h>
#include <stdint.h>

#define BLOB_ID_LEN 32

struct blob_writer {
	int fd;
	char id[BLOB_ID_LEN + 1];
	int64_t size;
};

int blob_init(const char *data_dir);
void blob_fini(void);

int blob_create(struct blob_writer *w);
int blob_write(struct blob_writer *w, const void *p, size_t n);
int blob_seal(struct blob_writer *w);
/* Inside the caller's transaction. */
int blob_register(const struct blob_writer *w);
int blob_publish(const struct blob_writer *w);
void blob_abort(struct blob_writer *w);

/* Opens a blob for reading; -1 if missing. Caller closes. */
int blob_open(const char *id);
/* Inside the caller's transaction: the blob is no longer referenced. */
int blob_release(const char *id);
/* After commit: unlinks the blobs this thread released (no transaction:
 * their blob_trash rows are forgotten by a later transaction). */
void blob_collect(void);
/* A thread that used blob_release frees its bookkeeping (pool workers, connections). */
void blob_thread_done(void);
/* At start-up, before serving. Returns 0 or -1. */
int blob_recover(void);

#endif
