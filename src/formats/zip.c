/* zip.c — see zip.h.
 *
 * Layout read (all integers little-endian):
 *   [local header + data]*  [central directory entry]*  [zip64 EOCD + locator]  EOCD
 * The central directory is the authority (as unzip and Python's zipfile
 * treat it); a local header is read only to find where its data starts, and
 * its data must end before the central directory begins.
 */
#include "formats/zip.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_Z64_EOCD 0x06064b50u
#define SIG_Z64_LOC 0x07064b50u
#define EOCD_LEN 22
#define CENTRAL_LEN 46
#define LOCAL_LEN 30
#define Z64_LOC_LEN 20
#define Z64_EOCD_LEN 56
#define MAX_COMMENT 65535
#define CHUNK 65536
#define HOST_UNIX 3

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static int fail(char *err, size_t errlen, const char *fmt, const char *detail)
{
	snprintf(err, errlen, fmt, detail ? detail : "");
	return -1;
}

static int src_read(const struct zip_src *s, int64_t off, void *buf, size_t n)
{
	if (off < 0 || (uint64_t)off > (uint64_t)s->size || (uint64_t)s->size - (uint64_t)off < n)
		return -1;
	return s->read_at(s->ctx, off, buf, n);
}

static int mem_read_at(void *ctx, int64_t off, void *buf, size_t n)
{
	memcpy(buf, (const char *)ctx + off, n);
	return 0;
}

void zip_src_mem(struct zip_src *s, const void *p, size_t n)
{
	s->read_at = mem_read_at;
	s->ctx = (void *)p;
	s->size = (int64_t)n;
}

static int fd_read_at(void *ctx, int64_t off, void *buf, size_t n)
{
	int fd = *(int *)ctx;
	char *b = buf;
	while (n) {
		ssize_t k = pread(fd, b, n, off);
		if (k <= 0)
			return -1;
		b += k;
		off += k;
		n -= (size_t)k;
	}
	return 0;
}

void zip_src_fd(struct zip_src *s, int *fd, int64_t size)
{
	s->read_at = fd_read_at;
	s->ctx = fd;
	s->size = size;
}

/* The end-of-central-directory values, after ZIP64 resolution. */
struct eocd {
	uint64_t entries, cd_size, cd_off;
	int64_t at; /* offset of the (classic) EOCD record */
};

/* Finds the last EOCD whose comment length reaches exactly the end of the
 * file (a signature inside a comment does not fool it). */
static int find_eocd(const struct zip_src *s, struct eocd *e, char *err, size_t errlen)
{
	if (s->size < EOCD_LEN)
		return fail(err, errlen, "the file is too small to be a zip archive%s", NULL);
	int64_t span = s->size < EOCD_LEN + MAX_COMMENT ? s->size : EOCD_LEN + MAX_COMMENT;
	unsigned char *tail = xmalloc((size_t)span);
	int rc = -1;
	if (src_read(s, s->size - span, tail, (size_t)span)) {
		fail(err, errlen, "cannot read the end of the archive%s", NULL);
		goto out;
	}
	for (int64_t i = span - EOCD_LEN; i >= 0; i--) {
		const unsigned char *p = tail + i;
		if (le32(p) != SIG_EOCD || i + EOCD_LEN + le16(p + 20) != span)
			continue;
		if (le16(p + 4) != 0 || le16(p + 6) != 0 || le16(p + 8) != le16(p + 10)) {
			fail(err, errlen, "multi-disk zip archives are not supported%s", NULL);
			goto out;
		}
		e->at = s->size - span + i;
		e->entries = le16(p + 10);
		e->cd_size = le32(p + 12);
		e->cd_off = le32(p + 16);
		rc = 0;
		break;
	}
	if (rc)
		fail(err, errlen, "no end-of-central-directory record: not a zip archive%s", NULL);
out:
	free(tail);
	return rc;
}

/* Replaces saturated EOCD fields with the ZIP64 record's, when present. */
static int read_zip64(const struct zip_src *s, struct eocd *e, char *err, size_t errlen)
{
	if (e->entries != 0xffff && e->cd_size != 0xffffffffu && e->cd_off != 0xffffffffu)
		return 0;
	unsigned char loc[Z64_LOC_LEN], rec[Z64_EOCD_LEN];
	if (e->at < Z64_LOC_LEN || src_read(s, e->at - Z64_LOC_LEN, loc, sizeof loc) || le32(loc) != SIG_Z64_LOC)
		return 0; /* saturated values that are real (65535 entries): keep them */
	if (le32(loc + 16) > 1)
		return fail(err, errlen, "multi-disk zip archives are not supported%s", NULL);
	uint64_t off = le64(loc + 8);
	if (off > (uint64_t)e->at || src_read(s, (int64_t)off, rec, sizeof rec) || le32(rec) != SIG_Z64_EOCD)
		return fail(err, errlen, "the ZIP64 end-of-central-directory record is missing or corrupt%s", NULL);
	if (le32(rec + 16) != 0 || le32(rec + 20) != 0 || le64(rec + 24) != le64(rec + 32))
		return fail(err, errlen, "multi-disk zip archives are not supported%s", NULL);
	e->entries = le64(rec + 32);
	e->cd_size = le64(rec + 40);
	e->cd_off = le64(rec + 48);
	/* The central directory must end where the ZIP64 record begins. */
	e->at = (int64_t)off;
	return 0;
}

