/* column.c — reads one leaf column of a row group page by page: page
 * headers, decompression, repetition/definition levels, and values in every
 * encoding Parquet defines, into batch columns (flat) or staging (nested).
 *
 * Data flow per page: header → (decompress) → levels decoded whole into
 * defs/reps → values decoded on demand, n at a time:
 *   dictionary pages: decoded once, converted to the batch type, and data
 *     pages then gather from it (no per-value conversion);
 *   other encodings: decoded straight into the batch column when the
 *     physical and batch layouts agree, else into `phys` and converted.
 * Flat columns decode present values densely at the rows' start and then
 * spread them over the rows from the back (expand_*), so nulls cost one
 * pass and no second buffer.
 *
 * Invariants: every read of page bytes is bounds-checked against vend;
 * levels are checked against the leaf's maxima when decoded, so later code
 * may index by them; a chunk never yields more entries than its pages hold.
 */
#include "formats/parquet/internal.h"
#include "core/mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WIN_MIN 4096

static int fail(struct pq_col *c, const char *why)
{
	c->why = why;
	return -1;
}

static size_t phys_width(const struct pq_leaf *l)
{
	static const size_t w[] = {1, 4, 8, 12, 4, 8, 0, 0};
	return l->phys == PQ_FIXED ? (size_t)l->type_length : w[l->phys];
}

/* Physical values go straight to the batch layout: same bytes. */
static bool direct(const struct pq_leaf *l)
{
	return l->conv == CV_ID;
}

void pq_col_init(struct pq_col *c, const struct pq_leaf *leaf, int fd, struct pq_codecs *codecs, size_t win_max)
{
	memset(c, 0, sizeof *c);
	c->leaf = leaf;
	c->fd = fd;
	c->codecs = codecs;
	c->win_max = win_max < WIN_MIN ? WIN_MIN : win_max;
	c->dict.type = leaf->f.type;
	c->phys.type = COL_BINARY;
}

static void free_column(struct column *col)
{
	free(col->v.raw);
	free(col->offsets);
	free(col->data);
	free(col->valid);
	memset(col, 0, sizeof *col);
}

void pq_col_free(struct pq_col *c)
{
	free(c->win.p);
	free(c->page.p);
	free(c->defs.p);
	free(c->reps.p);
	free(c->lens.p);
	free(c->prefixes.p);
	free(c->last.p);
	free(c->scratch.p);
	free_column(&c->dict);
	free_column(&c->phys);
	memset(c, 0, sizeof *c);
}

int pq_col_start(struct pq_col *c, const struct pq_column_meta *m, int64_t lo, int64_t hi)
{
	int64_t start = m->data_page_offset;
	/* Some writers put 0 (or garbage) in dictionary_page_offset; trust it
	 * only when it comes before the data pages, as a dictionary must. */
	if (m->has_dictionary_page_offset && m->dictionary_page_offset > 0 && m->dictionary_page_offset < start)
		start = m->dictionary_page_offset;
	if (start < lo || start >= hi || m->total_compressed_size > hi - start)
		return fail(c, "column chunk lies outside the file's data");
	if (m->type != c->leaf->phys)
		return fail(c, "column chunk's type differs from the schema's");
	c->pos = start;
	c->end = start + m->total_compressed_size;
	/* Some writers understate total_compressed_size (parquet-mr once left
	 * out the dictionary page header); like other readers, let a page that
	 * starts inside the chunk run on, as long as it stays in the data. */
	c->hard_end = hi;
	c->values_left = m->num_values;
	c->codec = m->codec;
	c->has_dict = false;
	c->dict_n = 0;
	c->entries = c->epos = 0;
	c->err_off = start;
	c->win.len = 0;
	c->win_off = 0;
	return 0;
}

bool pq_col_done(struct pq_col *c)
{
	return c->epos == c->entries && (c->values_left <= 0 || c->pos >= c->end);
}

