/* Fuzzes CloudWatch Logs filter patterns: the first line of the input is
 * the pattern, the rest the log event it is matched against. */
#include "svc/logs/filter.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	const uint8_t *nl = memchr(data, '\n', size);
	size_t pl = nl ? (size_t)(nl - data) : size;
	char *pattern = malloc(pl + 1);
	memcpy(pattern, data, pl);
	pattern[pl] = 0;
	struct logs_filter *f = NULL;
	char err[256];
	if (logs_filter_compile(pattern, &f, err, sizeof err) == 0) {
		const char *msg = nl ? (const char *)nl + 1 : "";
		size_t ml = nl ? size - pl - 1 : 0;
		logs_filter_match(f, msg, ml);
	}
	logs_filter_free(f);
	free(pattern);
	return 0;
}
