/* dynlib.c — see dynlib.h. */
#include "core/dynlib.h"
#include "core/log.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

static pthread_mutex_t opening = PTHREAD_MUTEX_INITIALIZER;

static void open_lib(struct dynlib *d)
{
	void *h = dlopen(d->soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(d->error, sizeof d->error, "cannot open %s (Debian package %s): %s", d->soname, d->package,
			 dlerror());
		log_error("%s", d->error);
		return;
	}
	for (int i = 0; d->symbols[i]; i++) {
		d->slots[i] = dlsym(h, d->symbols[i]);
		if (!d->slots[i]) {
			snprintf(d->error, sizeof d->error, "%s has no %s (Debian package %s too old?)", d->soname,
				 d->symbols[i], d->package);
			log_error("%s", d->error);
			dlclose(h);
			return;
		}
	}
	/* The handle stays open for the life of the process. */
	if (d->after_load)
		d->after_load();
	atomic_store_explicit(&d->ok, true, memory_order_release);
}

bool dynlib_open(struct dynlib *d)
{
	if (atomic_load_explicit(&d->ok, memory_order_acquire))
		return true;
	pthread_mutex_lock(&opening);
	if (!d->tried) {
		d->tried = true;
		open_lib(d);
	}
	pthread_mutex_unlock(&opening);
	return atomic_load_explicit(&d->ok, memory_order_acquire);
}

bool dynlib_loaded(const struct dynlib *d)
{
	return atomic_load_explicit(&d->ok, memory_order_acquire);
}