/* Reads the ZIP64 extended-information extra field for the saturated
 * fixed fields, in the order the format fixes: usize, csize, offset. */
static int apply_zip64_extra(const unsigned char *x, size_t xl, struct zip_entry *en, bool u, bool c, bool o)
{
	while (xl >= 4) {
		uint16_t id = le16(x), sz = le16(x + 2);
		if ((size_t)sz + 4 > xl)
			return -1;
		if (id == 0x0001) {
			const unsigned char *p = x + 4;
			size_t left = sz;
			uint64_t *dst[3] = {NULL, NULL, NULL};
			uint64_t vals[3] = {0, 0, 0};
			int k = 0;
			if (u)
				dst[k++] = &vals[0];
			if (c)
				dst[k++] = &vals[1];
			if (o)
				dst[k++] = &vals[2];
			for (int i = 0; i < k; i++) {
				if (left < 8)
					return -1;
				*dst[i] = le64(p);
				p += 8;
				left -= 8;
			}
			if (u)
				en->usize = (int64_t)vals[0];
			if (c)
				en->csize = (int64_t)vals[1];
			if (o)
				en->local_off = (int64_t)vals[2];
			return en->usize < 0 || en->csize < 0 || en->local_off < 0 ? -1 : 0;
		}
		x += 4 + sz;
		xl -= 4 + (size_t)sz;
	}
	return u || c || o ? -1 : 0;
}

static int parse_central(struct zip *z, const unsigned char *cd, size_t cdlen, uint64_t count, const struct eocd *e,
			 const struct zip_limits *lim, char *err, size_t errlen)
{
	z->entries = xcalloc((size_t)count ? (size_t)count : 1, sizeof *z->entries);
	z->names = xmalloc(cdlen ? cdlen : 1);
	size_t pos = 0, npos = 0;
	char what[64];
	for (uint64_t i = 0; i < count; i++) {
		if (cdlen - pos < CENTRAL_LEN || le32(cd + pos) != SIG_CENTRAL)
			return fail(err, errlen, "the central directory is corrupt (entry %s)",
				    (snprintf(what, sizeof what, "%llu", (unsigned long long)i + 1), what));
		const unsigned char *p = cd + pos;
		uint16_t nl = le16(p + 28), xl = le16(p + 30), cl = le16(p + 32);
		if (cdlen - pos - CENTRAL_LEN < (size_t)nl + xl + cl)
			return fail(err, errlen, "the central directory is truncated%s", NULL);
		struct zip_entry *en = &z->entries[i];
		en->flags = le16(p + 8);
		en->method = le16(p + 10);
		en->crc = le32(p + 16);
		en->csize = le32(p + 20);
		en->usize = le32(p + 24);
		en->local_off = le32(p + 42);
		if (apply_zip64_extra(p + CENTRAL_LEN + nl, xl, en, le32(p + 24) == 0xffffffffu, le32(p + 20) == 0xffffffffu,
				      le32(p + 42) == 0xffffffffu))
			return fail(err, errlen, "a ZIP64 extra field is corrupt%s", NULL);
		if (le16(p + 34) != 0)
			return fail(err, errlen, "multi-disk zip archives are not supported%s", NULL);
		memcpy(z->names + npos, p + CENTRAL_LEN, nl);
		en->name = z->names + npos;
		en->name_len = nl;
		npos += nl;
		if ((p[5] == HOST_UNIX) && (le32(p + 38) >> 16))
			en->mode = le32(p + 38) >> 16;
		en->is_dir = (nl && p[CENTRAL_LEN + nl - 1] == '/') || (en->mode && S_ISDIR(en->mode));
		en->is_symlink = en->mode && S_ISLNK(en->mode);
		if (en->flags & 0x0041)
			return fail(err, errlen, "encrypted zip entries are not supported (%s)",
				    (snprintf(what, sizeof what, "%.*s", nl > 40 ? 40 : (int)nl, en->name), what));
		if (en->method != 0 && en->method != 8)
			return fail(err, errlen, "unsupported compression method %s (only stored and deflate)",
				    (snprintf(what, sizeof what, "%u", en->method), what));
		if (en->method == 0 && en->csize != en->usize)
			return fail(err, errlen, "a stored entry's sizes disagree%s", NULL);
		/* Its data must lie before the central directory. */
		if ((uint64_t)en->local_off > e->cd_off || (uint64_t)en->csize > e->cd_off - (uint64_t)en->local_off)
			return fail(err, errlen, "an entry lies outside the archive%s", NULL);
		z->total_usize += en->usize;
		if (lim->max_total && z->total_usize > lim->max_total)
			return fail(err, errlen, "the archive's uncompressed size exceeds the limit%s", NULL);
		pos += CENTRAL_LEN + (size_t)nl + xl + cl;
		z->n++;
	}
	return 0;
}

