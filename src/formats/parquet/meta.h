/* meta.h — Parquet's Thrift structures (parquet.thrift) as nuage keeps them:
 * FileMetaData with its schema, row groups and column chunks, and page
 * headers. Parsed by meta.c with the bounded decoder in thrift.c and written
 * back by the same file for the writer.
 *
 * Invariants after pq_meta_parse() succeeds:
 *  1. All memory lives in the given arena; strings are NUL-terminated copies
 *     and binary statistics point into the arena too (never at the caller's
 *     footer buffer, which may be freed).
 *  2. Every row group has exactly `ncols_leaf` column chunks, one per schema
 *     leaf, and every chunk has its ColumnMetaData (encrypted or externally
 *     stored chunks are rejected at parse time with a clear message).
 *  3. Counts are non-negative; offsets and sizes are not yet checked against
 *     the file length (the reader does that, it knows the length).
 */
#ifndef NUAGE_FORMATS_PARQUET_META_H
#define NUAGE_FORMATS_PARQUET_META_H

#include "core/arena.h"
#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* parquet.thrift enums (values are the wire values). */
enum pq_phys { PQ_BOOLEAN, PQ_INT32, PQ_INT64, PQ_INT96, PQ_FLOAT, PQ_DOUBLE, PQ_BYTE_ARRAY, PQ_FIXED };
enum pq_rep { PQ_REQUIRED, PQ_OPTIONAL, PQ_REPEATED };
enum pq_conv {
	PQC_NONE = -1,
	PQC_UTF8 = 0,
	PQC_MAP = 1,
	PQC_MAP_KEY_VALUE = 2,
	PQC_LIST = 3,
	PQC_ENUM = 4,
	PQC_DECIMAL = 5,
	PQC_DATE = 6,
	PQC_TIME_MILLIS = 7,
	PQC_TIME_MICROS = 8,
	PQC_TIMESTAMP_MILLIS = 9,
	PQC_TIMESTAMP_MICROS = 10,
	PQC_UINT_8 = 11,
	PQC_UINT_16 = 12,
	PQC_UINT_32 = 13,
	PQC_UINT_64 = 14,
	PQC_INT_8 = 15,
	PQC_INT_16 = 16,
	PQC_INT_32 = 17,
	PQC_INT_64 = 18,
	PQC_JSON = 19,
	PQC_BSON = 20,
	PQC_INTERVAL = 21,
};
/* LogicalType union members (field ids). */
enum pq_logical {
	PQL_NONE = 0,
	PQL_STRING = 1,
	PQL_MAP = 2,
	PQL_LIST = 3,
	PQL_ENUM = 4,
	PQL_DECIMAL = 5,
	PQL_DATE = 6,
	PQL_TIME = 7,
	PQL_TIMESTAMP = 8,
	PQL_INTEGER = 10,
	PQL_UNKNOWN = 11,
	PQL_JSON = 12,
	PQL_BSON = 13,
	PQL_UUID = 14,
	PQL_FLOAT16 = 15,
	PQL_VARIANT = 16,
	PQL_GEOMETRY = 17,
	PQL_GEOGRAPHY = 18,
	PQL_OTHER = 99, /* a member this reader does not know */
};
enum pq_unit { PQU_MILLIS = 1, PQU_MICROS = 2, PQU_NANOS = 3 };
enum pq_codec_id { PQZ_NONE, PQZ_SNAPPY, PQZ_GZIP, PQZ_LZO, PQZ_BROTLI, PQZ_LZ4, PQZ_ZSTD, PQZ_LZ4_RAW };
enum pq_encoding {
	PQE_PLAIN = 0,
	PQE_PLAIN_DICTIONARY = 2,
	PQE_RLE = 3,
	PQE_BIT_PACKED = 4,
	PQE_DELTA_BINARY_PACKED = 5,
	PQE_DELTA_LENGTH_BYTE_ARRAY = 6,
	PQE_DELTA_BYTE_ARRAY = 7,
	PQE_RLE_DICTIONARY = 8,
	PQE_BYTE_STREAM_SPLIT = 9,
};
enum pq_page_type { PQP_DATA = 0, PQP_INDEX = 1, PQP_DICTIONARY = 2, PQP_DATA_V2 = 3 };