/* Makes [off, off + len) of the file available; returns a pointer to it. */
static const uint8_t *file_bytes(struct pq_col *c, int64_t off, size_t len)
{
	if (off >= c->win_off && off + (int64_t)len <= c->win_off + (int64_t)c->win.len)
		return c->win.p + (off - c->win_off);
	size_t want = len > c->win_max ? len : c->win_max;
	if ((int64_t)want > c->end - off)
		want = c->end - off > (int64_t)len ? (size_t)(c->end - off) : len;
	if ((int64_t)want > c->hard_end - off || off < 0) {
		fail(c, "page runs past the end of its column chunk");
		return NULL;
	}
	if (pq_bytes_reserve(&c->win, want, (size_t)PQ_MAX_PAGE + 65536)) {
		fail(c, "page is too large");
		return NULL;
	}
	size_t got = 0;
	while (got < want) {
		ssize_t r = pread(c->fd, c->win.p + got, want - got, off + (int64_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			c->win.len = 0;
			fail(c, r < 0 ? "could not read the file" : "file is shorter than its metadata says");
			return NULL;
		}
		got += (size_t)r;
	}
	c->win_off = off;
	c->win.len = got;
	return c->win.p;
}

/* ---------------------------------------------------------------- levels */

/* Decodes n levels into dst; *nmax counts those equal to max (for
 * definition levels: the present values). */
static int decode_levels(struct pq_col *c, struct pq_bytes *dst, int max, int enc, const uint8_t **pp,
			 const uint8_t *end, size_t n, bool v2, size_t v2_len, size_t *nmax)
{
	int bw = pq_bit_width((uint64_t)max);
	const uint8_t *p = *pp;
	uint8_t hi = 0;
	struct rle_dec d;
	if (pq_bytes_reserve(dst, n ? n : 1, (size_t)INT32_MAX))
		return fail(c, "page has too many values");
	if (v2 || enc == PQE_RLE) {
		size_t len = v2_len;
		if (!v2) {
			uint32_t l32;
			if (end - p < 4)
				return fail(c, "page ends inside its levels");
			memcpy(&l32, p, 4);
			p += 4;
			len = l32;
		}
		if (len > (size_t)(end - p) || rle_dec_init(&d, p, len, bw) ||
		    rle_dec_levels(&d, dst->p, n, (uint8_t)max, nmax, &hi))
			return fail(c, "page's levels are corrupt or too few");
		p += len;
	} else if (enc == PQE_BIT_PACKED) {
		size_t len = (n * (size_t)bw + 7) / 8;
		if (len > (size_t)(end - p) || bitpacked_msb_u8(p, len, bw, dst->p, n))
			return fail(c, "page's levels are corrupt or too few");
		p += len;
		*nmax = 0;
		for (size_t i = 0; i < n; i++) {
			*nmax += dst->p[i] == max;
			hi = dst->p[i] > hi ? dst->p[i] : hi;
		}
	} else {
		return fail(c, "page's levels use an unknown encoding");
	}
	if (hi > max)
		return fail(c, "page has a level above the column's maximum");
	*pp = p;
	return 0;
}

/* ---------------------------------------------------------------- values */

/* Copies len bytes; short strings (the common case) as two 8-byte moves
 * instead of a memcpy call, when 16 bytes can be read before src_end. The
 * destination always has 16 bytes of slack (callers reserve them). */
static inline void copy_short(char *dst, const void *src, size_t len, const uint8_t *src_end)
{
	const uint8_t *s = src;
	if (len <= 16 && src_end - s >= 16) {
		uint64_t a, b;
		memcpy(&a, s, 8);
		memcpy(&b, s + 8, 8);
		memcpy(dst, &a, 8);
		memcpy(dst + 8, &b, 8);
	} else {
		memcpy(dst, src, len);
	}
}

/* Where decoded values go: a fixed-width array, or a variable-width
 * column (offsets/data) at index `at`. */
struct tgt {
	uint8_t *fixed;
	size_t w;
	struct column *var;
	size_t at;
};

static int reserve_phys(struct pq_col *c, size_t n)
{
	const struct pq_leaf *l = c->leaf;
	if (n > c->phys_cap) {
		size_t cap = n < 1024 ? 1024 : n;
		size_t w = phys_width(l);
		free(c->phys.v.raw);
		free(c->phys.offsets);
		c->phys.v.raw = xmalloc(cap * (w ? w : 1));
		c->phys.offsets = xmalloc((cap + 1) * sizeof(uint32_t));
		c->phys_cap = cap;
	}
	c->phys.data_len = 0;
	c->phys.offsets[0] = 0;
	return 0;
}

static void tgt_for(struct pq_col *c, struct column *dst, size_t at, bool to_phys, struct tgt *t)
{
	const struct pq_leaf *l = c->leaf;
	memset(t, 0, sizeof *t);
	struct column *col = to_phys ? &c->phys : dst;
	t->at = to_phys ? 0 : at;
	bool var = l->phys == PQ_BYTE_ARRAY || (l->phys == PQ_FIXED && !to_phys);
	if (var) {
		t->var = col;
	} else {
		t->w = phys_width(l);
		t->fixed = (uint8_t *)col->v.raw + t->at * t->w;
	}
}

static int var_append(struct pq_col *c, struct tgt *t, size_t i, const uint8_t *p, size_t n)
{
	struct column *v = t->var;
	if (pq_col_data_reserve(v, n))
		return fail(c, "a batch's text or binary values pass 1 GiB; read with smaller batches");
	memcpy(v->data + v->data_len, p, n);
	v->data_len += n;
	v->offsets[t->at + i + 1] = (uint32_t)v->data_len;
	return 0;
}

static int plain(struct pq_col *c, struct tgt *t, size_t n)
{
	const struct pq_leaf *l = c->leaf;
	size_t avail = (size_t)(c->vend - c->vp);
	if (l->phys == PQ_BOOLEAN) {
		uint64_t bits = (uint64_t)c->bool_bit + n;
		if ((bits + 7) / 8 > avail)
			return fail(c, "page ends inside its values");
		for (size_t i = 0; i < n; i++) {
			size_t b = (size_t)c->bool_bit + i;
			t->fixed[i] = c->vp[b >> 3] >> (b & 7) & 1;
		}
		c->vp += bits / 8;
		c->bool_bit = (int)(bits % 8);
		return 0;
	}
	if (l->phys == PQ_BYTE_ARRAY) {
		/* One pass to find the bytes, one reserve, then copies. */
		const uint8_t *p = c->vp;
		size_t total = 0;
		for (size_t i = 0; i < n; i++) {
			uint32_t len;
			if ((size_t)(c->vend - p) < 4)
				return fail(c, "page ends inside its values");
			memcpy(&len, p, 4);
			if (len > (size_t)(c->vend - p) - 4)
				return fail(c, "page ends inside its values");
			p += 4 + len;
			total += len;
		}
		struct column *v = t->var;
		if (pq_col_data_reserve(v, total + 16))
			return fail(c, "a batch's text or binary values pass 1 GiB; read with smaller batches");
		p = c->vp;
		char *o = v->data + v->data_len;
		uint32_t off = (uint32_t)v->data_len, *offs = v->offsets + t->at + 1;
		for (size_t i = 0; i < n; i++) {
			uint32_t len;
			memcpy(&len, p, 4);
			copy_short(o, p + 4, len, c->vend);
			o += len;
			off += len;
			offs[i] = off;
			p += 4 + len;
		}
		v->data_len = off;
		c->vp = p;
		return 0;
	}
	size_t w = phys_width(l);
	if ((uint64_t)n * w > avail)
		return fail(c, "page ends inside its values");
	if (t->fixed) {
		memcpy(t->fixed, c->vp, n * w);
	} else {
		struct column *v = t->var;
		if (pq_col_data_reserve(v, n * w))
			return fail(c, "a batch's text or binary values pass 1 GiB; read with smaller batches");
		memcpy(v->data + v->data_len, c->vp, n * w);
		for (size_t i = 0; i < n; i++)
			v->offsets[t->at + i + 1] = (uint32_t)(v->data_len + (i + 1) * w);
		v->data_len += n * w;
	}
	c->vp += n * w;
	return 0;
}

static int byte_stream_split(struct pq_col *c, struct tgt *t, size_t n)
{
	size_t w = phys_width(c->leaf);
	if (c->bss_i + n > c->bss_n)
		return fail(c, "page has fewer values than its levels say");
	const uint8_t *base = c->vp;
	if (t->fixed) {
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < w; j++)
				t->fixed[i * w + j] = base[j * c->bss_n + c->bss_i + i];
	} else {
		uint8_t tmp[256];
		if (w > sizeof tmp)
			return fail(c, "BYTE_STREAM_SPLIT value is too wide");
		for (size_t i = 0; i < n; i++) {
			for (size_t j = 0; j < w; j++)
				tmp[j] = base[j * c->bss_n + c->bss_i + i];
			if (var_append(c, t, i, tmp, w))
				return -1;
		}
	}
	c->bss_i += n;
	return 0;
}

