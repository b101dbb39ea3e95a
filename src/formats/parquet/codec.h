/* codec.h — Parquet's page compression codecs over the Debian libraries:
 * snappy (snappy-c.h), gzip (zlib, concatenated members accepted), zstd,
 * lz4 (LZ4_RAW block, and the legacy Hadoop-framed LZ4 read-only).
 * Brotli and LZO have no library here and are reported as unsupported.
 *
 * Invariant: decompression writes exactly the declared number of bytes or
 * fails; it never writes past dst_len whatever the input says.
 */
#ifndef NUAGE_FORMATS_PARQUET_CODEC_H
#define NUAGE_FORMATS_PARQUET_CODEC_H

#include <stddef.h>
#include <stdint.h>

struct pq_codecs; /* reusable library contexts (zstd, zlib) */

/* Caller frees with pq_codecs_free. */
struct pq_codecs *pq_codecs_new(void);
void pq_codecs_free(struct pq_codecs *c);

/* Name of a codec id for messages ("SNAPPY"). */
const char *pq_codec_name(int codec);
/* Decompresses n bytes of src into dst, which must come out exactly
 * dst_len bytes. Returns 0, or -1 with a sentence in *why (static). */
int pq_decompress(struct pq_codecs *c, int codec, const uint8_t *src, size_t n, uint8_t *dst, size_t dst_len,
		  const char **why);
/* Largest output pq_compress can produce for n input bytes. */
size_t pq_compress_bound(int codec, size_t n);
/* Compresses src into dst (cap >= pq_compress_bound); *out_len is the size.
 * level 0 means the codec's default. Returns 0 or -1. */
int pq_compress(struct pq_codecs *c, int codec, int level, const uint8_t *src, size_t n, uint8_t *dst, size_t cap,
		size_t *out_len);

#endif
