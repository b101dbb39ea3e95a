/* The log sink: lines reach the backend in put order, batched; sync waits
 * for them; a failing backend is retried; nothing is accepted when stopped. */
#include "unit.h"
#include "engine/logsink.h"

#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int got, batches, fail_next;
static char order_ok = 1;

static int backend(const struct logsink_event *ev, size_t n)
{
	pthread_mutex_lock(&mu);
	if (fail_next) {
		fail_next--;
		pthread_mutex_unlock(&mu);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		char want[32];
		snprintf(want, sizeof want, "line %d", got);
		if (strcmp(ev[i].msg, want) || ev[i].len != strlen(want) || strcmp(ev[i].group, "/aws/lambda/f"))
			order_ok = 0;
		got++;
	}
	batches++;
	pthread_mutex_unlock(&mu);
	return 0;
}

TEST(logsink_delivers_in_order_in_batches)
{
	got = batches = 0;
	fail_next = 1;
	CHECK(logsink_start(backend) == 0);
	for (int i = 0; i < 500; i++) {
		char line[32];
		int n = snprintf(line, sizeof line, "line %d", i);
		logsink_put("000000000000", "us-east-1", "/aws/lambda/f", "2026/01/01/[$LATEST]x", 1000 + i, line, (size_t)n);
	}
	logsink_sync(5000);
	pthread_mutex_lock(&mu);
	int g = got, b = batches;
	pthread_mutex_unlock(&mu);
	CHECK_INT(g, 500);
	CHECK(order_ok);
	CHECK(b < 500);
	logsink_stop();
	uint64_t before = logsink_dropped();
	logsink_put("a", "r", "g", "s", 1, "late", 4);
	CHECK_INT(logsink_dropped(), before + 1);
}
