/* sink.c — see sink.h.
 *
 * Uncompressed writes go straight to the output (writers already batch
 * their bytes); compressed writes go through the codec into `out`, which is
 * drained to the output whenever it fills.
 */
#include "formats/sink.h"
#include "core/buf.h"
#include "core/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

enum sink_kind { SINK_FD, SINK_BUF_KIND, SINK_CB };

struct sink {
	enum sink_kind kind;
	int fd;
	bool own_fd;
	struct buf *b;
	sink_write_fn fn;
	void *ctx;

	enum fmt_codec codec;
	int level;
	bool started, finished, failed;
	z_stream z;
	ZSTD_CCtx *zc;
	unsigned char *out;

	int64_t in_off, out_off;
	char fail_msg[200];
	char name[256];
};

/* Allocates the sink; the caller frees it with sink_close(). */
static struct sink *sink_new(enum sink_kind kind, enum fmt_codec codec, int level)
{
	struct sink *s = xcalloc(1, sizeof *s);
	s->kind = kind;
	s->fd = -1;
	s->codec = codec == FMT_CODEC_AUTO ? FMT_CODEC_NONE : codec;
	s->level = level;
	snprintf(s->name, sizeof s->name, "(output)");
	return s;
}

int sink_open_path(const char *path, enum fmt_codec codec, int level, struct sink **out, struct fmt_error *err)
{
	*out = NULL;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		if (err) {
			snprintf(err->file, sizeof err->file, "%s", path);
			err->offset = -1;
		}
		fmt_error_set(err, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	struct sink *s = sink_to_fd(fd, true, codec, level);
	snprintf(s->name, sizeof s->name, "%s", path);
	*out = s;
	return 0;
}

struct sink *sink_to_fd(int fd, bool own, enum fmt_codec codec, int level)
{
	struct sink *s = sink_new(SINK_FD, codec, level);
	s->fd = fd;
	s->own_fd = own;
	return s;
}

struct sink *sink_to_buf(struct buf *b, enum fmt_codec codec, int level)
{
	struct sink *s = sink_new(SINK_BUF_KIND, codec, level);
	s->b = b;
	return s;
}

struct sink *sink_to_callback(sink_write_fn fn, void *ctx, enum fmt_codec codec, int level)
{
	struct sink *s = sink_new(SINK_CB, codec, level);
	s->fn = fn;
	s->ctx = ctx;
	return s;
}

void sink_close(struct sink *s)
{
	if (!s)
		return;
	if (s->started && (s->codec == FMT_CODEC_GZIP || s->codec == FMT_CODEC_DEFLATE ||
			   s->codec == FMT_CODEC_RAW_DEFLATE))
		deflateEnd(&s->z);
	ZSTD_freeCCtx(s->zc);
	free(s->out);
	if (s->own_fd && s->fd >= 0)
		close(s->fd);
	free(s);
}

int64_t sink_offset(const struct sink *s)
{
	return s->in_off;
}

int64_t sink_raw_offset(const struct sink *s)
{
	return s->out_off;
}

static int fail(struct sink *s, struct fmt_error *err, const char *msg)
{
	if (!s->failed) {
		s->failed = true;
		snprintf(s->fail_msg, sizeof s->fail_msg, "%s", msg);
	}
	if (err) {
		snprintf(err->file, sizeof err->file, "%s", s->name);
		err->offset = s->in_off;
		fmt_error_set(err, "%s: %s", s->name, s->fail_msg);
	}
	return -1;
}

static int out_write(struct sink *s, const void *p, size_t n, struct fmt_error *err)
{
	const char *c = p;
	switch (s->kind) {
	case SINK_FD:
		while (n > 0) {
			ssize_t w = write(s->fd, c, n);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				char m[160];
				snprintf(m, sizeof m, "write failed: %s", w < 0 ? strerror(errno) : "no progress");
				return fail(s, err, m);
			}
			c += w;
			n -= (size_t)w;
			s->out_off += w;
		}
		return 0;
	case SINK_BUF_KIND:
		if (buf_add(s->b, p, n))
			return fail(s, err, "the output is larger than its buffer allows");
		break;
	default:
		if (s->fn(s->ctx, p, n))
			return fail(s, err, "the output stream failed");
		break;
	}
	s->out_off += (int64_t)n;
	return 0;
}

