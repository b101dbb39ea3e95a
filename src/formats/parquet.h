/* parquet.h — Apache Parquet reader and writer over the columnar batch.
 *
 * Reading: pq_reader_open() reads and checks the footer (Thrift compact
 * FileMetaData) with pread; pq_reader_next() then fills one batch at a time,
 * decoding only the projected columns, one page at a time, so memory stays
 * bounded by (pages in flight + one batch) whatever the file size.
 *
 * Column mapping (Parquet → batch):
 *   BOOLEAN → COL_BOOL; INT32 → COL_INT32 (INT8/16 and UINT8/16 widened);
 *   UINT32 → COL_INT64; INT64 → COL_INT64 (UINT64 keeps its bits,
 *   field.is_unsigned set); FLOAT → COL_FLOAT; FLOAT16 → COL_FLOAT;
 *   DOUBLE → COL_DOUBLE; DECIMAL (int32/int64/fixed/binary) → COL_DECIMAL
 *   (precision <= 38; wider ones → COL_DOUBLE); STRING/UTF8/ENUM →
 *   COL_STRING; JSON → COL_JSON; UUID → COL_STRING (canonical 8-4-4-4-12
 *   text); other BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY → COL_BINARY; DATE →
 *   COL_DATE; TIMESTAMP → COL_TIMESTAMP (unit and utc from the logical type;
 *   the legacy TIMESTAMP_MILLIS/MICROS converted types → not utc, as engines
 *   show them); INT96 → COL_TIMESTAMP in micros, not utc (as Spark and
 *   DuckDB read it); TIME → COL_TIME.
 *   A top-level field that is a group or is repeated (lists, structs, maps,
 *   legacy 2-level lists, repeated primitives) → COL_JSON: one JSON text
 *   value per row, following the Parquet nesting faithfully:
 *     list → array, struct → object (field names in schema order),
 *     map → object (key rendered as text: strings as is, other types as
 *           their JSON scalar text), null → null.
 *   Leaf values inside JSON: booleans, integers and decimals (exact, with
 *   their scale: 1.00) are JSON numbers; float/double are the shortest text
 *   that round-trips, NaN/Infinity/-Infinity as strings; strings as strings;
 *   binary as base64 strings; UUID canonical text; DATE "YYYY-MM-DD";
 *   TIMESTAMP "YYYY-MM-DDTHH:MM:SS[.f]" with a trailing "Z" when utc;
 *   TIME "HH:MM:SS[.f]" (fraction digits as the unit gives, trailing zeros
 *   dropped). pq_reader_node() describes the tree so a consumer can map the
 *   JSON back to types (Glue type strings, DuckDB-style rendering).
 *
 * Writing: pq_writer_open() takes a flat schema; each pq_writer_write()
 * appends a batch; row groups are cut by rows or bytes; pq_writer_close()
 * writes the footer. Bytes go out through a callback (or an fd) in order,
 * never seeking, so output can stream to a temp file or a socket.
 * Column mapping (batch → Parquet): COL_BOOL BOOLEAN; COL_INT32 INT32;
 * COL_INT64 INT64 (UINT_64 when is_unsigned); COL_FLOAT FLOAT; COL_DOUBLE
 * DOUBLE; COL_DECIMAL INT32/INT64 for precision <= 9/18, else
 * FIXED_LEN_BYTE_ARRAY; COL_STRING BYTE_ARRAY STRING; COL_BINARY BYTE_ARRAY;
 * COL_JSON BYTE_ARRAY JSON; COL_DATE INT32 DATE; COL_TIMESTAMP INT64
 * TIMESTAMP(unit, utc) (TS_SECONDS is written as millis); COL_TIME INT64
 * TIME(unit) (INT32 for millis).
 *
 * Errors: every function returning int gives 0 (or a count) on success and a
 * negative value on failure, with err (may be NULL) filled: file, offset in
 * the file when known, column_name when a column is at fault, and msg.
 */
#ifndef NUAGE_FORMATS_PARQUET_H
#define NUAGE_FORMATS_PARQUET_H

#include "formats/batch.h"
#include "formats/fmt_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when the first bytes look like a Parquet file ("PAR1"). */
bool pq_sniff(const void *head, size_t n);

/* ---------------------------------------------------------------- reader */

struct pq_reader; /* opaque */

struct pq_read_opts {
	/* Top-level column names to read, in the order the batch schema will
	 * have them; NULL/0 reads every column in file order. Columns not named
	 * are never read from disk nor decompressed. An unknown name is an
	 * error. */
	const char *const *columns;
	int ncolumns;
	/* Largest footer accepted (0: 64 MiB). A footer is read whole. */
	size_t max_footer;
};

/* Opens `fd` for reading: the caller keeps ownership of fd and must keep it
 * open until pq_reader_close(). `name` (may be NULL) is what errors call the
 * file. opts may be NULL. On success *out is a reader the caller frees with
 * pq_reader_close(); on failure *out is NULL. */
int pq_reader_open_fd(struct pq_reader **out, int fd, const char *name, const struct pq_read_opts *opts,
		      struct fmt_error *err);
/* Same on a path; the reader owns and closes the file. */
int pq_reader_open(struct pq_reader **out, const char *path, const struct pq_read_opts *opts, struct fmt_error *err);
void pq_reader_close(struct pq_reader *r);

/* The batch schema of the projected columns (owned by the reader, valid
 * until pq_reader_close). Make batches for pq_reader_next with it. */
const struct schema *pq_reader_schema(const struct pq_reader *r);
int64_t pq_reader_num_rows(const struct pq_reader *r);
int pq_reader_num_row_groups(const struct pq_reader *r);
int64_t pq_reader_row_group_rows(const struct pq_reader *r, int rg);
const char *pq_reader_created_by(const struct pq_reader *r); /* "" if absent */

