/* Engine skeleton: timers fire in due order and can be cancelled; the pool
 * runs every job and refuses past its bound; the bus delivers committed
 * events at least once and retries failures. */
#include "unit.h"
#include "core/clock.h"
#include "engine/bus.h"
#include "engine/pool.h"
#include "engine/timers.h"
#include "store/db.h"
#include "store/migrate.h"
#include "store/outbox.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

extern const struct migration_set store_core_migrations;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int order[16], norder;

static void record(void *arg)
{
	pthread_mutex_lock(&mu);
	if (norder < 16)
		order[norder++] = (int)(intptr_t)arg;
	pthread_mutex_unlock(&mu);
}

static void wait_for(int *counter, int want, int ms)
{
	for (int i = 0; i < ms; i++) {
		pthread_mutex_lock(&mu);
		int v = *counter;
		pthread_mutex_unlock(&mu);
		if (v >= want)
			return;
		usleep(1000);
	}
}

TEST(engine_timers_order_and_cancel)
{
	norder = 0;
	CHECK(timers_start() == 0);
	int64_t now = clock_mono_us();
	timer_at(now + 30000, record, (void *)3);
	timer_at(now + 10000, record, (void *)1);
	uint64_t c = timer_at(now + 15000, record, (void *)99);
	timer_at(now + 20000, record, (void *)2);
	CHECK(timer_cancel(c));
	CHECK(!timer_cancel(c));
	wait_for(&norder, 3, 2000);
	timers_stop();
	CHECK_INT(norder, 3);
	CHECK_INT(order[0], 1);
	CHECK_INT(order[1], 2);
	CHECK_INT(order[2], 3);
}

static atomic_int jobs_done;

static void job(void *arg)
{
	(void)arg;
	usleep(2000);
	atomic_fetch_add(&jobs_done, 1);
}

TEST(engine_pool_bounded)
{
	atomic_store(&jobs_done, 0);
	CHECK(pool_start(2, 4) == 0);
	int accepted = 0, refused = 0;
	for (int i = 0; i < 20; i++) {
		if (pool_submit(job, NULL) == 0)
			accepted++;
		else
			refused++;
	}
	CHECK(refused > 0); /* the queue holds 4 */
	pool_stop();        /* finishes what was accepted */
	CHECK_INT(atomic_load(&jobs_done), accepted);
}

static int delivered, fail_first;

static int sub_ok(int64_t id, const char *topic, const char *payload, void *arg)
{
	(void)id, (void)topic, (void)payload, (void)arg;
	pthread_mutex_lock(&mu);
	int fail = fail_first > 0;
	if (fail)
		fail_first--;
	else
		delivered++;
	pthread_mutex_unlock(&mu);
	return fail ? -1 : 0;
}

TEST(engine_bus_delivers_and_retries)
{
	const struct migration_set *sets[] = {&store_core_migrations};
	CHECK(db_open(unit_tmpdir(), sets, 1) == 0);
	delivered = 0;
	fail_first = 2;
	bus_subscribe("unit-sub", "test:", sub_ok, NULL);
	CHECK(bus_start() == 0);
	CHECK(db_begin() == 0);
	CHECK(outbox_add("test:one", "{}") == 0);
	CHECK(outbox_add("other:ignored", "{}") == 0);
	CHECK(db_commit() == 0);
	db_release();
	bus_kick();
	wait_for(&delivered, 1, 5000); /* two failures, backoff 100 + 200 ms */
	bus_drain(2000);
	bus_stop();
	CHECK_INT(delivered, 1);
	CHECK_INT(outbox_pending(), 0);
	db_release();
	db_close();
}
