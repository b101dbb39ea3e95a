/* blob.h — object bodies on disk, never at a path derived from a user key.
 *
 * Small bodies (at most BLOB_INLINE_MAX bytes once sealed) never become
 * files: the writer keeps them in memory and blob_register stores them in
 * the database (blob_inline), so they are durable with the caller's commit
 * — one WAL sync shared with concurrent commits, instead of a file to
 * create, fsync, rename and later unlink. Their ids start with 'm' (file
 * blobs' ids are hex). A writer moves to a temp file as soon as its data
 * outgrows the limit.
 *
 * Write protocol for file blobs (the order is what makes crashes safe):
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
 * Readers use blob_open, which also finds a committed-but-unpublished blob
 * (and gives inline blobs as a memory file).
 */
#ifndef NUAGE_STORE_BLOB_H
#define NUAGE_STORE_BLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BLOB_ID_LEN 32
#define BLOB_INLINE_MAX (32 << 10)

struct blob_writer {
	int fd;                 /* -1 while the data fits in mem */
	char id[BLOB_ID_LEN + 1];
	int64_t size;
	int64_t queued;         /* bytes already handed to the disk (early writeback) */
	unsigned char *mem;     /* the data of a blob still small enough to stay inline */
};

int blob_init(const char *data_dir);
void blob_fini(void);

int blob_create(struct blob_writer *w);
/* Appends data; the first write past BLOB_INLINE_MAX creates the temp file. */
int blob_write(struct blob_writer *w, const void *p, size_t n);
int blob_seal(struct blob_writer *w);
/* Inside the caller's transaction. */
int blob_register(const struct blob_writer *w);
/* After the commit (also frees the writer's memory). */
int blob_publish(struct blob_writer *w);
void blob_abort(struct blob_writer *w);

/* Opens a blob for reading (an inline one as a memory file); -1 if missing.
 * Caller closes. */
int blob_open(const char *id);
/* Whether a blob lives in the database (and blob_load_inline reads it). */
bool blob_is_inline(const char *id);
/* An inline blob's bytes (malloc'd; caller frees) and length; NULL if missing. */
void *blob_load_inline(const char *id, size_t *len);
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