static int delta_lengths(struct pq_col *c, struct pq_bytes *dst, const uint8_t **p, size_t n)
{
	struct dbp_dec d;
	if (dbp_init(&d, *p, (size_t)(c->vend - *p)) || dbp_count(&d) < n)
		return fail(c, "page's delta-encoded lengths are corrupt");
	if (pq_bytes_reserve(dst, (n ? n : 1) * sizeof(int32_t), (size_t)INT32_MAX) ||
	    dbp_get_i32(&d, (int32_t *)dst->p, n))
		return fail(c, "page's delta-encoded lengths are corrupt");
	/* The header may count more values than the page has present ones
	 * (it should not); skip them so the bytes that follow line up, but
	 * never more than the page's entries: a count is not a promise. */
	uint64_t extra = dbp_count(&d);
	if (extra > (uint64_t)c->page_entries)
		return fail(c, "page's delta-encoded lengths count more values than the page has");
	while (extra > 0) {
		int32_t junk[64];
		size_t k = extra < 64 ? (size_t)extra : 64;
		if (dbp_get_i32(&d, junk, k))
			return fail(c, "page's delta-encoded lengths are corrupt");
		extra -= k;
	}
	*p = dbp_end(&d);
	return 0;
}

static int delta_length_bytes(struct pq_col *c, struct tgt *t, size_t n)
{
	const int32_t *lens = (const int32_t *)c->lens.p + c->delta_i;
	for (size_t i = 0; i < n; i++) {
		int32_t len = lens[i];
		if (len < 0 || (size_t)len > (size_t)(c->vend - c->vp))
			return fail(c, "page's byte array lengths run past its end");
		if (var_append(c, t, i, c->vp, (size_t)len))
			return -1;
		c->vp += len;
	}
	c->delta_i += n;
	return 0;
}

