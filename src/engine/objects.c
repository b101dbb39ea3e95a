/* objects.c — see objects.h. One reader, set at start-up, read afterwards. */
#include "engine/objects.h"

#include <stdatomic.h>
#include <stdio.h>

static _Atomic(objects_open_fn) reader;

void objects_register(objects_open_fn fn)
{
	atomic_store(&reader, fn);
}

int objects_open(const char *account, const char *bucket, const char *key, const char *version, int *fd, int64_t *size,
		 struct objects_error *e)
{
	objects_open_fn fn = atomic_load(&reader);
	if (!fn) {
		snprintf(e->code, sizeof e->code, "ServiceUnavailable");
		snprintf(e->message, sizeof e->message, "no object store runs in this nuage");
		return -2;
	}
	return fn(account, bucket, key, version, fd, size, e);
}
