/* fuzz_csv_sniff.c — the CSV dialect sniffer (Glue and robust modes) on
 * hostile samples, and the reader on what the sniffer chose.
 *
 * First byte: bit 0 robust/glue, bit 1 complete sample, bits 2-7 hints.
 */
#include "formats/csv_sniff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t a = data[0];
	const char *p = (const char *)data + 1;
	size_t n = size - 1;
	bool complete = a & 2;
	struct csv_sniff_hint h = {0, -1, -1};
	if (a & 4)
		h.delim = (a & 8) ? ';' : '\t';
	if (a & 16)
		h.quote = a & 32 ? '\'' : 0;
	if (a & 64)
		h.header = a >> 7;
	struct csv_sniff s;
	int rc = csv_sniff(p, n, complete, a & 1 ? CSV_SNIFF_GLUE : CSV_SNIFF_ROBUST, &h, &s);
	if (rc == 0) {
		if (!s.is_csv || s.ncols < 1 || s.schema->nfields != s.ncols)
			abort();
		/* The sniffed dialect drives a reader over the same bytes. */
		struct csv_options o;
		csv_options_init(&o);
		csv_sniff_apply(&s, &o);
		o.ragged = CSV_RAGGED_PAD;
		struct source *src = source_from_mem(p, n, FMT_CODEC_NONE);
		struct csv_reader *r;
		struct fmt_error err;
		if (csv_reader_open(src, &o, s.schema, &r, &err) == 0) {
			struct batch *b = batch_new(s.schema, 64);
			while (csv_reader_next(r, b, &err) > 0)
				;
			batch_free(b);
			csv_reader_free(r);
		}
		source_close(src);
	} else if (s.is_csv || !s.why[0]) {
		abort();
	}
	csv_sniff_free(&s);
	return 0;
}
