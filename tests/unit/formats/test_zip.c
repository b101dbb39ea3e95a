/* The zip reader: stored and deflated entries, modes and symlinks, ZIP64
 * records, and the hostile cases (bombs, traversal, corruption, encryption). */
#include "unit.h"
#include "core/buf.h"
#include "formats/zip.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <zlib.h>

struct zin {
	const char *name;
	const char *data;
	size_t len;
	int method;     /* 0 or 8 */
	uint32_t mode;  /* Unix mode, 0 for none */
	uint16_t flags;
	int64_t fake_usize; /* >= 0: lie about the uncompressed size */
	bool zip64;     /* use ZIP64 extra fields and records */
};

static void put16(struct buf *b, unsigned v)
{
	unsigned char p[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
	buf_add(b, p, 2);
}

static void put32(struct buf *b, uint32_t v)
{
	put16(b, v & 0xffff);
	put16(b, v >> 16);
}

static void put64(struct buf *b, uint64_t v)
{
	put32(b, (uint32_t)v);
	put32(b, (uint32_t)(v >> 32));
}

/* Builds an archive of n entries into out (a minimal writer for tests). */
static void build_zip(struct buf *out, const struct zin *in, int n, const char *comment)
{
	struct buf cd;
	buf_init(&cd, BUF_UNLIMITED);
	buf_init(out, BUF_UNLIMITED);
	bool any64 = false;
	for (int i = 0; i < n; i++) {
		const struct zin *e = &in[i];
		uLong crc = crc32(crc32(0, NULL, 0), (const Bytef *)e->data, (uInt)e->len);
		unsigned char *comp = NULL;
		size_t clen = e->len;
		if (e->method == 8) {
			z_stream zs = {0};
			deflateInit2(&zs, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
			comp = malloc(deflateBound(&zs, e->len) + 16);
			zs.next_in = (Bytef *)e->data;
			zs.avail_in = (uInt)e->len;
			zs.next_out = comp;
			zs.avail_out = (uInt)deflateBound(&zs, e->len) + 16;
			deflate(&zs, Z_FINISH);
			clen = zs.total_out;
			deflateEnd(&zs);
		}
		uint64_t usize = e->fake_usize >= 0 ? (uint64_t)e->fake_usize : e->len;
		uint32_t off = (uint32_t)out->len;
		size_t nl = strlen(e->name);
		any64 |= e->zip64;
		put32(out, 0x04034b50);
		put16(out, 20);
		put16(out, e->flags);
		put16(out, (unsigned)e->method);
		put32(out, 0);
		put32(out, (uint32_t)crc);
		put32(out, (uint32_t)clen);
		put32(out, (uint32_t)usize);
		put16(out, (unsigned)nl);
		put16(out, 0);
		buf_add(out, e->name, nl);
		buf_add(out, comp ? (const char *)comp : e->data, clen);
		free(comp);
		put32(&cd, 0x02014b50);
		put16(&cd, e->mode ? (3u << 8) | 20 : 20);
		put16(&cd, 20);
		put16(&cd, e->flags);
		put16(&cd, (unsigned)e->method);
		put32(&cd, 0);
		put32(&cd, (uint32_t)crc);
		put32(&cd, e->zip64 ? 0xffffffffu : (uint32_t)clen);
		put32(&cd, e->zip64 ? 0xffffffffu : (uint32_t)usize);
		put16(&cd, (unsigned)nl);
		put16(&cd, e->zip64 ? 4 + 24 : 0);
		put16(&cd, 0);
		put16(&cd, 0);
		put16(&cd, 0);
		put32(&cd, e->mode << 16);
		put32(&cd, e->zip64 ? 0xffffffffu : off);
		buf_add(&cd, e->name, nl);
		if (e->zip64) {
			put16(&cd, 1);
			put16(&cd, 24);
			put64(&cd, usize);
			put64(&cd, clen);
			put64(&cd, off);
		}
	}
	uint64_t cd_off = out->len;
	buf_add(out, cd.data, cd.len);
	if (any64) {
		uint64_t z64 = out->len;
		put32(out, 0x06064b50);
		put64(out, 44);
		put16(out, 45);
		put16(out, 45);
		put32(out, 0);
		put32(out, 0);
		put64(out, (uint64_t)n);
		put64(out, (uint64_t)n);
		put64(out, cd.len);
		put64(out, cd_off);
		put32(out, 0x07064b50);
		put32(out, 0);
		put64(out, z64);
		put32(out, 1);
	}
	put32(out, 0x06054b50);
	put16(out, 0);
	put16(out, 0);
	put16(out, any64 ? 0xffff : (unsigned)n);
	put16(out, any64 ? 0xffff : (unsigned)n);
	put32(out, any64 ? 0xffffffffu : (uint32_t)cd.len);
	put32(out, any64 ? 0xffffffffu : (uint32_t)cd_off);
	put16(out, comment ? (unsigned)strlen(comment) : 0);
	if (comment)
		buf_adds(out, comment);
	buf_free(&cd);
}

static int to_buf(void *arg, const void *p, size_t n)
{
	return buf_add(arg, p, n);
}

static int open_mem(struct zip *z, const struct buf *b, char *err)
{
	struct zip_src s;
	zip_src_mem(&s, b->data, b->len);
	return zip_open(z, &s, NULL, err, 128);
}

#define E(n, d, m) {n, d, sizeof(d) - 1, m, 0, 0, -1, false}

TEST(zip_stored_and_deflated_entries)
{
	static const char big[] = "abcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabc";
	struct zin in[] = {E("a.txt", "hello", 0), E("dir/b.txt", big, 8), E("dir/", "", 0)};
	in[0].mode = S_IFREG | 0755;
	struct buf z;
	build_zip(&z, in, 3, "a comment with PK\x05\x06 inside");
	struct zip zp;
	char err[128] = "";
	CHECK(open_mem(&zp, &z, err) == 0);
	CHECK_INT(zp.n, 3);
	CHECK(zp.entries[0].mode == (S_IFREG | 0755));
	CHECK(zp.entries[2].is_dir);
	struct buf out;
	buf_init(&out, 1 << 20);
	int64_t budget = 1000;
	CHECK(zip_extract(&zp, 0, to_buf, &out, &budget, err, sizeof err) == 0);
	CHECK_STR(buf_str(&out), "hello");
	buf_reset(&out);
	CHECK(zip_extract(&zp, 1, to_buf, &out, &budget, err, sizeof err) == 0);
	CHECK_STR(buf_str(&out), big);
	CHECK_INT(budget, 1000 - 5 - (int64_t)strlen(big));
	buf_free(&out);
	zip_close(&zp);
	buf_free(&z);
}

TEST(zip64_records_and_extra_fields)
{
	struct zin in[] = {E("x", "zip64 data", 8)};
	in[0].zip64 = true;
	struct buf z;
	build_zip(&z, in, 1, NULL);
	struct zip zp;
	char err[128] = "";
	CHECK(open_mem(&zp, &z, err) == 0);
	CHECK_INT(zp.entries[0].usize, 10);
	struct buf out;
	buf_init(&out, 1024);
	CHECK(zip_extract(&zp, 0, to_buf, &out, NULL, err, sizeof err) == 0);
	CHECK_STR(buf_str(&out), "zip64 data");
	buf_free(&out);
	zip_close(&zp);
	buf_free(&z);
}

TEST(zip_bomb_stops_at_budget_and_lies_are_caught)
{
	char *zeros = calloc(1, 1 << 20);
	struct zin in[] = {{"bomb", zeros, 1 << 20, 8, 0, 0, -1, false}};
	struct buf z;
	build_zip(&z, in, 1, NULL);
	CHECK(z.len < 4096);
	struct zip zp;
	char err[128] = "";
	CHECK(open_mem(&zp, &z, err) == 0);
	struct buf out;
	buf_init(&out, 2 << 20);
	int64_t budget = 100000;
	CHECK(zip_extract(&zp, 0, to_buf, &out, &budget, err, sizeof err) == -1);
	CHECK(strstr(err, "exceeds the limit"));
	CHECK(out.len <= 100000);
	zip_close(&zp);
	buf_free(&z);
	/* A header that understates the size: stopped at the declared size. */
	in[0].fake_usize = 1000;
	build_zip(&z, in, 1, NULL);
	CHECK(open_mem(&zp, &z, err) == 0);
	buf_reset(&out);
	CHECK(zip_extract(&zp, 0, to_buf, &out, NULL, err, sizeof err) == -1);
	CHECK(strstr(err, "past its declared size"));
	zip_close(&zp);
	buf_free(&z);
	/* Declared sizes over the total limit are refused up front. */
	in[0].fake_usize = -1;
	build_zip(&z, in, 1, NULL);
	struct zip_src s;
	zip_src_mem(&s, z.data, z.len);
	struct zip_limits lim = {.max_total = 1000};
	CHECK(zip_open(&zp, &s, &lim, err, sizeof err) == -1);
	zip_close(&zp);
	buf_free(&z);
	buf_free(&out);
	free(zeros);
}

TEST(zip_refuses_corruption_and_encryption)
{
	struct zin in[] = {E("f", "payload", 0)};
	struct buf z;
	build_zip(&z, in, 1, NULL);
	struct zip zp;
	char err[128] = "";
	/* Flip a data byte: the CRC catches it. */
	z.data[30 + 1] ^= 1;
	CHECK(open_mem(&zp, &z, err) == 0);
	struct buf out;
	buf_init(&out, 1024);
	CHECK(zip_extract(&zp, 0, to_buf, &out, NULL, err, sizeof err) == -1);
	CHECK(strstr(err, "CRC"));
	zip_close(&zp);
	/* Truncations at every length fail cleanly (never crash). */
	for (size_t n = 0; n < z.len; n++) {
		struct buf t = {0};
		buf_init(&t, BUF_UNLIMITED);
		buf_add(&t, z.data, n);
		struct zip_src s;
		zip_src_mem(&s, t.data ? t.data : "", n);
		if (zip_open(&zp, &s, NULL, err, sizeof err) == 0) {
			for (uint32_t i = 0; i < zp.n; i++)
				zip_extract(&zp, i, to_buf, &out, NULL, err, sizeof err);
		}
		zip_close(&zp);
		buf_free(&t);
	}
	buf_free(&z);
	in[0].flags = 1;
	build_zip(&z, in, 1, NULL);
	CHECK(open_mem(&zp, &z, err) == -1);
	CHECK(strstr(err, "encrypted"));
	zip_close(&zp);
	buf_free(&z);
	in[0].flags = 0;
	in[0].method = 12;
	build_zip(&z, in, 1, NULL);
	CHECK(open_mem(&zp, &z, err) == -1);
	CHECK(strstr(err, "method 12"));
	zip_close(&zp);
	buf_free(&z);
	buf_init(&z, 100);
	buf_adds(&z, "definitely not a zip archive, but long enough to scan");
	CHECK(open_mem(&zp, &z, err) == -1);
	zip_close(&zp);
	buf_free(&z);
	buf_free(&out);
}

TEST(zip_safe_paths)
{
	char out[64];
	CHECK(zip_safe_path("a/b.txt", 7, out, sizeof out) == 1);
	CHECK_STR(out, "a/b.txt");
	CHECK(zip_safe_path("a//./b/", 7, out, sizeof out) == 1);
	CHECK_STR(out, "a/b");
	CHECK(zip_safe_path("./", 2, out, sizeof out) == 0);
	CHECK(zip_safe_path("/etc/passwd", 11, out, sizeof out) == -1);
	CHECK(zip_safe_path("../x", 4, out, sizeof out) == -1);
	CHECK(zip_safe_path("a/../../x", 9, out, sizeof out) == -1);
	CHECK(zip_safe_path("a/..", 4, out, sizeof out) == -1);
	CHECK(zip_safe_path("a\0b", 3, out, sizeof out) == -1);
	CHECK(zip_safe_path("a\\..\\b", 6, out, sizeof out) == 1); /* backslash is a name byte on Linux */
	char longname[300];
	memset(longname, 'x', sizeof longname);
	CHECK(zip_safe_path(longname, 256, out, sizeof out) == -1);
	CHECK(zip_safe_path(longname, 64, out, sizeof out) == -1);
	CHECK(zip_safe_path(longname, 63, out, sizeof out) == 1);
}

TEST(zip_symlink_targets)
{
	CHECK(zip_symlink_inside("lib/link", "real.so", 7));
	CHECK(zip_symlink_inside("lib/link", "../bin/tool", 11));
	CHECK(!zip_symlink_inside("lib/link", "../../etc", 9));
	CHECK(!zip_symlink_inside("link", "/etc/passwd", 11));
	CHECK(!zip_symlink_inside("link", "..", 2));
	/* ".." after a descent could climb out through another link. */
	CHECK(!zip_symlink_inside("a/b/link", "other/../..", 11));
	CHECK(zip_symlink_inside("a/b/link", "./../x/./y", 10));
}