static int delta_byte_array(struct pq_col *c, struct tgt *t, size_t n)
{
	const int32_t *pre = (const int32_t *)c->prefixes.p + c->delta_i;
	const int32_t *suf = (const int32_t *)c->lens.p + c->delta_i;
	size_t w = phys_width(c->leaf);
	for (size_t i = 0; i < n; i++) {
		if (pre[i] < 0 || (size_t)pre[i] > c->last.len || suf[i] < 0 ||
		    (size_t)suf[i] > (size_t)(c->vend - c->vp))
			return fail(c, "page's prefix/suffix lengths are corrupt");
		size_t len = (size_t)pre[i] + (size_t)suf[i];
		if (pq_bytes_reserve(&c->last, len ? len : 1, PQ_MAX_PAGE))
			return fail(c, "value is too large");
		memcpy(c->last.p + pre[i], c->vp, (size_t)suf[i]);
		c->last.len = len;
		c->vp += suf[i];
		if (t->fixed) {
			if (len != w)
				return fail(c, "fixed-length value has the wrong length");
			memcpy(t->fixed + i * w, c->last.p, w);
		} else if (var_append(c, t, i, c->last.p, len)) {
			return -1;
		}
	}
	c->delta_i += n;
	return 0;
}

/* Decodes n present values (not dictionary) into t. */
static int decode_plainish(struct pq_col *c, struct tgt *t, size_t n)
{
	const struct pq_leaf *l = c->leaf;
	switch (c->encoding) {
	case PQE_PLAIN:
		return plain(c, t, n);
	case PQE_RLE:
		if (rle_dec_u8(&c->bools, t->fixed, n))
			return fail(c, "page's RLE booleans are corrupt or too few");
		return 0;
	case PQE_DELTA_BINARY_PACKED:
		if ((l->phys == PQ_INT32 ? dbp_get_i32(&c->dbp, (int32_t *)t->fixed, n)
					 : dbp_get_i64(&c->dbp, (int64_t *)t->fixed, n)))
			return fail(c, "page's delta-encoded values are corrupt or too few");
		return 0;
	case PQE_DELTA_LENGTH_BYTE_ARRAY:
		return delta_length_bytes(c, t, n);
	case PQE_DELTA_BYTE_ARRAY:
		return delta_byte_array(c, t, n);
	case PQE_BYTE_STREAM_SPLIT:
		return byte_stream_split(c, t, n);
	default:
		return fail(c, "page uses an unsupported encoding");
	}
}

/* Dictionary gather: n indices → values of the batch type at dst[at]. */
static int gather(struct pq_col *c, struct column *dst, size_t at, size_t n)
{
	if (pq_bytes_reserve(&c->scratch, (n ? n : 1) * sizeof(uint32_t), (size_t)INT32_MAX))
		return fail(c, "page has too many values");
	uint32_t *idx = (uint32_t *)c->scratch.p;
	if (rle_dec_u32(&c->idx, idx, n))
		return fail(c, "page's dictionary indices are corrupt or too few");
	uint32_t dn = (uint32_t)c->dict_n, bad = 0;
	for (size_t i = 0; i < n; i++)
		bad |= idx[i] >= dn;
	if (bad)
		return fail(c, "page refers past the end of its dictionary");
	const struct column *d = &c->dict;
	switch (col_type_width(dst->type)) {
	case 1:
		for (size_t i = 0; i < n; i++)
			dst->v.u8[at + i] = d->v.u8[idx[i]];
		return 0;
	case 4:
		for (size_t i = 0; i < n; i++)
			dst->v.i32[at + i] = d->v.i32[idx[i]];
		return 0;
	case 8:
		for (size_t i = 0; i < n; i++)
			dst->v.i64[at + i] = d->v.i64[idx[i]];
		return 0;
	case 16:
		for (size_t i = 0; i < n; i++)
			dst->v.dec[at + i] = d->v.dec[idx[i]];
		return 0;
	default:
		break;
	}
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += d->offsets[idx[i] + 1] - d->offsets[idx[i]];
	if (pq_col_data_reserve(dst, total + 16))
		return fail(c, "a batch's text or binary values pass 1 GiB; read with smaller batches");
	char *o = dst->data + dst->data_len;
	uint32_t off = (uint32_t)dst->data_len, *offs = dst->offsets + at + 1;
	for (size_t i = 0; i < n; i++) {
		uint32_t s = d->offsets[idx[i]], len = d->offsets[idx[i] + 1] - s;
		copy_short(o, d->data + s, len, (const uint8_t *)d->data + c->dict_bytes);
		o += len;
		off += len;
		offs[i] = off;
	}
	dst->data_len = off;
	return 0;
}

