/* timers.h — one thread that runs callbacks at their due time (a binary
 * heap by due time). Callbacks run on the timer thread and must be short:
 * long work goes to the pool (pool.h). */
#ifndef NUAGE_ENGINE_TIMERS_H
#define NUAGE_ENGINE_TIMERS_H

#include <stdbool.h>
#include <stdint.h>

typedef void (*timer_fn)(void *arg);

int timers_start(void);
/* Stops the thread; pending timers are dropped (their args are not freed:
 * owners must not rely on a timer to free memory at shutdown). */
void timers_stop(void);
/* Runs fn(arg) at monotonic time due_us (clock_mono_us). Returns an id > 0. */
uint64_t timer_at(int64_t due_us, timer_fn fn, void *arg);
uint64_t timer_after_ms(int64_t ms, timer_fn fn, void *arg);
/* True if the timer was pending and will not run. */
bool timer_cancel(uint64_t id);
/* Pending timers (tests, health). */
int timers_pending(void);

#endif
