/* sink.h — where a writer's bytes go: a file, a descriptor, a memory buffer
 * or a callback, compressed on the fly (gzip, zstd, deflate or none).
 *
 * Invariants:
 *  1. Memory is bounded: one output buffer of SINK_BUF bytes plus the codec
 *     state.
 *  2. Nothing is complete until sink_finish() returns 0: it flushes and
 *     writes the codec's trailer. A sink closed without finishing leaves a
 *     truncated output, which is what an aborted conversion should leave
 *     (the caller removes it).
 *  3. After an error every later call fails the same way.
 */
#ifndef NUAGE_FORMATS_SINK_H
#define NUAGE_FORMATS_SINK_H

#include "formats/fmt_error.h"
#include "formats/source.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SINK_BUF (256 * 1024)

struct buf;
struct sink;

/* Writes all n bytes or fails: returns 0, or negative on error. */
typedef int (*sink_write_fn)(void *ctx, const void *p, size_t n);

/* Constructors: each returns a sink the caller frees with sink_close().
 * level 0 means the codec's default. sink_open_path creates or truncates
 * the file (mode 0644) and fails with err filled. sink_to_buf appends to b
 * and fails once b's cap is reached. */
int sink_open_path(const char *path, enum fmt_codec codec, int level, struct sink **out, struct fmt_error *err);
struct sink *sink_to_fd(int fd, bool own, enum fmt_codec codec, int level);
struct sink *sink_to_buf(struct buf *b, enum fmt_codec codec, int level);
struct sink *sink_to_callback(sink_write_fn fn, void *ctx, enum fmt_codec codec, int level);
void sink_close(struct sink *s);

int sink_write(struct sink *s, const void *p, size_t n, struct fmt_error *err);
int sink_finish(struct sink *s, struct fmt_error *err);

int64_t sink_offset(const struct sink *s);     /* uncompressed bytes accepted */
int64_t sink_raw_offset(const struct sink *s); /* bytes written out */

#endif