/* n present values into dst (batch type) at index at, densely. */
static int decode_values(struct pq_col *c, struct column *dst, size_t at, size_t n)
{
	if (n == 0)
		return 0;
	if (n > c->nonnull_left)
		return fail(c, "page has fewer values than its levels say");
	c->nonnull_left -= n;
	if (c->encoding == PQE_PLAIN_DICTIONARY || c->encoding == PQE_RLE_DICTIONARY)
		return gather(c, dst, at, n);
	struct tgt t;
	if (direct(c->leaf)) {
		tgt_for(c, dst, at, false, &t);
		return decode_plainish(c, &t, n);
	}
	reserve_phys(c, n);
	tgt_for(c, dst, at, true, &t);
	if (decode_plainish(c, &t, n))
		return -1;
	if (c->leaf->conv == CV_UUID && pq_col_data_reserve(dst, 36 * n))
		return fail(c, "a batch's text or binary values pass 1 GiB; read with smaller batches");
	pq_convert(c->leaf, &c->phys, n, dst, at);
	return 0;
}

/* ---------------------------------------------------------------- pages */

static int read_dictionary(struct pq_col *c, const struct pq_page_header *h, const uint8_t *data, size_t len)
{
	const struct pq_leaf *l = c->leaf;
	if (c->has_dict)
		return fail(c, "column chunk has a second dictionary page");
	if (c->entries > 0)
		return fail(c, "dictionary page comes after data pages");
	if (h->encoding != PQE_PLAIN && h->encoding != PQE_PLAIN_DICTIONARY)
		return fail(c, "dictionary page is not PLAIN-encoded");
	size_t n = (size_t)h->num_values;
	size_t w = phys_width(l);
	/* Each value takes at least one byte (4 for byte arrays), except
	 * booleans: a count beyond that is a lie. */
	if (l->phys != PQ_BOOLEAN && n > len / (w ? w : 4))
		return fail(c, "dictionary page has fewer bytes than values");
	if (l->phys == PQ_BOOLEAN && n > len * 8)
		return fail(c, "dictionary page has fewer bytes than values");
	struct column *d = &c->dict;
	if (n + 1 > c->dict_cap) {
		size_t bw = col_type_width(d->type);
		free(d->v.raw);
		free(d->offsets);
		d->v.raw = xmalloc((n + 1) * (bw ? bw : 1));
		d->offsets = xmalloc((n + 2) * sizeof(uint32_t));
		c->dict_cap = n + 1;
	}
	d->data_len = 0;
	d->offsets[0] = 0;
	c->vp = data;
	c->vend = data + len;
	c->encoding = PQE_PLAIN;
	c->bool_bit = 0;
	c->nonnull_left = n;
	if (decode_values(c, d, 0, n))
		return -1;
	c->dict_n = n;
	c->dict_bytes = d->data_len;
	c->has_dict = true;
	c->nonnull_left = 0;
	return 0;
}

