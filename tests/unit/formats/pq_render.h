/* pq_render.h — test helper: renders batch values the way DuckDB 1.5 casts
 * them to VARCHAR (the conformance expectations), and reads the expected
 * CSV files (header, every field quoted, NULL an empty unquoted field).
 * Written independently of the reader's own formatting code, so a test
 * comparing the two checks both. */
#ifndef NUAGE_TESTS_PQ_RENDER_H
#define NUAGE_TESTS_PQ_RENDER_H

#include "formats/batch.h"
#include "formats/parquet.h"

#include <stdbool.h>
#include <stddef.h>

/* Renders row `row` of column `col` (described by node, which may be NULL
 * for flat columns: then field f is used). Returns a malloc'd string the
 * caller frees, or NULL for a SQL NULL. On a malformed nested value returns
 * a string starting with "<render error". */
char *pqr_render(const struct field *f, const struct pq_node *node, const struct column *col, size_t row);

/* An expected CSV: rows[r][c] is a malloc'd string or NULL (SQL NULL);
 * row 0 is the header. */
struct pqr_csv {
	size_t nrows, ncols;
	char ***rows;
};
int pqr_csv_load(const char *path, struct pqr_csv *out);
void pqr_csv_free(struct pqr_csv *c);

/* DuckDB's text for doubles and floats (Python-repr style). */
void pqr_double(char *out, size_t cap, double v);
void pqr_float(char *out, size_t cap, float v);

#endif