int zip_open(struct zip *z, const struct zip_src *src, const struct zip_limits *lim, char *err, size_t errlen)
{
	memset(z, 0, sizeof *z);
	z->src = *src;
	uint32_t max_entries = lim && lim->max_entries ? lim->max_entries : 200000;
	size_t max_cd = lim && lim->max_cd_bytes ? lim->max_cd_bytes : 64u << 20;
	struct zip_limits dflt = {0};
	if (!lim)
		lim = &dflt;
	struct eocd e;
	if (find_eocd(src, &e, err, errlen) || read_zip64(src, &e, err, errlen))
		return -1;
	if (e.entries > max_entries)
		return fail(err, errlen, "the archive has more entries than allowed%s", NULL);
	if (e.cd_size > max_cd)
		return fail(err, errlen, "the central directory is larger than allowed%s", NULL);
	if (e.cd_off > (uint64_t)e.at || e.cd_size > (uint64_t)e.at - e.cd_off)
		return fail(err, errlen, "the central directory lies outside the archive%s", NULL);
	if (e.entries && (uint64_t)e.entries * CENTRAL_LEN > e.cd_size)
		return fail(err, errlen, "the central directory is too small for its entry count%s", NULL);
	unsigned char *cd = xmalloc(e.cd_size ? (size_t)e.cd_size : 1);
	int rc = -1;
	if (src_read(src, (int64_t)e.cd_off, cd, (size_t)e.cd_size))
		fail(err, errlen, "cannot read the central directory%s", NULL);
	else
		rc = parse_central(z, cd, (size_t)e.cd_size, e.entries, &e, lim, err, errlen);
	free(cd);
	return rc;
}

void zip_close(struct zip *z)
{
	free(z->entries);
	free(z->names);
	z->entries = NULL;
	z->names = NULL;
	z->n = 0;
}

/* Offset of entry's data, after its local header. */
static int data_offset(const struct zip *z, const struct zip_entry *en, int64_t *off, char *err, size_t errlen)
{
	unsigned char h[LOCAL_LEN];
	if (src_read(&z->src, en->local_off, h, sizeof h) || le32(h) != SIG_LOCAL)
		return fail(err, errlen, "a local file header is missing or corrupt%s", NULL);
	int64_t start = en->local_off + LOCAL_LEN + le16(h + 26) + le16(h + 28);
	if (start > z->src.size || z->src.size - start < en->csize)
		return fail(err, errlen, "an entry's data runs past the end of the archive%s", NULL);
	*off = start;
	return 0;
}

static int charge(int64_t *budget, size_t n, char *err, size_t errlen)
{
	if (budget) {
		if ((int64_t)n > *budget)
			return fail(err, errlen, "the archive's uncompressed size exceeds the limit%s", NULL);
		*budget -= (int64_t)n;
	}
	return 0;
}

static int extract_stored(const struct zip *z, const struct zip_entry *en, int64_t off,
			  int (*sink)(void *, const void *, size_t), void *arg, int64_t *budget, uLong *crc, char *err,
			  size_t errlen)
{
	unsigned char *buf = xmalloc(CHUNK);
	int64_t left = en->csize;
	int rc = 0;
	while (left > 0 && !rc) {
		size_t n = left > CHUNK ? CHUNK : (size_t)left;
		if (src_read(&z->src, off, buf, n))
			rc = fail(err, errlen, "cannot read entry data%s", NULL);
		else if (charge(budget, n, err, errlen))
			rc = -1;
		else if (sink(arg, buf, n))
			rc = fail(err, errlen, "cannot write an extracted file%s", NULL);
		*crc = crc32(*crc, buf, (uInt)n);
		off += (int64_t)n;
		left -= (int64_t)n;
	}
	free(buf);
	return rc;
}

