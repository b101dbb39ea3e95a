/* Object readers: a registered reader answers; without one, -2. */
#include "unit.h"
#include "engine/objects.h"

#include <stdio.h>

static int fake(const char *account, const char *bucket, const char *key, const char *version, int *fd, int64_t *size,
		struct objects_error *e)
{
	(void)version;
	if (strcmp(account, "000000000000") || strcmp(bucket, "b")) {
		snprintf(e->code, sizeof e->code, "NoSuchBucket");
		return -1;
	}
	*fd = 42;
	*size = (int64_t)strlen(key);
	return 0;
}

TEST(objects_reader_registry)
{
	int fd = -1;
	int64_t size = 0;
	struct objects_error e;
	objects_register(NULL);
	CHECK(objects_open("000000000000", "b", "k", NULL, &fd, &size, &e) == -2);
	objects_register(fake);
	CHECK(objects_open("000000000000", "b", "abc", NULL, &fd, &size, &e) == 0);
	CHECK_INT(fd, 42);
	CHECK_INT(size, 3);
	CHECK(objects_open("000000000000", "other", "abc", NULL, &fd, &size, &e) == -1);
	CHECK_STR(e.code, "NoSuchBucket");
	objects_register(NULL);
}
