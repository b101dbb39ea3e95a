/* encoding.h — Parquet's integer encodings: the RLE / bit-packing hybrid
 * (levels, dictionary indices, booleans), legacy BIT_PACKED levels and
 * DELTA_BINARY_PACKED (integers, and the lengths inside the two DELTA byte
 * array encodings); plus the RLE hybrid encoder the writer uses.
 *
 * Decoder invariants: never read past the given end; a stream that ends
 * before the values asked for is an error (-1), except that the last
 * bit-packed run may be shorter than its header claims (writers pad it, but
 * some truncate): its missing values are an error only if asked for.
 */
#ifndef NUAGE_FORMATS_PARQUET_ENCODING_H
#define NUAGE_FORMATS_PARQUET_ENCODING_H

#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rle_dec {
	const uint8_t *p, *end;
	int bw;
	uint32_t mask;
	uint32_t run_left;   /* values left in the current run */
	bool packed;         /* current run is bit-packed (else repeated) */
	uint32_t value;      /* repeated run's value */
	const uint8_t *bp;   /* bit-packed run: its bytes */
	size_t bp_len;
	uint64_t bp_bit;     /* next bit to read in bp */
};

/* bw 0..32. A stream for bw 0 needs no bytes: every value is 0. */
int rle_dec_init(struct rle_dec *d, const uint8_t *p, size_t n, int bw);
int rle_dec_u32(struct rle_dec *d, uint32_t *out, size_t n);
int rle_dec_u8(struct rle_dec *d, uint8_t *out, size_t n); /* bw <= 8 */
/* Levels: like rle_dec_u8, also counting the values equal to `match` and
 * giving the largest value seen (repeated runs cost O(1) for both). */
int rle_dec_levels(struct rle_dec *d, uint8_t *out, size_t n, uint8_t match, size_t *count, uint8_t *hi);
/* Skips n values. */
int rle_dec_skip(struct rle_dec *d, size_t n);

/* Legacy BIT_PACKED levels (most significant bit first, no header). */
int bitpacked_msb_u8(const uint8_t *p, size_t len, int bw, uint8_t *out, size_t n);

/* Bits needed for values 0..max. */
int pq_bit_width(uint64_t max);

struct dbp_dec {
	const uint8_t *p, *end;
	uint32_t block_size, nminiblocks, mb_size;
	uint64_t left;        /* values still to hand out, first value included */
	bool first;           /* the header's first value is next */
	uint64_t last;
	uint64_t min_delta;
	uint8_t widths[256];
	uint32_t mb;          /* current miniblock in the block */
	uint32_t mb_left;     /* values left in the current miniblock */
	const uint8_t *mb_data;
	uint64_t chunk[32];   /* decoded deltas of the current 32-value chunk */
	uint32_t chunk_pos;
	bool in_block;
};

/* Reads the header. Returns 0 or -1 (malformed). */
int dbp_init(struct dbp_dec *d, const uint8_t *p, size_t n);
uint64_t dbp_count(const struct dbp_dec *d); /* values the header announces, left to read */
int dbp_get_i64(struct dbp_dec *d, int64_t *out, size_t n);
int dbp_get_i32(struct dbp_dec *d, int32_t *out, size_t n);
/* Where the encoded values end, once all of them have been read. */
const uint8_t *dbp_end(struct dbp_dec *d);

/* Appends v as an unsigned LEB128 varint (Thrift and the RLE run headers
 * both use it); -1 when b's cap is reached. */
int pq_put_uvarint(struct buf *b, uint64_t v);

/* RLE hybrid encoder: appends the encoding of n values of width bw to b.
 * Returns 0, or -1 when b's cap is reached. */
int rle_encode_u8(struct buf *b, const uint8_t *v, size_t n, int bw);
int rle_encode_u32(struct buf *b, const uint32_t *v, size_t n, int bw);

#endif
