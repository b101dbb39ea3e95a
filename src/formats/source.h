/* source.h — the bytes a reader parses: a file, a descriptor, a memory
 * block or a callback, decompressed on the fly.
 *
 * Readers never see compression: they call source_read() and get the
 * decompressed stream. The codec is forced or detected from the first bytes
 * (gzip 1f 8b, zstd 28 b5 2f fd; anything else is read as is). Gzip input
 * may hold several concatenated members (what `cat a.gz b.gz` and many
 * loggers produce); zstd input may hold several frames.
 *
 * Invariants:
 *  1. Memory is bounded: one raw buffer of SOURCE_RAW_BUF bytes plus the
 *     codec state, whatever the size of the input.
 *  2. source_offset() counts decompressed bytes handed out so far, so a
 *     parser's error can name the byte where it stopped.
 *  3. After an error every later read fails the same way.
 */
#ifndef NUAGE_FORMATS_SOURCE_H
#define NUAGE_FORMATS_SOURCE_H

#include "formats/fmt_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SOURCE_RAW_BUF (256 * 1024)

enum fmt_codec {
	FMT_CODEC_AUTO,        /* detect from magic bytes (source only) */
	FMT_CODEC_NONE,
	FMT_CODEC_GZIP,
	FMT_CODEC_ZSTD,
	FMT_CODEC_DEFLATE,     /* zlib-wrapped deflate (Snowflake's DEFLATE) */
	FMT_CODEC_RAW_DEFLATE, /* bare deflate stream */
};

/* Parses none|gzip|zstd|deflate|raw_deflate|auto (any case); -1 if unknown. */
int fmt_codec_parse(const char *s);
const char *fmt_codec_name(enum fmt_codec c);

/* Reads up to n bytes into buf: returns the count, 0 at end of input, or
 * a negative value on error (errno may say why). */
typedef long (*source_read_fn)(void *ctx, void *buf, size_t n);

struct source;

/* Constructors: each returns a source the caller frees with source_close().
 * source_open_path fails (returns -1, err filled) if the file cannot be
 * opened. source_from_fd closes fd on source_close when own is true.
 * source_from_mem does not copy: p must outlive the source. */
int source_open_path(const char *path, enum fmt_codec codec, struct source **out, struct fmt_error *err);
struct source *source_from_fd(int fd, bool own, enum fmt_codec codec);
struct source *source_from_mem(const void *p, size_t n, enum fmt_codec codec);
struct source *source_from_callback(source_read_fn fn, void *ctx, enum fmt_codec codec);
void source_close(struct source *s);

/* The name errors carry in fmt_error.file (a path by default). */
void source_set_name(struct source *s, const char *name);
const char *source_name(const struct source *s);

/* Reads up to n decompressed bytes; returns how many (fewer than n only at
 * the end of the input or of a codec block), 0 at the end, -1 on error with
 * err->msg, err->file and err->offset set. */
long source_read(struct source *s, void *dst, size_t n, struct fmt_error *err);

/* Reads until dst is full or the input ends: for callers (sniffers, magic
 * checks) that want "the first n bytes". Returns the count or -1. */
long source_read_full(struct source *s, void *dst, size_t n, struct fmt_error *err);

int64_t source_offset(const struct source *s);    /* decompressed bytes returned */
int64_t source_raw_offset(const struct source *s); /* input bytes consumed */
int64_t source_raw_size(const struct source *s);   /* input size if known, else -1 */
enum fmt_codec source_codec(const struct source *s); /* after detection */

#endif