static int extract_deflated(const struct zip *z, const struct zip_entry *en, int64_t off,
			    int (*sink)(void *, const void *, size_t), void *arg, int64_t *budget, uLong *crc, char *err,
			    size_t errlen)
{
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	if (inflateInit2(&zs, -MAX_WBITS) != Z_OK)
		return fail(err, errlen, "cannot start inflating%s", NULL);
	unsigned char *in = xmalloc(CHUNK), *out = xmalloc(CHUNK);
	int64_t left = en->csize, produced = 0;
	int rc = 0, zr = Z_OK;
	while (!rc && zr != Z_STREAM_END) {
		if (!zs.avail_in) {
			if (!left) {
				rc = fail(err, errlen, "compressed data ends early%s", NULL);
				break;
			}
			size_t n = left > CHUNK ? CHUNK : (size_t)left;
			if (src_read(&z->src, off, in, n)) {
				rc = fail(err, errlen, "cannot read entry data%s", NULL);
				break;
			}
			off += (int64_t)n;
			left -= (int64_t)n;
			zs.next_in = in;
			zs.avail_in = (uInt)n;
		}
		zs.next_out = out;
		zs.avail_out = CHUNK;
		zr = inflate(&zs, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END && !(zr == Z_BUF_ERROR && zs.avail_in == 0)) {
			rc = fail(err, errlen, "compressed data is corrupt%s", NULL);
			break;
		}
		size_t got = CHUNK - zs.avail_out;
		if (!got)
			continue;
		produced += (int64_t)got;
		if (produced > en->usize) {
			rc = fail(err, errlen, "an entry inflates past its declared size%s", NULL);
			break;
		}
		if (charge(budget, got, err, errlen)) {
			rc = -1;
			break;
		}
		*crc = crc32(*crc, out, (uInt)got);
		if (sink(arg, out, got))
			rc = fail(err, errlen, "cannot write an extracted file%s", NULL);
	}
	inflateEnd(&zs);
	free(in);
	free(out);
	if (!rc && produced != en->usize)
		rc = fail(err, errlen, "an entry's size does not match its header%s", NULL);
	return rc;
}

int zip_extract(const struct zip *z, uint32_t i, int (*sink)(void *arg, const void *p, size_t n), void *arg,
		int64_t *budget, char *err, size_t errlen)
{
	if (i >= z->n)
		return fail(err, errlen, "no such entry%s", NULL);
	const struct zip_entry *en = &z->entries[i];
	int64_t off;
	if (data_offset(z, en, &off, err, errlen))
		return -1;
	uLong crc = crc32(0L, Z_NULL, 0);
	int rc = en->method == 0 ? extract_stored(z, en, off, sink, arg, budget, &crc, err, errlen)
				 : extract_deflated(z, en, off, sink, arg, budget, &crc, err, errlen);
	if (!rc && (uint32_t)crc != en->crc)
		rc = fail(err, errlen, "CRC-32 mismatch: the archive is corrupt%s", NULL);
	return rc;
}

int zip_safe_path(const char *name, size_t len, char *out, size_t outlen)
{
	if (!outlen)
		return -1;
	if (len && name[0] == '/')
		return -1;
	size_t o = 0, i = 0;
	while (i < len) {
		size_t j = i;
		while (j < len && name[j] != '/')
			j++;
		size_t cl = j - i;
		const char *comp = name + i;
		i = j + 1;
		if (memchr(comp, 0, cl))
			return -1;
		if (!cl || (cl == 1 && comp[0] == '.'))
			continue;
		if (cl == 2 && comp[0] == '.' && comp[1] == '.')
			return -1;
		if (cl > 255 || o + (o ? 1 : 0) + cl >= outlen)
			return -1;
		if (o)
			out[o++] = '/';
		memcpy(out + o, comp, cl);
		o += cl;
	}
	out[o] = 0;
	return o ? 1 : 0;
}

bool zip_symlink_inside(const char *link, const char *target, size_t target_len)
{
	if (!target_len || target[0] == '/' || memchr(target, 0, target_len))
		return false;
	/* ".." may only lead the target, and climb no higher than the link's
	 * own directory: a ".." after a descent could climb out through
	 * another link whose target is shallower than its own position. */
	long depth = 0;
	for (const char *p = link; *p; p++)
		if (*p == '/')
			depth++;
	bool descended = false;
	size_t i = 0;
	while (i < target_len) {
		size_t j = i;
		while (j < target_len && target[j] != '/')
			j++;
		size_t cl = j - i;
		if (cl == 2 && target[i] == '.' && target[i + 1] == '.') {
			if (descended || --depth < 0)
				return false;
		} else if (cl && !(cl == 1 && target[i] == '.')) {
			descended = true;
		}
		i = j + 1;
	}
	return true;
}
