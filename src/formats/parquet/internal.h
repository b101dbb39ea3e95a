/* internal.h — what the reader's parts share: the resolved schema (leaves,
 * top-level fields, the assembly tree of nested fields), the per-leaf page
 * cursor and the staging area nested leaves fill before assembly.
 *
 * Invariants:
 *  1. Schema depth is capped (PQ_MAX_DEPTH), so definition and repetition
 *     levels fit a byte and the assembly recursion is bounded.
 *  2. A cursor reads only its own column chunk's byte range, one page at a
 *     time; buffers are reused across pages and row groups and capped.
 */
#ifndef NUAGE_FORMATS_PARQUET_INTERNAL_H
#define NUAGE_FORMATS_PARQUET_INTERNAL_H

#include "formats/batch.h"
#include "formats/parquet.h"
#include "formats/parquet/codec.h"
#include "formats/parquet/encoding.h"
#include "formats/parquet/meta.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PQ_MAX_DEPTH 64
#define PQ_MAX_PAGE (256u << 20)           /* compressed or not */
#define PQ_MAX_BATCH_BYTES ((size_t)1 << 30) /* variable-width bytes per batch column */
#define PQ_MAX_STAGE_ENTRIES ((size_t)16 << 20)
/* Levels of a page are decoded whole, one byte each: a page claiming more
 * entries than this is refused rather than trusted with memory. */
#define PQ_MAX_PAGE_VALUES ((size_t)16 << 20)

/* How a leaf's physical values become its batch type. */
enum pq_conv_kind {
	CV_ID,        /* same representation (memcpy-able, or bytes as bytes) */
	CV_U32,       /* INT32 bits as unsigned → int64 */
	CV_I32_I64,   /* INT32 → int64 (TIME millis) */
	CV_I32_DEC,   /* INT32 → decimal */
	CV_I64_DEC,   /* INT64 → decimal */
	CV_BIN_DEC,   /* big-endian two's complement bytes → decimal */
	CV_BIN_DBL,   /* big-endian decimal wider than 38 digits → double */
	CV_INT96,     /* Impala/Spark INT96 → timestamp micros */
	CV_F16,       /* FLOAT16 (2 bytes) → float */
	CV_UUID,      /* 16 bytes → canonical text */
};

struct pq_leaf {
	int index;     /* in file order, = column chunk index */
	const struct pq_selem *e;
	int phys;
	int32_t type_length;
	int max_def, max_rep;
	struct field f; /* batch type of its values (name borrowed from e) */
	int conv;       /* enum pq_conv_kind */
	int top;        /* index of its top-level field */
};

/* Assembly tree of a nested field (see assemble.c for the algorithm). */
struct pq_anode {
	int kind;      /* enum pq_kind */
	int def;       /* the value is present (not null) iff def level >= def */
	bool nullable;
	int rep;       /* LIST/MAP: repetition level of its repeated group */
	int elem_def;  /* LIST/MAP: an element exists iff def level >= elem_def */
	int leaf;      /* LEAF: leaf column index */
	int first_leaf, end_leaf; /* leaves under this node: [first, end) */
	int nkids;
	struct pq_anode *kids; /* STRUCT fields; LIST element; MAP key, value */
	const char *name;
};

struct pq_top {
	const char *name;
	bool nested;
	int leaf_begin, leaf_end;
	struct pq_anode *root; /* nested only */
	struct pq_node *node;  /* public description */
};

struct pq_schema_info {
	int nleaves;
	struct pq_leaf *leaves;
	int ntop;
	struct pq_top *tops;
};

/* Resolves m's flat schema list into leaves and top-level fields; memory
 * from a. Returns 0 or -1 with *why. */
int pq_schema_build(struct pq_schema_info *s, const struct pq_file_meta *m, struct arena *a, const char **why);
/* Whether batches of a and b hold the same column types, field for field. */
bool pq_same_types(const struct schema *a, const struct schema *b);
/* Batch field for a leaf's logical type; sets *conv. */
void pq_leaf_field(const struct pq_selem *e, struct field *f, int *conv);

/* Values of one nested leaf for the rows of one batch: entries (levels),
 * and the present values densely in batch representation. */
struct pq_stage {
	const struct pq_leaf *leaf;
	uint8_t *def, *rep;
	size_t n, cap;        /* entries */
	struct column vals;   /* type = leaf's batch type */
	size_t nvals, vcap;
	size_t pos, vpos;     /* assembly cursors */
};

