/* encoding.c — see encoding.h.
 *
 * RLE hybrid stream: runs, each a varint header h; h & 1 = bit-packed run of
 * (h >> 1) groups of 8 values (bw bytes per group, least significant bit
 * first), otherwise a repeated run of (h >> 1) copies of one value stored in
 * ceil(bw / 8) little-endian bytes.
 *
 * DELTA_BINARY_PACKED: header <block size> <miniblocks per block> <count>
 * <first value (zigzag)>, then blocks of <min delta (zigzag)> <one bit-width
 * byte per miniblock> <miniblocks, bit-packed>. Values are the running sum
 * of min delta + packed delta, in wrapping arithmetic.
 */
#include "formats/parquet/encoding.h"

#include <string.h>

static int get_uvarint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;
	uint64_t x = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (p >= end)
			return -1;
		uint8_t b = *p++;
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			*pp = p;
			return 0;
		}
	}
	return -1;
}

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v; /* little-endian hosts only, like the rest of nuage */
}

int pq_bit_width(uint64_t max)
{
	int w = 0;
	while (max) {
		w++;
		max >>= 1;
	}
	return w;
}

/* Reads `bw` bits at bit offset `bit` of p[0..len), bits past len read as 0. */
static inline uint64_t read_bits_slow(const uint8_t *p, size_t len, uint64_t bit, int bw)
{
	uint64_t v = 0;
	for (int i = 0; i < bw; i++, bit++) {
		size_t byte = (size_t)(bit >> 3);
		if (byte < len && (p[byte] >> (bit & 7) & 1))
			v |= (uint64_t)1 << i;
	}
	return v;
}

/* ---------------------------------------------------------------- RLE */

int rle_dec_init(struct rle_dec *d, const uint8_t *p, size_t n, int bw)
{
	memset(d, 0, sizeof *d);
	if (bw < 0 || bw > 32)
		return -1;
	d->p = p;
	d->end = p + n;
	d->bw = bw;
	d->mask = bw == 32 ? 0xffffffffu : (1u << bw) - 1;
	return 0;
}

static int next_run(struct rle_dec *d)
{
	uint64_t h;
	if (d->bw == 0 && d->p == d->end) {
		/* Width 0 with no runs written: every value is 0. */
		d->packed = false;
		d->value = 0;
		d->run_left = UINT32_MAX;
		return 0;
	}
	if (get_uvarint(&d->p, d->end, &h))
		return -1;
	if (h & 1) {
		uint64_t groups = h >> 1;
		uint64_t bytes = groups * (uint64_t)d->bw;
		size_t avail = (size_t)(d->end - d->p);
		if (groups == 0 || groups > (1u << 28))
			return -1;
		if (d->bw == 0) {
			d->packed = false;
			d->value = 0;
			d->run_left = (uint32_t)(groups * 8);
			return 0;
		}
		if (bytes > avail) {
			/* A truncated last run: keep the values that are whole. */
			bytes = avail;
			uint64_t vals = bytes * 8 / (uint64_t)d->bw;
			if (vals == 0)
				return -1;
			d->run_left = (uint32_t)vals;
		} else {
			d->run_left = (uint32_t)(groups * 8);
		}
		d->packed = true;
		d->bp = d->p;
		d->bp_len = (size_t)bytes;
		d->bp_bit = 0;
		d->p += bytes;
	} else {
		uint64_t count = h >> 1;
		int nb = (d->bw + 7) / 8;
		if (count == 0 || count > UINT32_MAX || (size_t)(d->end - d->p) < (size_t)nb)
			return -1;
		uint32_t v = 0;
		for (int i = 0; i < nb; i++)
			v |= (uint32_t)d->p[i] << (8 * i);
		d->p += nb;
		d->packed = false;
		d->value = v & d->mask;
		d->run_left = (uint32_t)count;
	}
	return 0;
}

