/* fuzz_parquet.c — libFuzzer driver: the input is a whole Parquet file
 * (given to the reader through a memfd, as files on disk are), read end to
 * end with small batches, plus statistics and the nested-shape description
 * of every column. Seeds: tests/fuzz/corpus/parquet/. */
#include "formats/parquet.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz.parquet", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	struct pq_reader *r;
	struct fmt_error err;
	if (pq_reader_open_fd(&r, fd, "fuzz", NULL, &err) == 0) {
		const struct schema *s = pq_reader_schema(r);
		for (int c = 0; c < s->nfields; c++) {
			struct pq_stats st;
			(void)pq_reader_node(r, c);
			for (int g = 0; g < pq_reader_num_row_groups(r) && g < 4; g++)
				(void)pq_reader_stats(r, g, c, &st);
		}
		struct batch *b = batch_new(s, 97);
		/* Real files may hold billions of null rows in a few bytes; stop
		 * after a bound so one input cannot run for minutes. */
		size_t rows = 0;
		while (rows < 200000 && pq_reader_next(r, b, &err) == 1)
			rows += b->nrows;
		batch_free(b);
		pq_reader_close(r);
	}
	close(fd);
	return 0;
}
