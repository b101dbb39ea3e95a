/* Fuzzes the zip reader: open, normalize every name, extract every entry
 * into a bounded sink under a small unzipped-size budget, and check
 * symlink targets as Lambda's code store does. */
#include "formats/zip.h"

#include <stdint.h>
#include <string.h>

struct sink_buf {
	char data[1024];
	size_t len, total;
};

static int sink(void *arg, const void *p, size_t n)
{
	struct sink_buf *b = arg;
	size_t room = sizeof b->data - b->len;
	size_t k = n < room ? n : room;
	memcpy(b->data + b->len, p, k);
	b->len += k;
	b->total += n;
	return b->total > (1u << 22) ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zip_src s;
	zip_src_mem(&s, data, size);
	struct zip_limits lim = {.max_entries = 4096, .max_total = 1 << 24, .max_cd_bytes = 1 << 20};
	struct zip z;
	char err[160];
	if (zip_open(&z, &s, &lim, err, sizeof err) == 0) {
		int64_t budget = 1 << 22;
		for (uint32_t i = 0; i < z.n; i++) {
			char path[512];
			const struct zip_entry *e = &z.entries[i];
			int safe = zip_safe_path(e->name, e->name_len, path, sizeof path);
			struct sink_buf b = {.len = 0, .total = 0};
			if (zip_extract(&z, i, sink, &b, &budget, err, sizeof err) == 0 && safe == 1 && e->is_symlink)
				zip_symlink_inside(path, b.data, b.len);
		}
	}
	zip_close(&z);
	return 0;
}
