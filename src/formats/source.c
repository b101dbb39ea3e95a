/* source.c — see source.h.
 *
 * Layout: the underlying input (fd, memory or callback) fills `raw`; a
 * codec, when there is one, turns raw into the caller's buffer. Without a
 * codec, reads bypass `raw` once the bytes peeked for detection are served,
 * so an uncompressed file costs one copy (kernel to caller).
 *
 * Gzip members: zlib stops at the end of each member; if more input follows
 * and starts with the gzip magic, the inflater is reset and reading goes on.
 * Trailing zero bytes (tape-style padding) are accepted as gzip(1) does;
 * other trailing bytes are an error rather than silently dropped data.
 */
#include "formats/source.h"
#include "core/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

enum src_kind { SRC_FD, SRC_MEM, SRC_CB };

struct source {
	enum src_kind kind;
	int fd;
	bool own_fd;
	const unsigned char *mem;
	size_t mem_len, mem_pos;
	source_read_fn fn;
	void *ctx;

	enum fmt_codec codec;
	bool detected;
	unsigned char *raw;     /* owned unless it aliases mem */
	size_t raw_len, raw_pos;
	bool raw_owned, raw_eof;

	z_stream z;
	bool z_ready, z_member_end;
	ZSTD_DCtx *zd;
	size_t zstd_last; /* last ZSTD_decompressStream hint: 0 = frame complete */
	bool done;

	int64_t out_off, raw_off, raw_size;
	bool failed;
	char fail_msg[200];
	char name[256];
};

static const char *const codec_names[] = {"auto", "none", "gzip", "zstd", "deflate", "raw_deflate"};

int fmt_codec_parse(const char *s)
{
	for (size_t i = 0; i < sizeof codec_names / sizeof *codec_names; i++)
		if (!strcasecmp(s, codec_names[i]))
			return (int)i;
	if (!strcasecmp(s, "gz"))
		return FMT_CODEC_GZIP;
	if (!strcasecmp(s, "zst"))
		return FMT_CODEC_ZSTD;
	return -1;
}

const char *fmt_codec_name(enum fmt_codec c)
{
	return (unsigned)c < sizeof codec_names / sizeof *codec_names ? codec_names[c] : "?";
}

/* Allocates the source; the caller frees it with source_close(). */
static struct source *source_new(enum src_kind kind, enum fmt_codec codec)
{
	struct source *s = xcalloc(1, sizeof *s);
	s->kind = kind;
	s->fd = -1;
	s->codec = codec;
	s->detected = codec != FMT_CODEC_AUTO;
	s->raw_size = -1;
	return s;
}

int source_open_path(const char *path, enum fmt_codec codec, struct source **out, struct fmt_error *err)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (err) {
			snprintf(err->file, sizeof err->file, "%s", path);
			err->offset = -1;
		}
		fmt_error_set(err, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		if (err) {
			snprintf(err->file, sizeof err->file, "%s", path);
			err->offset = -1;
		}
		fmt_error_set(err, "%s is a directory, not a file", path);
		return -1;
	}
	struct source *s = source_from_fd(fd, true, codec);
	source_set_name(s, path);
	*out = s;
	return 0;
}

struct source *source_from_fd(int fd, bool own, enum fmt_codec codec)
{
	struct source *s = source_new(SRC_FD, codec);
	s->fd = fd;
	s->own_fd = own;
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		s->raw_size = st.st_size;
	snprintf(s->name, sizeof s->name, "fd %d", fd);
	return s;
}

struct source *source_from_mem(const void *p, size_t n, enum fmt_codec codec)
{
	struct source *s = source_new(SRC_MEM, codec);
	s->mem = p;
	s->mem_len = n;
	s->raw_size = (int64_t)n;
	snprintf(s->name, sizeof s->name, "(memory)");
	return s;
}

struct source *source_from_callback(source_read_fn fn, void *ctx, enum fmt_codec codec)
{
	struct source *s = source_new(SRC_CB, codec);
	s->fn = fn;
	s->ctx = ctx;
	snprintf(s->name, sizeof s->name, "(stream)");
	return s;
}

void source_close(struct source *s)
{
	if (!s)
		return;
	if (s->own_fd && s->fd >= 0)
		close(s->fd);
	if (s->raw_owned)
		free(s->raw);
	if (s->z_ready)
		inflateEnd(&s->z);
	ZSTD_freeDCtx(s->zd);
	free(s);
}

void source_set_name(struct source *s, const char *name)
{
	snprintf(s->name, sizeof s->name, "%s", name);
}

const char *source_name(const struct source *s)
{
	return s->name;
}

int64_t source_offset(const struct source *s)
{
	return s->out_off;
}

int64_t source_raw_offset(const struct source *s)
{
	return s->raw_off;
}

