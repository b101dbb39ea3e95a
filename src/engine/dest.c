/* dest.c — see dest.h. A fixed table filled at start-up, read afterwards. */
#include "engine/dest.h"
#include "core/log.h"

#include <stdio.h>
#include <string.h>

static struct {
	char service[16];
	dest_fn fn;
	void (*after_commit)(void);
} table[DEST_MAX];
static int ntable;

void dest_register(const char *service, dest_fn fn, void (*after_commit)(void))
{
	int i = 0;
	while (i < ntable && strcmp(table[i].service, service))
		i++;
	if (i == ntable) {
		if (ntable == DEST_MAX || strlen(service) >= sizeof table[0].service) {
			log_error("dest: cannot register a deliverer for %s", service);
			return;
		}
		snprintf(table[ntable++].service, sizeof table[0].service, "%s", service);
	}
	table[i].fn = fn;
	table[i].after_commit = after_commit;
}

void dest_reset(void)
{
	ntable = 0;
}

int dest_send(const char *arn, const struct dest_msg *m, char *err, size_t errlen)
{
	/* arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE */
	const char *p = arn && !strncmp(arn, "arn:", 4) ? strchr(arn + 4, ':') : NULL;
	const char *e = p ? strchr(p + 1, ':') : NULL;
	if (!e) {
		snprintf(err, errlen, "%s is not an ARN", arn ? arn : "(null)");
		return -1;
	}
	size_t sl = (size_t)(e - p - 1);
	for (int i = 0; i < ntable; i++)
		if (strlen(table[i].service) == sl && !strncmp(table[i].service, p + 1, sl))
			return table[i].fn(arn, m, err, errlen);
	snprintf(err, errlen, "nuage cannot deliver to %.*s yet (no %.*s service is running)", (int)sl, p + 1, (int)sl,
		 p + 1);
	return -2;
}

void dest_after_commit(void)
{
	for (int i = 0; i < ntable; i++)
		if (table[i].after_commit)
			table[i].after_commit();
}