struct pq_logical_type {
	int kind; /* enum pq_logical */
	bool utc;
	int unit;       /* enum pq_unit, TIME/TIMESTAMP */
	int bit_width;  /* INTEGER */
	bool is_signed; /* INTEGER */
	int32_t scale, precision; /* DECIMAL */
};

struct pq_selem {
	char *name;
	int type;       /* enum pq_phys, or -1 for a group */
	int32_t type_length;
	int repetition; /* enum pq_rep, or -1 when absent (the root) */
	int32_t num_children;
	int converted;  /* enum pq_conv */
	bool has_scale, has_precision;
	int32_t scale, precision;
	struct pq_logical_type logical;
};

struct pq_statistics {
	bool has_null_count, has_distinct;
	int64_t null_count, distinct_count;
	/* min_value/max_value (new, sort-order correct) and min/max (old,
	 * signed byte order) kept apart: which to trust depends on the type. */
	const uint8_t *min_value, *max_value, *min, *max;
	uint32_t min_value_len, max_value_len, min_len, max_len;
	bool has_min_value, has_max_value, has_min, has_max;
	bool has_min_exact, has_max_exact, min_exact, max_exact;
};

struct pq_column_meta {
	int type;
	int codec;
	int64_t num_values;
	int64_t total_uncompressed_size, total_compressed_size;
	int64_t data_page_offset;
	bool has_dictionary_page_offset;
	int64_t dictionary_page_offset;
	bool has_statistics;
	struct pq_statistics stats;
};

struct pq_row_group {
	int64_t num_rows;
	int64_t total_byte_size;
	struct pq_column_meta *cols; /* ncols_leaf entries */
};

struct pq_file_meta {
	int32_t version;
	int nschema;
	struct pq_selem *schema;
	int ncols_leaf; /* schema elements without children */
	int64_t num_rows;
	int nrow_groups;
	struct pq_row_group *row_groups;
	int nkv;
	char **kv_keys, **kv_values;
	char *created_by;
};

struct pq_page_header {
	int32_t type;
	int32_t uncompressed_size, compressed_size;
	int32_t num_values;
	int32_t encoding;
	int32_t def_encoding, rep_encoding;  /* v1 */
	int32_t num_nulls, num_rows;          /* v2 */
	int32_t def_len, rep_len;             /* v2: level bytes, never compressed */
	bool is_compressed;                   /* v2 (default true) */
	bool has_data, has_dict, has_v2;
};

/* Parses FileMetaData from the footer bytes into `a`. Memory handed out
 * from `a` during the parse is limited to `budget` bytes so a small hostile
 * footer cannot demand gigabytes. Returns 0, or -1 with a sentence in *why
 * (static storage) and the failing byte offset in *at. */
int pq_meta_parse(struct pq_file_meta *m, struct arena *a, const void *p, size_t n, size_t budget,
		  const char **why, size_t *at);
/* Parses one page header; *used is its encoded length. Returns 0, 1 when
 * the bytes end before the header does (read more and retry), -1 when the
 * header is malformed (*why set). */
int pq_page_header_parse(struct pq_page_header *h, const void *p, size_t n, size_t *used, const char **why);

/* Writer side: encode a page header / the whole FileMetaData (from the same
 * structs) into b. Return 0, or -1 when b's cap is reached. Statistics of
 * column chunks are written when has_statistics is set. */
int pq_page_header_write(struct buf *b, const struct pq_page_header *h);
struct pq_meta_out_column {
	const char *path; /* top-level field name (flat schemas only) */
	int encodings[4];
	int nencodings;
};
int pq_meta_write(struct buf *b, const struct pq_file_meta *m, const struct pq_meta_out_column *cols);

#endif