/* Key-value metadata of the file: count, then each pair (value may be NULL).
 * Strings are owned by the reader. */
int pq_reader_kv_count(const struct pq_reader *r);
void pq_reader_kv(const struct pq_reader *r, int i, const char **key, const char **value);

/* Restricts reading to the listed row groups, in that order (for pruning
 * with statistics). Must be called before the first pq_reader_next(). */
int pq_reader_select_row_groups(struct pq_reader *r, const int *rgs, int n, struct fmt_error *err);

/* Clears b and fills it with the next rows (at most b->cap; fewer at the end
 * of a row group or when a batch's variable-width bytes would pass 1 GiB).
 * b must have been made with pq_reader_schema(r). Returns 1 when rows were
 * produced, 0 at the end of the file, negative on error (the reader is then
 * unusable except for pq_reader_close). */
int pq_reader_next(struct pq_reader *r, struct batch *b, struct fmt_error *err);

/* The shape of projected column `col` (an index into pq_reader_schema). */
enum pq_kind { PQ_LEAF, PQ_STRUCT, PQ_LIST, PQ_MAP };
struct pq_node {
	enum pq_kind kind;
	const char *name;
	bool nullable;      /* the value (field, element, map value) may be null */
	struct field leaf;  /* PQ_LEAF: type as a flat column would carry it */
	int nchildren;      /* STRUCT: fields; LIST: 1 (element); MAP: 2 (key, value) */
	const struct pq_node *children;
};
const struct pq_node *pq_reader_node(const struct pq_reader *r, int col);

/* Column-chunk statistics of projected column `col` in row group `rg`.
 * Only flat (non-JSON) columns have them. min/max are in the column's
 * batch representation: fixed-width types in the union member matching the
 * type (bool in b, INT32/DATE in i32, INT64/TIMESTAMP/TIME in i64, FLOAT in
 * f32, DOUBLE in f64, DECIMAL in dec), variable-width in min_bytes/max_bytes
 * (owned by the reader). Returns 0 and fills *st, or -1 when rg/col are out
 * of range or the column is nested (st then says nothing is known). */
struct pq_stats {
	bool has_null_count;
	int64_t null_count;
	int64_t num_values;  /* values in the chunk, nulls included */
	bool has_min_max;
	bool min_exact, max_exact; /* false when a writer truncated them */
	union pq_scalar {
		bool b;
		int32_t i32;
		int64_t i64;
		float f32;
		double f64;
		__int128 dec;
	} min, max;
	const char *min_bytes, *max_bytes;
	size_t min_len, max_len;
};
int pq_reader_stats(const struct pq_reader *r, int rg, int col, struct pq_stats *st);

/* ---------------------------------------------------------------- writer */

struct pq_writer; /* opaque */

enum pq_codec {
	PQ_CODEC_DEFAULT = 0, /* SNAPPY */
	PQ_CODEC_NONE,
	PQ_CODEC_SNAPPY,
	PQ_CODEC_GZIP,
	PQ_CODEC_ZSTD,
	PQ_CODEC_LZ4_RAW,
};
/* "none"/"uncompressed", "snappy", "gzip", "zstd", "lz4" / "lz4_raw"
 * (case-insensitive); -1 when unknown. */
int pq_codec_parse(const char *name, enum pq_codec *out);

/* Zero means "default" for every field, so `struct pq_write_opts o = {0}`
 * gives snappy, 1 Mi rows or 128 MiB per row group, 1 MiB pages,
 * dictionaries up to 1 MiB, data page v1, statistics on. */
struct pq_write_opts {
	enum pq_codec codec;
	int level;               /* codec level (gzip 1-9, zstd 1-22); 0: codec default */
	size_t row_group_rows;   /* cut a row group after this many rows */
	size_t row_group_bytes;  /* ... or once its encoded size passes this */
	size_t page_bytes;       /* target size of a data page before compression */
	size_t dict_max_bytes;   /* a column's dictionary past this falls back to PLAIN */
	bool no_dictionary;      /* PLAIN only */
	bool page_v2;            /* DataPageV2 headers instead of v1 */
	bool no_statistics;
	int nkv;                 /* key-value metadata written in the footer */
	const char *const *kv_keys;
	const char *const *kv_values; /* entries may be NULL */
};

/* Receives the file's bytes in order; returns 0, or negative to stop the
 * writer (the error then says the write failed). */
typedef int (*pq_write_fn)(void *ctx, const void *p, size_t n);

/* Starts a file of schema s (copied; every field must be a flat type, which
 * all col_types are: COL_JSON is written as JSON text). The magic bytes are
 * written at once. On success *out is a writer finished by pq_writer_close()
 * or dropped by pq_writer_abort(). */
int pq_writer_open(struct pq_writer **out, const struct schema *s, const struct pq_write_opts *opts, pq_write_fn fn,
		   void *ctx, struct fmt_error *err);
/* Same, writing to fd with write(2) (fd stays the caller's). */
int pq_writer_open_fd(struct pq_writer **out, const struct schema *s, const struct pq_write_opts *opts, int fd,
		      struct fmt_error *err);
/* Appends b's rows (b's schema must match the writer's field for field). */
int pq_writer_write(struct pq_writer *w, const struct batch *b, struct fmt_error *err);
int64_t pq_writer_rows(const struct pq_writer *w);
/* Flushes the last row group, writes the footer and frees w (also on error). */
int pq_writer_close(struct pq_writer *w, struct fmt_error *err);
/* Frees w without finishing the file. */
void pq_writer_abort(struct pq_writer *w);

#endif