int64_t source_raw_size(const struct source *s)
{
	return s->raw_size;
}

enum fmt_codec source_codec(const struct source *s)
{
	return s->codec;
}

static long fail(struct source *s, struct fmt_error *err, const char *msg)
{
	if (!s->failed) {
		s->failed = true;
		snprintf(s->fail_msg, sizeof s->fail_msg, "%s", msg);
	}
	if (err) {
		snprintf(err->file, sizeof err->file, "%s", s->name);
		err->offset = s->out_off;
		err->line = 0;
		err->column = 0;
		fmt_error_set(err, "%s: %s", s->name, s->fail_msg);
	}
	return -1;
}

/* Reads from the underlying input, bypassing `raw`. */
static long under_read(struct source *s, void *dst, size_t n, struct fmt_error *err)
{
	long got;
	switch (s->kind) {
	case SRC_FD:
		do
			got = read(s->fd, dst, n);
		while (got < 0 && errno == EINTR);
		if (got < 0) {
			char m[160];
			snprintf(m, sizeof m, "read failed: %s", strerror(errno));
			return fail(s, err, m);
		}
		break;
	case SRC_MEM:
		got = (long)(s->mem_len - s->mem_pos < n ? s->mem_len - s->mem_pos : n);
		if (got > 0)
			memcpy(dst, s->mem + s->mem_pos, (size_t)got);
		s->mem_pos += (size_t)got;
		break;
	default:
		got = s->fn(s->ctx, dst, n);
		if (got < 0)
			return fail(s, err, "the input stream failed");
		if ((size_t)got > n)
			return fail(s, err, "the input stream returned more than asked");
		break;
	}
	s->raw_off += got;
	return got;
}

/* Makes raw[raw_pos..raw_len) non-empty unless the input is over. */
static int raw_fill(struct source *s, struct fmt_error *err)
{
	if (s->raw_pos < s->raw_len || s->raw_eof)
		return 0;
	if (s->kind == SRC_MEM) {
		/* Compressed memory input is inflated straight from the block. */
		if (s->raw_owned)
			free(s->raw);
		s->raw_owned = false;
		s->raw = (unsigned char *)s->mem + s->mem_pos;
		s->raw_len = s->mem_len - s->mem_pos;
		s->raw_pos = 0;
		s->raw_off += (int64_t)s->raw_len;
		s->mem_pos = s->mem_len;
		s->raw_eof = true;
		return 0;
	}
	if (!s->raw_owned) {
		s->raw = xmalloc(SOURCE_RAW_BUF);
		s->raw_owned = true;
	}
	long got = under_read(s, s->raw, SOURCE_RAW_BUF, err);
	if (got < 0)
		return -1;
	s->raw_pos = 0;
	s->raw_len = (size_t)got;
	if (got == 0)
		s->raw_eof = true;
	return 0;
}

static void detect_magic(struct source *s, const unsigned char *p, size_t n)
{
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		s->codec = FMT_CODEC_GZIP;
	else if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd)
		s->codec = FMT_CODEC_ZSTD;
	else
		s->codec = FMT_CODEC_NONE;
	s->detected = true;
}

static int detect(struct source *s, struct fmt_error *err)
{
	if (s->kind == SRC_MEM) {
		detect_magic(s, s->mem, s->mem_len);
		return 0;
	}
	/* Peek up to 4 bytes, keeping them in raw for whoever reads next. */
	if (!s->raw_owned) {
		s->raw = xmalloc(SOURCE_RAW_BUF);
		s->raw_owned = true;
	}
	while (s->raw_len < 4 && !s->raw_eof) {
		long got = under_read(s, s->raw + s->raw_len, SOURCE_RAW_BUF - s->raw_len, err);
		if (got < 0)
			return -1;
		if (got == 0)
			s->raw_eof = true;
		s->raw_len += (size_t)got;
	}
	detect_magic(s, s->raw, s->raw_len);
	return 0;
}

static int zlib_start(struct source *s, struct fmt_error *err)
{
	int wbits = s->codec == FMT_CODEC_GZIP ? 15 + 16 : s->codec == FMT_CODEC_DEFLATE ? 15 : -15;
	memset(&s->z, 0, sizeof s->z);
	if (inflateInit2(&s->z, wbits) != Z_OK)
		return (int)fail(s, err, "cannot start the inflater");
	s->z_ready = true;
	return 0;
}

/* After a gzip member (or a deflate stream) ends: decides whether another
 * member follows, the rest is zero padding, or the input is corrupt. */
static int after_member(struct source *s, struct fmt_error *err)
{
	for (;;) {
		if (raw_fill(s, err))
			return -1;
		if (s->raw_pos == s->raw_len) {
			s->done = true;
			return 0;
		}
		unsigned char c = s->raw[s->raw_pos];
		if (c == 0) {
			s->raw_pos++;
			continue;
		}
		if (s->codec == FMT_CODEC_GZIP && c == 0x1f) {
			inflateReset(&s->z);
			s->z_member_end = false;
			return 0;
		}
		return (int)fail(s, err, "unexpected bytes after the end of the compressed data");
	}
}

