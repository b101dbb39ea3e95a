/* fuzz_thrift.c — libFuzzer driver for the Thrift compact decoder as the
 * Parquet reader uses it: the input is parsed as a FileMetaData footer (and
 * its schema resolved when that succeeds) and as a page header.
 * Seeds: tests/fuzz/corpus/thrift/ (footers and page headers). */
#include "core/arena.h"
#include "formats/parquet/internal.h"
#include "formats/parquet/meta.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	struct pq_file_meta m;
	const char *why;
	size_t at;
	arena_init(&a);
	if (pq_meta_parse(&m, &a, data, size, size * 32 + (1 << 20), &why, &at) == 0) {
		struct pq_schema_info si;
		(void)pq_schema_build(&si, &m, &a, &why);
	}
	arena_free(&a);
	struct pq_page_header h;
	(void)pq_page_header_parse(&h, data, size, &at, &why);
	return 0;
}
