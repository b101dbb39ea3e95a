/* libsnappy.c — the snappy functions Parquet's codec calls, forwarded to
 * libsnappy.so.1 opened at first use (core/dynlib.h): snappy is C++ and
 * would bring libstdc++ into every start. When the library cannot be
 * opened, the calls fail as on corrupt input. */
#include <snappy-c.h>

#include "core/dynlib.h"

static struct {
	snappy_status (*compress)(const char *, size_t, char *, size_t *);
	snappy_status (*uncompress)(const char *, size_t, char *, size_t *);
	size_t (*max_compressed_length)(size_t);
	snappy_status (*uncompressed_length)(const char *, size_t, size_t *);
} fn;

static const char *const names[] = {
	"snappy_compress", "snappy_uncompress", "snappy_max_compressed_length", "snappy_uncompressed_length", NULL,
};

static struct dynlib lib = {
	.soname = "libsnappy.so.1",
	.package = "libsnappy1v5",
	.symbols = names,
	.slots = (void **)&fn,
};

snappy_status snappy_compress(const char *in, size_t n, char *out, size_t *out_len)
{
	return dynlib_open(&lib) ? fn.compress(in, n, out, out_len) : SNAPPY_INVALID_INPUT;
}

snappy_status snappy_uncompress(const char *in, size_t n, char *out, size_t *out_len)
{
	return dynlib_open(&lib) ? fn.uncompress(in, n, out, out_len) : SNAPPY_INVALID_INPUT;
}

size_t snappy_max_compressed_length(size_t n)
{
	/* Needed before compressing: open here so a missing library shows up
	 * as the compression failing, not as a zero-sized buffer. */
	return dynlib_open(&lib) ? fn.max_compressed_length(n) : 32 + n + n / 6;
}

snappy_status snappy_uncompressed_length(const char *in, size_t n, size_t *len)
{
	return dynlib_open(&lib) ? fn.uncompressed_length(in, n, len) : SNAPPY_INVALID_INPUT;
}