/* Unpacks k values of the current bit-packed run into out. */
#define UNPACK_INTO(T)                                                                            \
	do {                                                                                      \
		const uint8_t *bp = d->bp;                                                        \
		uint64_t bit = d->bp_bit;                                                         \
		int bw = d->bw;                                                                   \
		uint64_t mask = d->mask;                                                          \
		size_t i = 0;                                                                     \
		/* Fast while 8 bytes can be loaded from the bit's byte. */                      \
		while (i < k && (bit >> 3) + 8 <= d->bp_len) {                                    \
			out[i++] = (T)((load64(bp + (bit >> 3)) >> (bit & 7)) & mask);            \
			bit += (uint64_t)bw;                                                      \
		}                                                                                 \
		for (; i < k; i++, bit += (uint64_t)bw)                                           \
			out[i] = (T)read_bits_slow(bp, d->bp_len, bit, bw);                       \
		d->bp_bit = bit;                                                                  \
	} while (0)

int rle_dec_u32(struct rle_dec *d, uint32_t *out, size_t n)
{
	while (n > 0) {
		if (d->run_left == 0 && next_run(d))
			return -1;
		size_t k = n < d->run_left ? n : d->run_left;
		if (d->packed) {
			UNPACK_INTO(uint32_t);
		} else {
			uint32_t v = d->value;
			for (size_t i = 0; i < k; i++)
				out[i] = v;
		}
		d->run_left -= (uint32_t)k;
		out += k;
		n -= k;
	}
	return 0;
}

int rle_dec_u8(struct rle_dec *d, uint8_t *out, size_t n)
{
	size_t count;
	uint8_t hi;
	return rle_dec_levels(d, out, n, 0, &count, &hi);
}

int rle_dec_levels(struct rle_dec *d, uint8_t *out, size_t n, uint8_t match, size_t *count, uint8_t *hi)
{
	size_t cnt = 0;
	uint8_t top = 0;
	if (d->bw > 8)
		return -1;
	while (n > 0) {
		if (d->run_left == 0 && next_run(d))
			return -1;
		size_t k = n < d->run_left ? n : d->run_left;
		if (d->packed) {
			UNPACK_INTO(uint8_t);
			for (size_t i = 0; i < k; i++) {
				cnt += out[i] == match;
				top = out[i] > top ? out[i] : top;
			}
		} else {
			memset(out, (int)d->value, k);
			cnt += d->value == match ? k : 0;
			top = d->value > top ? (uint8_t)d->value : top;
		}
		d->run_left -= (uint32_t)k;
		out += k;
		n -= k;
	}
	*count = cnt;
	*hi = top;
	return 0;
}

int rle_dec_skip(struct rle_dec *d, size_t n)
{
	while (n > 0) {
		if (d->run_left == 0 && next_run(d))
			return -1;
		size_t k = n < d->run_left ? n : d->run_left;
		if (d->packed)
			d->bp_bit += (uint64_t)k * (uint64_t)d->bw;
		d->run_left -= (uint32_t)k;
		n -= k;
	}
	return 0;
}

int bitpacked_msb_u8(const uint8_t *p, size_t len, int bw, uint8_t *out, size_t n)
{
	if (bw < 0 || bw > 8 || (uint64_t)n * (uint64_t)bw > (uint64_t)len * 8)
		return -1;
	uint64_t bit = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t v = 0;
		for (int b = 0; b < bw; b++, bit++)
			v = (uint8_t)(v << 1 | (p[bit >> 3] >> (7 - (bit & 7)) & 1));
		out[i] = v;
	}
	return 0;
}

/* ---------------------------------------------------------------- DBP */

static int get_zigzag64(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	uint64_t u;
	if (get_uvarint(pp, end, &u))
		return -1;
	*v = (u >> 1) ^ (0 - (u & 1));
	return 0;
}

int dbp_init(struct dbp_dec *d, const uint8_t *p, size_t n)
{
	uint64_t bs, nmb, count, first;
	memset(d, 0, sizeof *d);
	d->p = p;
	d->end = p + n;
	if (get_uvarint(&d->p, d->end, &bs) || get_uvarint(&d->p, d->end, &nmb) ||
	    get_uvarint(&d->p, d->end, &count) || get_zigzag64(&d->p, d->end, &first))
		return -1;
	/* The spec: block size a multiple of 128, miniblocks of a multiple of
	 * 32 values. The caps keep widths[] and the loops bounded. */
	if (bs == 0 || bs % 128 || bs > (1u << 20) || nmb == 0 || nmb > 256 || bs % nmb || (bs / nmb) % 32)
		return -1;
	d->block_size = (uint32_t)bs;
	d->nminiblocks = (uint32_t)nmb;
	d->mb_size = (uint32_t)(bs / nmb);
	d->left = count;
	d->first = count > 0;
	d->last = first;
	return 0;
}

