/* codec.c — see codec.h. Contexts are created lazily, on the first page
 * that needs them, and reused for every later page of the same reader or
 * writer (creating a zstd context per page costs more than the page). */
#include "formats/parquet/codec.h"
#include "formats/parquet/meta.h"
#include "core/mem.h"

#include <lz4.h>
#include <snappy-c.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

struct pq_codecs {
	ZSTD_DCtx *zd;
	ZSTD_CCtx *zc;
	z_stream inf;
	z_stream def;
	int def_level;
	bool inf_ready, def_ready;
};

struct pq_codecs *pq_codecs_new(void)
{
	return xcalloc(1, sizeof(struct pq_codecs));
}

void pq_codecs_free(struct pq_codecs *c)
{
	if (!c)
		return;
	ZSTD_freeDCtx(c->zd);
	ZSTD_freeCCtx(c->zc);
	if (c->inf_ready)
		inflateEnd(&c->inf);
	if (c->def_ready)
		deflateEnd(&c->def);
	free(c);
}

const char *pq_codec_name(int codec)
{
	static const char *const names[] = {"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD", "LZ4_RAW"};
	return codec >= 0 && codec < 8 ? names[codec] : "unknown";
}

static int gunzip(struct pq_codecs *c, const uint8_t *src, size_t n, uint8_t *dst, size_t dst_len, const char **why)
{
	if (!c->inf_ready) {
		memset(&c->inf, 0, sizeof c->inf);
		/* 15 + 32: accept gzip and zlib headers alike. */
		if (inflateInit2(&c->inf, 15 + 32) != Z_OK) {
			*why = "gzip decoder could not start";
			return -1;
		}
		c->inf_ready = true;
	} else {
		inflateReset(&c->inf);
	}
	z_stream *z = &c->inf;
	z->next_in = (Bytef *)src;
	z->avail_in = (uInt)n;
	z->next_out = dst;
	z->avail_out = (uInt)dst_len;
	for (;;) {
		int rc = inflate(z, Z_FINISH);
		if (rc == Z_STREAM_END) {
			/* Concatenated members: keep going while input remains. */
			if (z->avail_in == 0 || z->avail_out == 0)
				break;
			inflateReset(z);
			continue;
		}
		if (rc == Z_BUF_ERROR && z->avail_out == 0) {
			*why = "gzip data is larger than the page says";
			return -1;
		}
		if (rc != Z_OK) {
			*why = "gzip data is corrupt";
			return -1;
		}
	}
	if (z->avail_out != 0) {
		*why = "gzip data is smaller than the page says";
		return -1;
	}
	return 0;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Hadoop's framing: [u32 BE raw size][u32 BE compressed size][lz4 block]
 * repeated. Returns 0 when the whole input parses as such frames. */
static int hadoop_lz4(const uint8_t *src, size_t n, uint8_t *dst, size_t dst_len)
{
	size_t out = 0;
	while (n > 0) {
		if (n < 8)
			return -1;
		uint32_t raw = be32(src), comp = be32(src + 4);
		src += 8;
		n -= 8;
		if (comp > n || raw > dst_len - out)
			return -1;
		int got = LZ4_decompress_safe((const char *)src, (char *)dst + out, (int)comp, (int)raw);
		if (got < 0 || (uint32_t)got != raw)
			return -1;
		out += raw;
		src += comp;
		n -= comp;
	}
	return out == dst_len ? 0 : -1;
}

int pq_decompress(struct pq_codecs *c, int codec, const uint8_t *src, size_t n, uint8_t *dst, size_t dst_len,
		  const char **why)
{
	if (n > INT32_MAX || dst_len > INT32_MAX) {
		*why = "compressed page is too large";
		return -1;
	}
	switch (codec) {
	case PQZ_NONE:
		if (n != dst_len) {
			*why = "uncompressed page sizes disagree";
			return -1;
		}
		memcpy(dst, src, n);
		return 0;
	case PQZ_SNAPPY: {
		size_t len;
		if (snappy_uncompressed_length((const char *)src, n, &len) != SNAPPY_OK || len != dst_len) {
			*why = "snappy data does not match the page size";
			return -1;
		}
		if (snappy_uncompress((const char *)src, n, (char *)dst, &len) != SNAPPY_OK || len != dst_len) {
			*why = "snappy data is corrupt";
			return -1;
		}
		return 0;
	}
	case PQZ_GZIP:
		return gunzip(c, src, n, dst, dst_len, why);
	case PQZ_ZSTD: {
		if (!c->zd)
			c->zd = ZSTD_createDCtx();
		if (!c->zd)
			abort();
		size_t got = ZSTD_decompressDCtx(c->zd, dst, dst_len, src, n);
		if (ZSTD_isError(got) || got != dst_len) {
			*why = ZSTD_isError(got) ? "zstd data is corrupt" : "zstd data does not match the page size";
			return -1;
		}
		return 0;
	}
	case PQZ_LZ4_RAW: {
		int got = LZ4_decompress_safe((const char *)src, (char *)dst, (int)n, (int)dst_len);
		if (got < 0 || (size_t)got != dst_len) {
			*why = "lz4 data is corrupt or does not match the page size";
			return -1;
		}
		return 0;
	}
	case PQZ_LZ4:
		/* The old LZ4 codec id: Hadoop-framed in parquet-mr files, a bare
		 * block in some others. Try the framing first, like Arrow. */
		if (hadoop_lz4(src, n, dst, dst_len) == 0)
			return 0;
		if (LZ4_decompress_safe((const char *)src, (char *)dst, (int)n, (int)dst_len) == (int)dst_len)
			return 0;
		*why = "lz4 data is corrupt (neither Hadoop-framed nor a raw block)";
		return -1;
	case PQZ_BROTLI:
		*why = "BROTLI compression is not supported (no brotli library)";
		return -1;
	case PQZ_LZO:
		*why = "LZO compression is not supported";
		return -1;
	default:
		*why = "unknown compression codec";
		return -1;
	}
}

size_t pq_compress_bound(int codec, size_t n)
{
	switch (codec) {
	case PQZ_SNAPPY:
		return snappy_max_compressed_length(n);
	case PQZ_GZIP:
		return n + n / 1000 + 64 + (n >> 12) + (n >> 14) + (n >> 25) + 13;
	case PQZ_ZSTD:
		return ZSTD_compressBound(n);
	case PQZ_LZ4_RAW:
		return (size_t)LZ4_compressBound((int)(n > INT32_MAX ? INT32_MAX : n));
	default:
		return n;
	}
}

static int gzip(struct pq_codecs *c, int level, const uint8_t *src, size_t n, uint8_t *dst, size_t cap, size_t *out_len)
{
	if (level <= 0 || level > 9)
		level = 6;
	if (c->def_ready && c->def_level != level) {
		deflateEnd(&c->def);
		c->def_ready = false;
	}
	if (!c->def_ready) {
		memset(&c->def, 0, sizeof c->def);
		/* 15 + 16: a gzip header, which is what Parquet's GZIP means. */
		if (deflateInit2(&c->def, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			return -1;
		c->def_ready = true;
		c->def_level = level;
	} else {
		deflateReset(&c->def);
	}
	c->def.next_in = (Bytef *)src;
	c->def.avail_in = (uInt)n;
	c->def.next_out = dst;
	c->def.avail_out = (uInt)cap;
	if (deflate(&c->def, Z_FINISH) != Z_STREAM_END)
		return -1;
	*out_len = cap - c->def.avail_out;
	return 0;
}

int pq_compress(struct pq_codecs *c, int codec, int level, const uint8_t *src, size_t n, uint8_t *dst, size_t cap,
		size_t *out_len)
{
	if (n > INT32_MAX)
		return -1;
	switch (codec) {
	case PQZ_NONE:
		if (cap < n)
			return -1;
		memcpy(dst, src, n);
		*out_len = n;
		return 0;
	case PQZ_SNAPPY:
		*out_len = cap;
		return snappy_compress((const char *)src, n, (char *)dst, out_len) == SNAPPY_OK ? 0 : -1;
	case PQZ_GZIP:
		return gzip(c, level, src, n, dst, cap, out_len);
	case PQZ_ZSTD: {
		if (!c->zc)
			c->zc = ZSTD_createCCtx();
		if (!c->zc)
			abort();
		size_t got = ZSTD_compressCCtx(c->zc, dst, cap, src, n, level > 0 ? level : 3);
		if (ZSTD_isError(got))
			return -1;
		*out_len = got;
		return 0;
	}
	case PQZ_LZ4_RAW: {
		int got = LZ4_compress_default((const char *)src, (char *)dst, (int)n, (int)(cap > INT32_MAX ? INT32_MAX : cap));
		if (got <= 0 && n > 0)
			return -1;
		*out_len = (size_t)got;
		return 0;
	}
	default:
		return -1;
	}
}