static int setup_values(struct pq_col *c, const uint8_t *p, const uint8_t *end, size_t nonnull)
{
	const struct pq_leaf *l = c->leaf;
	c->vp = p;
	c->vend = end;
	c->nonnull_left = nonnull;
	c->bool_bit = 0;
	c->delta_i = 0;
	switch (c->encoding) {
	case PQE_PLAIN:
		return 0;
	case PQE_PLAIN_DICTIONARY:
	case PQE_RLE_DICTIONARY:
		if (!c->has_dict)
			return fail(c, "dictionary-encoded page but the column chunk has no dictionary");
		if (nonnull == 0)
			return 0;
		if (p >= end || *p > 32 || rle_dec_init(&c->idx, p + 1, (size_t)(end - p - 1), *p))
			return fail(c, "dictionary indices have an invalid bit width");
		return 0;
	case PQE_RLE: {
		uint32_t len;
		if (l->phys != PQ_BOOLEAN)
			return fail(c, "RLE values are only defined for booleans");
		if (end - p < 4)
			return fail(c, "page ends inside its values");
		memcpy(&len, p, 4);
		if (len > (size_t)(end - p - 4) || rle_dec_init(&c->bools, p + 4, len, 1))
			return fail(c, "page's RLE booleans are corrupt");
		return 0;
	}
	case PQE_DELTA_BINARY_PACKED:
		if (l->phys != PQ_INT32 && l->phys != PQ_INT64)
			return fail(c, "DELTA_BINARY_PACKED is only defined for integers");
		if (dbp_init(&c->dbp, p, (size_t)(end - p)) || dbp_count(&c->dbp) < nonnull)
			return fail(c, "page's delta-encoded values are corrupt");
		return 0;
	case PQE_DELTA_LENGTH_BYTE_ARRAY:
		if (l->phys != PQ_BYTE_ARRAY)
			return fail(c, "DELTA_LENGTH_BYTE_ARRAY is only defined for byte arrays");
		return delta_lengths(c, &c->lens, &c->vp, nonnull);
	case PQE_DELTA_BYTE_ARRAY:
		if (l->phys != PQ_BYTE_ARRAY && l->phys != PQ_FIXED)
			return fail(c, "DELTA_BYTE_ARRAY is only defined for byte arrays");
		c->last.len = 0;
		if (delta_lengths(c, &c->prefixes, &c->vp, nonnull) || delta_lengths(c, &c->lens, &c->vp, nonnull))
			return -1;
		return 0;
	case PQE_BYTE_STREAM_SPLIT: {
		size_t w = phys_width(l);
		if (l->phys == PQ_BOOLEAN || l->phys == PQ_BYTE_ARRAY || l->phys == PQ_INT96)
			return fail(c, "BYTE_STREAM_SPLIT is not defined for this type");
		if ((uint64_t)nonnull * w > (uint64_t)(end - p))
			return fail(c, "page ends inside its values");
		c->bss_i = 0;
		c->bss_n = nonnull;
		return 0;
	}
	default:
		return fail(c, "page uses an unsupported encoding");
	}
}

/* Body of a data page (v1 or v2): levels, then values. */
static int read_data_page(struct pq_col *c, const struct pq_page_header *h, const uint8_t *raw, size_t raw_len)
{
	const struct pq_leaf *l = c->leaf;
	size_t n = (size_t)h->num_values;
	const uint8_t *p, *end;
	const char *why = NULL;
	bool v2 = h->type == PQP_DATA_V2;
	if (!(v2 ? h->has_v2 : h->has_data))
		return fail(c, "data page lacks its header fields");
	if ((int64_t)n > c->values_left)
		return fail(c, "page has more values than its column chunk");
	if (n > PQ_MAX_PAGE_VALUES)
		return fail(c, "page has more values than nuage reads in one page (16 Mi)");
	size_t unc = (size_t)h->uncompressed_size;
	if (unc > PQ_MAX_PAGE)
		return fail(c, "page is too large");
	if (v2) {
		size_t lv = (size_t)h->rep_len + (size_t)h->def_len;
		if (lv > raw_len || lv > unc)
			return fail(c, "page's level sizes exceed the page");
		if (pq_bytes_reserve(&c->page, unc ? unc : 1, PQ_MAX_PAGE))
			return fail(c, "page is too large");
		memcpy(c->page.p, raw, lv);
		if (unc - lv > 0) {
			if (h->is_compressed && c->codec != PQZ_NONE) {
				if (pq_decompress(c->codecs, c->codec, raw + lv, raw_len - lv, c->page.p + lv, unc - lv, &why))
					return fail(c, why);
			} else {
				if (raw_len != unc)
					return fail(c, "uncompressed page sizes disagree");
				memcpy(c->page.p + lv, raw + lv, unc - lv);
			}
		}
		p = c->page.p;
		end = p + unc;
	} else if (c->codec == PQZ_NONE) {
		if (raw_len != unc)
			return fail(c, "uncompressed page sizes disagree");
		p = raw;
		end = raw + raw_len;
	} else {
		if (pq_bytes_reserve(&c->page, unc ? unc : 1, PQ_MAX_PAGE))
			return fail(c, "page is too large");
		if (unc && pq_decompress(c->codecs, c->codec, raw, raw_len, c->page.p, unc, &why))
			return fail(c, why);
		p = c->page.p;
		end = p + unc;
	}
	size_t nonnull = n, ignore;
	if (l->max_rep > 0 &&
	    decode_levels(c, &c->reps, l->max_rep, h->rep_encoding, &p, end, n, v2, (size_t)h->rep_len, &ignore))
		return -1;
	if (v2 && l->max_rep == 0)
		p += h->rep_len;
	if (l->max_def > 0 &&
	    decode_levels(c, &c->defs, l->max_def, h->def_encoding, &p, end, n, v2, (size_t)h->def_len, &nonnull))
		return -1;
	if (v2 && l->max_def == 0)
		p += h->def_len;
	if (p > end)
		return fail(c, "page's levels run past its end");
	c->dense = nonnull == n;
	c->encoding = h->encoding;
	c->page_entries = n;
	if (setup_values(c, p, end, nonnull))
		return -1;
	c->entries = (int32_t)n;
	c->epos = 0;
	c->values_left -= (int64_t)n;
	return 0;
}

