/* dynlib.h — Debian libraries nuage opens when a feature first needs them,
 * not at start-up.
 *
 * Linking libcurl (SNS HTTP deliveries) or libpq (the PostgreSQL backend)
 * makes every start map and relocate some thirty more libraries (Kerberos,
 * LDAP, GnuTLS, ...): about 3 ms and 6 MiB each, for features most runs
 * never use. Such a library is described by a dynlib (its soname and the
 * symbols nuage calls) and opened with dlopen on first use; a thin file of
 * forwarding functions with the library's own names and prototypes
 * (src/core/libcurl.c) keeps the callers' code unchanged.
 */
#ifndef NUAGE_CORE_DYNLIB_H
#define NUAGE_CORE_DYNLIB_H

#include <stdbool.h>

struct dynlib {
	const char *soname;           /* "libcurl.so.4" */
	const char *package;          /* the Debian package that provides it, for the error */
	const char *const *symbols;   /* NULL-terminated */
	void **slots;                 /* where each symbol's address goes, in order */
	void (*after_load)(void);     /* run once after a successful load, or NULL */
	/* state */
	_Atomic bool ok;
	bool tried;
	char error[256];
};

/* Opens the library on the first call (any thread); true when every
 * symbol resolved. On false, d->error says what is missing; the failure
 * is logged once. */
bool dynlib_open(struct dynlib *d);
/* Whether the library has been opened successfully (no loading). */
bool dynlib_loaded(const struct dynlib *d);

#endif
