/* test_source.c — byte sources and sinks: codecs, detection, concatenated
 * members, truncation and corruption. */
#include "unit.h"
#include "fmt_testutil.h"
#include "formats/sink.h"
#include "formats/source.h"
#include "core/buf.h"
#include "core/mem.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reads a whole source in odd-sized pieces; NULL (err filled) on error. */
static char *drain(struct source *s, size_t *len, struct fmt_error *err)
{
	struct buf b;
	buf_init(&b, BUF_UNLIMITED);
	char tmp[777];
	long got;
	while ((got = source_read(s, tmp, sizeof tmp, err)) > 0)
		buf_add(&b, tmp, (size_t)got);
	if (got < 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b, len);
}

static char *sample_text(size_t *n)
{
	struct buf b;
	buf_init(&b, BUF_UNLIMITED);
	for (int i = 0; i < 20000; i++)
		buf_addf(&b, "line %d,%d\n", i, i * i);
	return buf_detach(&b, n);
}

TEST(src_codecs_round_trip_and_detect)
{
	size_t n;
	char *text = sample_text(&n);
	enum fmt_codec codecs[] = {FMT_CODEC_GZIP, FMT_CODEC_ZSTD, FMT_CODEC_DEFLATE, FMT_CODEC_RAW_DEFLATE,
				   FMT_CODEC_NONE};
	for (size_t i = 0; i < sizeof codecs / sizeof *codecs; i++) {
		size_t zn;
		char *z = ft_compress(text, n, codecs[i], &zn);
		bool autod = codecs[i] == FMT_CODEC_GZIP || codecs[i] == FMT_CODEC_ZSTD || codecs[i] == FMT_CODEC_NONE;
		struct source *s = source_from_mem(z, zn, autod ? FMT_CODEC_AUTO : codecs[i]);
		struct fmt_error err;
		size_t got_n;
		char *got = drain(s, &got_n, &err);
		CHECK(got);
		CHECK_INT(got_n, n);
		CHECK(!memcmp(got, text, n));
		CHECK_INT(source_codec(s), codecs[i]);
		CHECK_INT(source_offset(s), n);
		CHECK_INT(source_raw_offset(s), zn);
		free(got);
		source_close(s);
		free(z);
	}
	free(text);
}

TEST(src_gzip_concatenated_members_and_padding)
{
	size_t za, zb;
	char *a = ft_compress("first,1\n", 8, FMT_CODEC_GZIP, &za);
	char *b = ft_compress("second,2\n", 9, FMT_CODEC_GZIP, &zb);
	struct buf cat;
	buf_init(&cat, BUF_UNLIMITED);
	buf_add(&cat, a, za);
	buf_add(&cat, b, zb);
	buf_add(&cat, "\0\0\0\0", 4);
	struct source *s = source_from_mem(cat.data, cat.len, FMT_CODEC_AUTO);
	struct fmt_error err;
	size_t n;
	char *got = drain(s, &n, &err);
	CHECK(got);
	CHECK_INT(n, 17);
	CHECK(!memcmp(got, "first,1\nsecond,2\n", 17));
	free(got);
	source_close(s);
	/* Garbage after a member is an error, not silently dropped data. */
	buf_add(&cat, "junk", 4);
	s = source_from_mem(cat.data, cat.len, FMT_CODEC_AUTO);
	got = drain(s, &n, &err);
	CHECK(!got);
	CHECK(strstr(err.msg, "unexpected bytes after the end"));
	/* and stays an error */
	char tmp[4];
	CHECK_INT(source_read(s, tmp, 4, &err), -1);
	source_close(s);
	buf_free(&cat);
	free(a);
	free(b);
}

TEST(src_zstd_multiple_frames)
{
	size_t za, zb;
	char *a = ft_compress("one\n", 4, FMT_CODEC_ZSTD, &za);
	char *b = ft_compress("two\n", 4, FMT_CODEC_ZSTD, &zb);
	struct buf cat;
	buf_init(&cat, BUF_UNLIMITED);
	buf_add(&cat, a, za);
	buf_add(&cat, b, zb);
	struct source *s = source_from_mem(cat.data, cat.len, FMT_CODEC_AUTO);
	struct fmt_error err;
	size_t n;
	char *got = drain(s, &n, &err);
	CHECK(got);
	CHECK_INT(n, 8);
	CHECK(!memcmp(got, "one\ntwo\n", 8));
	free(got);
	source_close(s);
	buf_free(&cat);
	free(a);
	free(b);
}

TEST(src_truncated_and_corrupt_inputs_fail)
{
	size_t n;
	char *text = sample_text(&n);
	enum fmt_codec codecs[] = {FMT_CODEC_GZIP, FMT_CODEC_ZSTD};
	for (size_t i = 0; i < 2; i++) {
		size_t zn;
		char *z = ft_compress(text, n, codecs[i], &zn);
		struct fmt_error err;
		size_t got_n;
		struct source *s = source_from_mem(z, zn / 2, FMT_CODEC_AUTO);
		char *got = drain(s, &got_n, &err);
		CHECK(!got);
		CHECK(strstr(err.msg, "truncated"));
		CHECK(err.offset > 0);
		source_close(s);
		z[zn / 2] ^= 0x55;
		z[zn / 2 + 1] ^= 0x55;
		s = source_from_mem(z, zn, FMT_CODEC_AUTO);
		got = drain(s, &got_n, &err);
		CHECK(!got);
		CHECK(strstr(err.msg, "corrupt") || strstr(err.msg, "unexpected"));
		source_close(s);
		free(z);
	}
	free(text);
}

