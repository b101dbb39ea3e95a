/* pq_testdata.h — test helper: a schema with every column type the writer
 * takes, and deterministic rows for it (nulls, extremes, unicode, long and
 * empty strings), for round-trip tests within nuage and with DuckDB. */
#ifndef NUAGE_TESTS_PQ_TESTDATA_H
#define NUAGE_TESTS_PQ_TESTDATA_H

#include "formats/batch.h"

#include <stdint.h>

/* Caller frees with schema_free. */
struct schema *pqt_schema(void);
/* Fills b (of pqt_schema) with n rows starting at row number `first`;
 * the same (first, n) always gives the same values. distinct bounds how
 * many different strings there are (small: dictionary-friendly). */
void pqt_fill(struct batch *b, size_t first, size_t n, unsigned distinct);
/* The value a column reads back as, when the writer changes its
 * representation (TS_SECONDS is written as millis). */
void pqt_expect_field(const struct field *written, struct field *read);

#endif