/* Loads the next data page with entries. Returns 0, 1 at the end of the
 * chunk, -1 on error. */
static int next_page(struct pq_col *c)
{
	for (;;) {
		if (c->values_left <= 0 || c->pos >= c->end)
			return 1;
		c->err_off = c->pos;
		struct pq_page_header h;
		size_t hlen = 0, want = 256;
		const char *why = NULL;
		int rc;
		for (;;) {
			size_t avail = (size_t)(c->hard_end - c->pos);
			size_t ask = want < avail ? want : avail;
			const uint8_t *hp = file_bytes(c, c->pos, ask);
			if (!hp)
				return -1;
			rc = pq_page_header_parse(&h, hp, ask, &hlen, &why);
			if (rc == 1 && ask < avail && want < (16u << 20)) {
				want *= 8;
				continue;
			}
			break;
		}
		if (rc)
			return fail(c, why);
		if ((int64_t)h.compressed_size > c->hard_end - c->pos - (int64_t)hlen)
			return fail(c, "page runs past the end of its column chunk");
		if ((size_t)h.compressed_size > PQ_MAX_PAGE)
			return fail(c, "page is too large");
		const uint8_t *body = file_bytes(c, c->pos + (int64_t)hlen, (size_t)h.compressed_size);
		if (!body)
			return -1;
		c->pos += (int64_t)hlen + h.compressed_size;
		if (h.type == PQP_DICTIONARY) {
			if (!h.has_dict)
				return fail(c, "dictionary page lacks its header fields");
			const uint8_t *dp = body;
			size_t unc = (size_t)h.uncompressed_size;
			if (unc > PQ_MAX_PAGE)
				return fail(c, "page is too large");
			if (c->codec != PQZ_NONE) {
				if (pq_bytes_reserve(&c->page, unc ? unc : 1, PQ_MAX_PAGE))
					return fail(c, "page is too large");
				if (unc && pq_decompress(c->codecs, c->codec, body, (size_t)h.compressed_size, c->page.p, unc,
							 &why))
					return fail(c, why);
				dp = c->page.p;
			} else if (unc != (size_t)h.compressed_size) {
				return fail(c, "uncompressed page sizes disagree");
			}
			if (read_dictionary(c, &h, dp, unc))
				return -1;
			continue;
		}
		if (h.type != PQP_DATA && h.type != PQP_DATA_V2)
			continue; /* index pages and unknown kinds carry no rows */
		if (read_data_page(c, &h, body, (size_t)h.compressed_size))
			return -1;
		if (c->entries > 0)
			return 0;
	}
}

/* Spreads nn dense values at [row0, row0 + nn) over rows [row0, row0 + k)
 * by validity, from the back so nothing is overwritten before it moves. */
static void expand(struct column *dst, size_t row0, size_t k, size_t nn)
{
	const uint8_t *valid = dst->valid;
	if (col_is_varwidth(dst->type)) {
		uint32_t *o = dst->offsets + row0;
		size_t j = nn;
		for (size_t r = k; r-- > 0;) {
			size_t row = row0 + r;
			if (valid[row >> 3] >> (row & 7) & 1) {
				o[r + 1] = o[j];
				j--;
			} else {
				o[r + 1] = o[j];
			}
		}
		return;
	}
	size_t w = col_type_width(dst->type);
	uint8_t *v = (uint8_t *)dst->v.raw + row0 * w;
	size_t j = nn;
	for (size_t r = k; r-- > 0;) {
		size_t row = row0 + r;
		if (valid[row >> 3] >> (row & 7) & 1) {
			j--;
			if (j != r)
				memcpy(v + r * w, v + j * w, w);
		} else {
			memset(v + r * w, 0, w);
		}
	}
}

static void set_valid_range(uint8_t *valid, size_t from, size_t k)
{
	size_t i = from, end = from + k;
	while (i < end && (i & 7))
		valid[i >> 3] |= (uint8_t)(1u << (i & 7)), i++;
	if (end - i >= 8) {
		memset(valid + (i >> 3), 0xff, (end - i) >> 3);
		i += (end - i) & ~(size_t)7;
	}
	while (i < end)
		valid[i >> 3] |= (uint8_t)(1u << (i & 7)), i++;
}