/* Growable buffer with a cap, for pages and scratch. */
struct pq_bytes {
	uint8_t *p;
	size_t len, cap;
};

struct pq_col {
	const struct pq_leaf *leaf;
	int fd;
	struct pq_codecs *codecs;
	int codec;
	int64_t pos, end;       /* next page header / end of the chunk */
	int64_t hard_end;       /* pages may overrun `end` up to here (see column.c) */
	int64_t values_left;    /* entries the chunk still owes */
	/* read window over the file */
	struct pq_bytes win;
	int64_t win_off;
	size_t win_max;
	/* decompressed page */
	struct pq_bytes page;
	/* dictionary, converted to the batch type */
	struct column dict;
	size_t dict_n, dict_cap, dict_bytes;
	bool has_dict;
	/* the current data page */
	int32_t entries, epos;  /* levels in the page, and consumed */
	bool dense;             /* every entry of the page is a present value */
	size_t page_entries;    /* entries of the page being set up */
	struct pq_bytes defs, reps;
	int encoding;
	const uint8_t *vp, *vend; /* value bytes */
	size_t nonnull_left;    /* values (not nulls) left to decode in the page */
	struct rle_dec idx;     /* dictionary indices */
	struct dbp_dec dbp;     /* DELTA_BINARY_PACKED values */
	/* DELTA_LENGTH / DELTA_BYTE_ARRAY: all lengths of the page up front */
	struct pq_bytes lens, prefixes;
	size_t delta_i;
	struct pq_bytes last;   /* DELTA_BYTE_ARRAY: previous value */
	size_t bss_i, bss_n;    /* BYTE_STREAM_SPLIT position and count */
	int bool_bit;           /* PLAIN booleans: next bit in *vp */
	struct rle_dec bools;   /* RLE booleans */
	/* scratch: physical values before conversion, indices */
	struct column phys;
	size_t phys_cap;
	struct pq_bytes scratch;
	/* error context */
	const char *why;
	int64_t err_off;
};

void pq_col_init(struct pq_col *c, const struct pq_leaf *leaf, int fd, struct pq_codecs *codecs, size_t win_max);
/* Positions c at a row group's chunk; [lo, hi) is where chunks may lie. */
int pq_col_start(struct pq_col *c, const struct pq_column_meta *m, int64_t lo, int64_t hi);
/* Flat column: n rows into dst rows [row0, row0 + n). */
int pq_col_read_flat(struct pq_col *c, struct column *dst, size_t row0, size_t n);
/* Nested leaf: the entries of the next n rows into st (appended). */
int pq_col_read_nested(struct pq_col *c, struct pq_stage *st, size_t n);
/* True when the chunk has no entries left. */
bool pq_col_done(struct pq_col *c);
void pq_col_free(struct pq_col *c);

/* Grows b to hold `need` bytes (at most cap); -1 past the cap. */
int pq_bytes_reserve(struct pq_bytes *b, size_t need, size_t cap);
/* Makes room for `extra` more bytes of variable-width data in c (capped at
 * PQ_MAX_BATCH_BYTES); -1 past the cap. */
int pq_col_data_reserve(struct column *c, size_t extra);
/* Converts n dense physical values (phys, of leaf's physical layout) into
 * dst at index at, in the leaf's batch type. */
void pq_convert(const struct pq_leaf *leaf, const struct column *phys, size_t n, struct column *dst, size_t at);

/* Builds one JSON text per row for nested top-level field t from the staged
 * leaves (stages indexed by leaf index), appended to out rows [row0, +n). */
int pq_assemble(const struct pq_top *t, struct pq_stage *stages, struct column *out, size_t row0, size_t n,
		const char **why);
void pq_stage_free(struct pq_stage *st);
void pq_stage_reset(struct pq_stage *st);

/* Text forms shared by the JSON assembler and statistics. */
size_t pq_fmt_date(char *out, int32_t days);
size_t pq_fmt_timestamp(char *out, int64_t v, int unit, bool utc, bool iso);
size_t pq_fmt_time(char *out, int64_t v, int unit);
size_t pq_fmt_decimal(char *out, __int128 v, int scale);
size_t pq_fmt_double(char *out, double v);
size_t pq_fmt_float(char *out, float v);

#endif