uint64_t dbp_count(const struct dbp_dec *d)
{
	return d->left;
}

/* Loads the next 32 deltas (min delta added) into d->chunk. */
static int load_chunk(struct dbp_dec *d)
{
	while (!d->in_block || d->mb_left == 0) {
		if (d->in_block && d->mb + 1 < d->nminiblocks) {
			d->mb++;
			d->mb_left = d->mb_size;
		} else {
			if (get_zigzag64(&d->p, d->end, &d->min_delta))
				return -1;
			if ((size_t)(d->end - d->p) < d->nminiblocks)
				return -1;
			memcpy(d->widths, d->p, d->nminiblocks);
			d->p += d->nminiblocks;
			d->mb = 0;
			d->mb_left = d->mb_size;
			d->in_block = true;
		}
		if (d->widths[d->mb] > 64)
			return -1;
		d->mb_data = d->p;
	}
	int bw = d->widths[d->mb];
	size_t bytes = (size_t)bw * 4; /* 32 values */
	size_t avail = (size_t)(d->end - d->p);
	uint8_t tmp[64 * 4 + 16];
	memset(tmp, 0, sizeof tmp);
	memcpy(tmp, d->p, bytes < avail ? bytes : avail);
	/* Only the values still to hand out must be present; a writer may end
	 * the data right after them. */
	uint64_t need = d->left < 32 ? d->left : 32;
	if ((uint64_t)avail * 8 < need * (uint64_t)bw)
		return -1;
	d->p += bytes < avail ? bytes : avail;
	uint64_t mask = bw == 64 ? ~(uint64_t)0 : (((uint64_t)1 << bw) - 1);
	for (int i = 0; i < 32; i++) {
		uint64_t bit = (uint64_t)i * (uint64_t)bw;
		size_t byte = (size_t)(bit >> 3);
		int sh = (int)(bit & 7);
		uint64_t v = bw ? load64(tmp + byte) >> sh : 0;
		if (sh && sh + bw > 64)
			v |= (uint64_t)tmp[byte + 8] << (64 - sh);
		d->chunk[i] = (v & mask) + d->min_delta;
	}
	d->chunk_pos = 0;
	d->mb_left -= 32;
	return 0;
}

#define DBP_GET(T)                                                          \
	do {                                                                \
		if (n > d->left)                                            \
			return -1;                                          \
		size_t i = 0;                                               \
		if (n && d->first) {                                        \
			out[i++] = (T)d->last;                              \
			d->first = false;                                   \
			d->left--;                                          \
		}                                                           \
		while (i < n) {                                             \
			if (d->chunk_pos == 32 || !d->in_block) {           \
				if (load_chunk(d))                          \
					return -1;                          \
			}                                                   \
			uint64_t last = d->last;                            \
			size_t k = 32 - d->chunk_pos;                       \
			if (k > n - i)                                      \
				k = n - i;                                  \
			const uint64_t *c = d->chunk + d->chunk_pos;        \
			for (size_t j = 0; j < k; j++) {                    \
				last += c[j];                               \
				out[i + j] = (T)last;                       \
			}                                                   \
			d->last = last;                                     \
			d->chunk_pos += (uint32_t)k;                        \
			d->left -= k;                                       \
			i += k;                                             \
		}                                                           \
		return 0;                                                   \
	} while (0)

int dbp_get_i64(struct dbp_dec *d, int64_t *out, size_t n)
{
	DBP_GET(int64_t);
}

int dbp_get_i32(struct dbp_dec *d, int32_t *out, size_t n)
{
	DBP_GET(int32_t);
}