int pq_col_read_flat(struct pq_col *c, struct column *dst, size_t row0, size_t n)
{
	const struct pq_leaf *l = c->leaf;
	size_t done = 0;
	while (done < n) {
		if (c->epos == c->entries) {
			int rc = next_page(c);
			if (rc < 0)
				return -1;
			if (rc > 0)
				return fail(c, "column has fewer values than its row group has rows");
		}
		size_t k = (size_t)(c->entries - c->epos);
		if (k > n - done)
			k = n - done;
		size_t row = row0 + done, nn = k;
		if (l->max_def > 0 && !c->dense) {
			const uint8_t *d = c->defs.p + c->epos;
			uint8_t md = (uint8_t)l->max_def;
			nn = 0;
			for (size_t i = 0; i < k; i++) {
				size_t r = row + i;
				uint8_t bit = d[i] == md;
				dst->valid[r >> 3] = (uint8_t)((dst->valid[r >> 3] & ~(1u << (r & 7))) | (unsigned)bit << (r & 7));
				nn += bit;
			}
		} else {
			set_valid_range(dst->valid, row, k);
		}
		if (decode_values(c, dst, row, nn))
			return -1;
		if (nn < k)
			expand(dst, row, k, nn);
		c->epos += (int32_t)k;
		done += k;
	}
	return 0;
}

static int stage_grow(struct pq_col *c, struct pq_stage *st, size_t entries, size_t vals)
{
	if (entries > PQ_MAX_STAGE_ENTRIES || vals > PQ_MAX_STAGE_ENTRIES)
		return fail(c, "rows hold too many nested values for one batch");
	if (entries > st->cap) {
		size_t cap = st->cap ? st->cap : 1024;
		while (cap < entries)
			cap *= 2;
		st->def = xrealloc(st->def, cap);
		st->rep = xrealloc(st->rep, cap);
		st->cap = cap;
	}
	if (vals > st->vcap) {
		size_t cap = st->vcap ? st->vcap : 1024;
		while (cap < vals)
			cap *= 2;
		size_t w = col_type_width(st->vals.type);
		if (w)
			st->vals.v.raw = xrealloc(st->vals.v.raw, cap * w);
		else
			st->vals.offsets = xrealloc(st->vals.offsets, (cap + 1) * sizeof(uint32_t));
		st->vcap = cap;
	}
	return 0;
}

int pq_col_read_nested(struct pq_col *c, struct pq_stage *st, size_t nrows)
{
	const struct pq_leaf *l = c->leaf;
	size_t rows = 0;
	bool first = true;
	st->vals.type = l->f.type;
	if (!st->vals.offsets && col_is_varwidth(st->vals.type) && stage_grow(c, st, 0, 1))
		return -1;
	for (;;) {
		if (c->epos == c->entries) {
			if (rows == nrows && l->max_rep == 0)
				return 0;
			int rc = next_page(c);
			if (rc < 0)
				return -1;
			if (rc > 0) {
				if (rows == nrows)
					return 0;
				return fail(c, "column has fewer rows than its row group");
			}
		}
		size_t i = (size_t)c->epos, end = (size_t)c->entries;
		if (l->max_rep == 0) {
			size_t k = end - i < nrows - rows ? end - i : nrows - rows;
			i += k;
			rows += k;
		} else {
			const uint8_t *rep = c->reps.p;
			if (first && rep[i] != 0)
				return fail(c, "a row starts with a repeated value (repetition level is not 0)");
			for (; i < end; i++) {
				if (rep[i] == 0) {
					if (rows == nrows)
						break;
					rows++;
				}
			}
		}
		first = false;
		size_t k = i - (size_t)c->epos;
		if (stage_grow(c, st, st->n + k, st->nvals + k))
			return -1;
		if (l->max_def)
			memcpy(st->def + st->n, c->defs.p + c->epos, k);
		else
			memset(st->def + st->n, 0, k);
		if (l->max_rep)
			memcpy(st->rep + st->n, c->reps.p + c->epos, k);
		else
			memset(st->rep + st->n, 0, k);
		size_t nn = k;
		if (l->max_def) {
			nn = 0;
			for (size_t j = 0; j < k; j++)
				nn += st->def[st->n + j] == l->max_def;
		}
		if (nn && col_is_varwidth(st->vals.type) && st->nvals == 0)
			st->vals.offsets[0] = (uint32_t)st->vals.data_len;
		if (decode_values(c, &st->vals, st->nvals, nn))
			return -1;
		st->n += k;
		st->nvals += nn;
		c->epos = (int32_t)i;
		if (i < end || (rows == nrows && l->max_rep == 0))
			return 0;
	}
}