TEST(src_forced_none_reads_compressed_bytes)
{
	size_t zn;
	char *z = ft_compress("abc", 3, FMT_CODEC_GZIP, &zn);
	struct source *s = source_from_mem(z, zn, FMT_CODEC_NONE);
	struct fmt_error err;
	size_t n;
	char *got = drain(s, &n, &err);
	CHECK(got);
	CHECK_INT(n, zn);
	CHECK(!memcmp(got, z, zn));
	free(got);
	source_close(s);
	free(z);
	/* tiny inputs (shorter than any magic) */
	s = source_from_mem("a", 1, FMT_CODEC_AUTO);
	got = drain(s, &n, &err);
	CHECK(got);
	CHECK_INT(n, 1);
	free(got);
	source_close(s);
	s = source_from_mem("", 0, FMT_CODEC_AUTO);
	got = drain(s, &n, &err);
	CHECK(got);
	CHECK_INT(n, 0);
	free(got);
	source_close(s);
}

TEST(src_path_and_fd_with_sink_files)
{
	char path[512];
	snprintf(path, sizeof path, "%s/data.csv.zst", unit_tmpdir());
	struct sink *k;
	struct fmt_error err;
	CHECK(sink_open_path(path, FMT_CODEC_ZSTD, 0, &k, &err) == 0);
	for (int i = 0; i < 1000; i++) {
		char line[32];
		int len = snprintf(line, sizeof line, "%d,x\n", i);
		CHECK(sink_write(k, line, (size_t)len, &err) == 0);
	}
	CHECK(sink_finish(k, &err) == 0);
	sink_close(k);
	struct source *s;
	CHECK(source_open_path(path, FMT_CODEC_AUTO, &s, &err) == 0);
	CHECK_STR(source_name(s), path);
	CHECK(source_raw_size(s) > 0);
	size_t n;
	char *got = drain(s, &n, &err);
	CHECK(got);
	CHECK(!memcmp(got, "0,x\n1,x\n", 8));
	CHECK(!memcmp(got + n - 6, "999,x\n", 6));
	free(got);
	source_close(s);
	CHECK(source_open_path("/nonexistent/x.csv", FMT_CODEC_AUTO, &s, &err) == -1);
	CHECK(strstr(err.msg, "cannot open /nonexistent/x.csv"));
	CHECK(source_open_path(unit_tmpdir(), FMT_CODEC_AUTO, &s, &err) == -1);
	CHECK(strstr(err.msg, "directory"));
}

TEST(src_csv_from_gzip_file)
{
	char path[512];
	snprintf(path, sizeof path, "%s/t.csv.gz", unit_tmpdir());
	const char *text = "a,b\n1,\"x\ny\"\n2,z\n";
	size_t zn;
	char *z = ft_compress(text, strlen(text), FMT_CODEC_GZIP, &zn);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK(write(fd, z, zn) == (ssize_t)zn);
	close(fd);
	free(z);
	struct fmt_error err;
	char *got = ft_csv(text, strlen(text), NULL, NULL, &err, NULL);
	CHECK(got);
	struct source *s;
	CHECK(source_open_path(path, FMT_CODEC_AUTO, &s, &err) == 0);
	struct csv_options o;
	csv_options_init(&o);
	struct csv_reader *r;
	CHECK(csv_reader_open(s, &o, NULL, &r, &err) == 0);
	struct batch *b = batch_new(csv_reader_schema(r), 16);
	CHECK_INT(csv_reader_next(r, b, &err), 2);
	struct buf out;
	buf_init(&out, BUF_UNLIMITED);
	ft_render_batch(&out, b);
	CHECK_STR(buf_str(&out), got);
	CHECK_INT(csv_reader_next(r, b, &err), 0);
	buf_free(&out);
	batch_free(b);
	csv_reader_free(r);
	source_close(s);
	free(got);
}

static int fail_write(void *ctx, const void *p, size_t n)
{
	(void)ctx;
	(void)p;
	(void)n;
	return -1;
}

TEST(src_sink_errors_are_sticky)
{
	struct sink *k = sink_to_callback(fail_write, NULL, FMT_CODEC_NONE, 0);
	struct fmt_error err;
	CHECK(sink_write(k, "x", 1, &err) == -1);
	CHECK(strstr(err.msg, "failed"));
	CHECK(sink_finish(k, &err) == -1);
	sink_close(k);
	struct buf small;
	buf_init(&small, 10);
	k = sink_to_buf(&small, FMT_CODEC_NONE, 0);
	CHECK(sink_write(k, "0123456789abc", 13, &err) == -1);
	CHECK(strstr(err.msg, "larger"));
	sink_close(k);
	buf_free(&small);
}

/* Reads of every small size over highly compressible data: the decoders
 * keep output pending after the input is used up, which must come out. */
TEST(src_pending_output_after_input_ends)
{
	size_t n = 3 << 20;
	char *zeros = xcalloc(n, 1);
	enum fmt_codec codecs[] = {FMT_CODEC_GZIP, FMT_CODEC_ZSTD};
	for (size_t c = 0; c < 2; c++) {
		size_t zn;
		char *z = ft_compress(zeros, n, codecs[c], &zn);
		for (size_t piece = 1; piece < 70000; piece = piece * 3 + 1) {
			struct source *s = source_from_mem(z, zn, FMT_CODEC_AUTO);
			struct fmt_error err;
			char *tmp = xmalloc(piece);
			size_t total = 0;
			long got;
			while ((got = source_read(s, tmp, piece, &err)) > 0)
				total += (size_t)got;
			CHECK_INT(got, 0);
			CHECK_INT(total, n);
			CHECK_INT(source_read(s, tmp, 0, &err), 0);
			free(tmp);
			source_close(s);
		}
		free(z);
	}
	free(zeros);
}