const uint8_t *dbp_end(struct dbp_dec *d)
{
	/* Blocks are whole on disk except for their unused miniblocks, whose
	 * data is absent: the stream ends after the current miniblock. */
	if (d->in_block && d->mb_left > 0) {
		size_t rest = (size_t)d->mb_left / 32 * d->widths[d->mb] * 4;
		size_t avail = (size_t)(d->end - d->p);
		return d->p + (rest < avail ? rest : avail);
	}
	return d->p;
}

/* ---------------------------------------------------------------- encoder */

int pq_put_uvarint(struct buf *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;
	while (v >= 0x80) {
		tmp[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	tmp[n++] = (uint8_t)v;
	return buf_add(b, tmp, n);
}

/* Bit-packs n values as one run of ceil(n / 8) groups; a short last group
 * is padded with zeros (only the stream's last run may be short). */
#define PUT_PACKED(name, T)                                                        \
	static int name(struct buf *b, const T *v, size_t n, int bw)               \
	{                                                                          \
		size_t groups = (n + 7) / 8, bytes = groups * (size_t)bw;          \
		if (n == 0)                                                        \
			return 0;                                                  \
		if (pq_put_uvarint(b, (uint64_t)groups << 1 | 1) || buf_reserve(b, bytes + 8)) \
			return -1;                                                 \
		uint8_t *start = (uint8_t *)b->data + b->len, *o = start;          \
		uint64_t acc = 0;                                                  \
		int nb = 0;                                                        \
		for (size_t i = 0; i < n; i++) {                                   \
			acc |= (uint64_t)v[i] << nb;                               \
			nb += bw;                                                  \
			if (nb >= 32) {                                            \
				uint32_t w32 = (uint32_t)acc;                      \
				memcpy(o, &w32, 4);                                \
				o += 4;                                            \
				acc >>= 32;                                        \
				nb -= 32;                                          \
			}                                                          \
		}                                                                  \
		for (; nb > 0; nb -= 8, acc >>= 8)                                 \
			*o++ = (uint8_t)acc;                                       \
		if ((size_t)(o - start) < bytes)                                   \
			memset(o, 0, bytes - (size_t)(o - start));                 \
		b->len += bytes;                                                   \
		b->data[b->len] = 0;                                               \
		return 0;                                                          \
	}
PUT_PACKED(put_packed_u8, uint8_t)
PUT_PACKED(put_packed_u32, uint32_t)

static int put_repeat(struct buf *b, uint32_t value, size_t count, int bw)
{
	uint8_t tmp[4];
	int nb = (bw + 7) / 8;
	for (int i = 0; i < nb; i++)
		tmp[i] = (uint8_t)(value >> (8 * i));
	return pq_put_uvarint(b, (uint64_t)count << 1) || buf_add(b, tmp, (size_t)nb) ? -1 : 0;
}

/* Runs of 8 or more equal values become repeated runs; everything between
 * is bit-packed straight from v. A literal stretch must be a multiple of 8
 * long unless it ends the stream, so it borrows up to 7 values from the
 * run that follows it. */
#define RLE_ENCODE(T, packer)                                                      \
	do {                                                                       \
		size_t lit = 0, i = 0;                                             \
		while (i < n) {                                                    \
			T x = v[i];                                                \
			size_t r = 1;                                              \
			while (i + r < n && v[i + r] == x)                         \
				r++;                                               \
			size_t borrow = (8 - (i - lit) % 8) % 8;                   \
			if (r >= 8 + borrow) {                                     \
				if (packer(b, v + lit, i - lit + borrow, bw) ||    \
				    put_repeat(b, x, r - borrow, bw))              \
					return -1;                                 \
				lit = i + r;                                       \
			}                                                          \
			i += r;                                                    \
		}                                                                  \
		return packer(b, v + lit, n - lit, bw);                            \
	} while (0)

int rle_encode_u8(struct buf *b, const uint8_t *v, size_t n, int bw)
{
	RLE_ENCODE(uint8_t, put_packed_u8);
}

int rle_encode_u32(struct buf *b, const uint32_t *v, size_t n, int bw)
{
	RLE_ENCODE(uint32_t, put_packed_u32);
}