static int start(struct sink *s, struct fmt_error *err)
{
	s->started = true;
	if (s->codec == FMT_CODEC_NONE)
		return 0;
	s->out = xmalloc(SINK_BUF);
	if (s->codec == FMT_CODEC_ZSTD) {
		s->zc = ZSTD_createCCtx();
		if (!s->zc)
			return fail(s, err, "cannot start the zstd encoder");
		ZSTD_CCtx_setParameter(s->zc, ZSTD_c_compressionLevel, s->level ? s->level : 3);
		ZSTD_CCtx_setParameter(s->zc, ZSTD_c_checksumFlag, 1);
		return 0;
	}
	int wbits = s->codec == FMT_CODEC_GZIP ? 15 + 16 : s->codec == FMT_CODEC_DEFLATE ? 15 : -15;
	memset(&s->z, 0, sizeof s->z);
	if (deflateInit2(&s->z, s->level ? s->level : 6, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		s->started = false;
		return fail(s, err, "cannot start the deflater");
	}
	return 0;
}

/* Runs the codec over p (n may be 0) with the given end mode, draining
 * its output; end = true writes the trailer. */
static int pump(struct sink *s, const void *p, size_t n, bool end, struct fmt_error *err)
{
	if (s->codec == FMT_CODEC_ZSTD) {
		ZSTD_inBuffer in = {p, n, 0};
		for (;;) {
			ZSTD_outBuffer o = {s->out, SINK_BUF, 0};
			size_t rc = ZSTD_compressStream2(s->zc, &o, &in, end ? ZSTD_e_end : ZSTD_e_continue);
			if (ZSTD_isError(rc))
				return fail(s, err, ZSTD_getErrorName(rc));
			if (o.pos && out_write(s, s->out, o.pos, err))
				return -1;
			if (end ? rc == 0 : in.pos == in.size)
				return 0;
		}
	}
	s->z.next_in = (Bytef *)p;
	s->z.avail_in = (uInt)n;
	for (;;) {
		s->z.next_out = s->out;
		s->z.avail_out = SINK_BUF;
		int rc = deflate(&s->z, end ? Z_FINISH : Z_NO_FLUSH);
		if (rc == Z_STREAM_ERROR)
			return fail(s, err, "the deflater failed");
		size_t have = SINK_BUF - s->z.avail_out;
		if (have && out_write(s, s->out, have, err))
			return -1;
		if (end ? rc == Z_STREAM_END : s->z.avail_in == 0 && s->z.avail_out != 0)
			return 0;
	}
}

int sink_write(struct sink *s, const void *p, size_t n, struct fmt_error *err)
{
	if (s->failed)
		return fail(s, err, s->fail_msg);
	if (s->finished)
		return fail(s, err, "write after the output was finished");
	if (!s->started && start(s, err))
		return -1;
	s->in_off += (int64_t)n;
	if (s->codec == FMT_CODEC_NONE)
		return out_write(s, p, n, err);
	const char *c = p;
	while (n > 0) {
		/* zlib counts in uInt: feed it at most 1 GiB at a time. */
		size_t k = n > (1u << 30) ? (1u << 30) : n;
		if (pump(s, c, k, false, err))
			return -1;
		c += k;
		n -= k;
	}
	return 0;
}

int sink_finish(struct sink *s, struct fmt_error *err)
{
	if (s->failed)
		return fail(s, err, s->fail_msg);
	if (s->finished)
		return 0;
	if (!s->started && start(s, err))
		return -1;
	if (s->codec != FMT_CODEC_NONE && pump(s, NULL, 0, true, err))
		return -1;
	s->finished = true;
	return 0;
}