static long read_zlib(struct source *s, unsigned char *dst, size_t n, struct fmt_error *err)
{
	if (!s->z_ready && zlib_start(s, err))
		return -1;
	size_t produced = 0;
	while (produced == 0 && !s->done) {
		if (s->z_member_end) {
			if (after_member(s, err))
				return -1;
			continue;
		}
		if (raw_fill(s, err))
			return -1;
		bool at_eof = s->raw_pos == s->raw_len;
		s->z.next_in = s->raw + s->raw_pos;
		s->z.avail_in = (uInt)(s->raw_len - s->raw_pos);
		s->z.next_out = dst + produced;
		s->z.avail_out = (uInt)(n - produced > UINT32_MAX ? UINT32_MAX : n - produced);
		uInt before_out = s->z.avail_out;
		int rc = inflate(&s->z, Z_NO_FLUSH);
		s->raw_pos = s->raw_len - s->z.avail_in;
		produced += before_out - s->z.avail_out;
		if (rc == Z_STREAM_END) {
			s->z_member_end = true;
		} else if (rc == Z_BUF_ERROR) {
			if (at_eof)
				return fail(s, err, "the compressed data ends early (truncated file?)");
		} else if (rc != Z_OK) {
			char m[160];
			snprintf(m, sizeof m, "corrupt %s data (%s)", fmt_codec_name(s->codec),
				 s->z.msg ? s->z.msg : "inflate failed");
			return fail(s, err, m);
		}
	}
	return (long)produced;
}

static long read_zstd(struct source *s, unsigned char *dst, size_t n, struct fmt_error *err)
{
	if (!s->zd) {
		s->zd = ZSTD_createDCtx();
		if (!s->zd)
			return fail(s, err, "cannot start the zstd decoder");
		/* 2^27 (the zstd default cap) bounds the window a hostile frame may demand. */
		ZSTD_DCtx_setParameter(s->zd, ZSTD_d_windowLogMax, 27);
	}
	size_t produced = 0;
	while (produced == 0 && !s->done) {
		if (raw_fill(s, err))
			return -1;
		bool at_eof = s->raw_pos == s->raw_len;
		if (at_eof && s->zstd_last == 0) {
			s->done = true;
			break;
		}
		/* At the end of the input the decoder may still hold output: one
		 * more call flushes it; only if nothing comes is the frame cut. */
		ZSTD_inBuffer in = {s->raw, s->raw_len, s->raw_pos};
		ZSTD_outBuffer out = {dst, n, produced};
		size_t rc = ZSTD_decompressStream(s->zd, &out, &in);
		if (ZSTD_isError(rc)) {
			char m[160];
			snprintf(m, sizeof m, "corrupt zstd data (%s)", ZSTD_getErrorName(rc));
			return fail(s, err, m);
		}
		s->zstd_last = rc;
		s->raw_pos = in.pos;
		produced = out.pos;
		if (at_eof && produced == 0)
			return fail(s, err, "the compressed data ends early (truncated file?)");
	}
	return (long)produced;
}

long source_read(struct source *s, void *dst, size_t n, struct fmt_error *err)
{
	if (s->failed)
		return fail(s, err, s->fail_msg);
	if (n == 0)
		return 0;
	if (n > (size_t)1 << 30)
		n = (size_t)1 << 30;
	if (!s->detected && detect(s, err))
		return -1;
	long got;
	switch (s->codec) {
	case FMT_CODEC_GZIP:
	case FMT_CODEC_DEFLATE:
	case FMT_CODEC_RAW_DEFLATE:
		got = read_zlib(s, dst, n, err);
		break;
	case FMT_CODEC_ZSTD:
		got = read_zstd(s, dst, n, err);
		break;
	default:
		if (s->raw_pos < s->raw_len) {
			size_t k = s->raw_len - s->raw_pos < n ? s->raw_len - s->raw_pos : n;
			memcpy(dst, s->raw + s->raw_pos, k);
			s->raw_pos += k;
			got = (long)k;
		} else if (s->raw_eof) {
			got = 0;
		} else {
			got = under_read(s, dst, n, err);
		}
		break;
	}
	if (got > 0)
		s->out_off += got;
	return got;
}

long source_read_full(struct source *s, void *dst, size_t n, struct fmt_error *err)
{
	size_t have = 0;
	while (have < n) {
		long got = source_read(s, (char *)dst + have, n - have, err);
		if (got < 0)
			return -1;
		if (got == 0)
			break;
		have += (size_t)got;
	}
	return (long)have;
}
