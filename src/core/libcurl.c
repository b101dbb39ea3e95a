/* libcurl.c — the libcurl functions nuage calls, forwarded to libcurl.so.4
 * opened at first use (core/dynlib.h): SNS HTTP/S deliveries and the
 * `nuage sql` client. Callers include <curl/curl.h> and call curl as usual.
 *
 * curl_global_init only records its flags: the real one runs when the
 * library is opened, before any other call. When the library cannot be
 * opened, curl_easy_init answers NULL and the other calls fail softly. */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

#include "core/dynlib.h"

#include <stdarg.h>

#undef curl_easy_setopt
#undef curl_easy_getinfo

static struct {
	CURLcode (*global_init)(long);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *);
	void (*easy_reset)(CURL *);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	const char *(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
} fn;

static const char *const names[] = {
	"curl_global_init", "curl_global_cleanup", "curl_easy_init", "curl_easy_cleanup", "curl_easy_reset",
	"curl_easy_setopt", "curl_easy_perform", "curl_easy_getinfo", "curl_easy_strerror", "curl_slist_append",
	"curl_slist_free_all", NULL,
};

static long init_flags = CURL_GLOBAL_DEFAULT;

static void global_init(void)
{
	fn.global_init(init_flags);
}

static struct dynlib lib = {
	.soname = "libcurl.so.4",
	.package = "libcurl4",
	.symbols = names,
	.slots = (void **)&fn,
	.after_load = global_init,
};

CURLcode curl_global_init(long flags)
{
	init_flags = flags;
	return CURLE_OK;
}

void curl_global_cleanup(void)
{
	if (dynlib_loaded(&lib))
		fn.global_cleanup();
}

CURL *curl_easy_init(void)
{
	return dynlib_open(&lib) ? fn.easy_init() : NULL;
}

void curl_easy_cleanup(CURL *h)
{
	if (h)
		fn.easy_cleanup(h);
}

void curl_easy_reset(CURL *h)
{
	fn.easy_reset(h);
}

CURLcode curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
	va_list ap;
	va_start(ap, opt);
	CURLcode rc;
	/* The option number says the argument's type (curl.h: CURLOPTTYPE_*). */
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		rc = fn.easy_setopt(h, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_OFF_T)
		rc = fn.easy_setopt(h, opt, va_arg(ap, void *));
	else if (opt < CURLOPTTYPE_BLOB)
		rc = fn.easy_setopt(h, opt, va_arg(ap, curl_off_t));
	else
		rc = fn.easy_setopt(h, opt, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

CURLcode curl_easy_perform(CURL *h)
{
	return fn.easy_perform(h);
}

CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	va_list ap;
	va_start(ap, info);
	CURLcode rc = fn.easy_getinfo(h, info, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

const char *curl_easy_strerror(CURLcode c)
{
	return dynlib_open(&lib) ? fn.easy_strerror(c) : "libcurl is not available";
}

struct curl_slist *curl_slist_append(struct curl_slist *l, const char *s)
{
	return dynlib_open(&lib) ? fn.slist_append(l, s) : NULL;
}

void curl_slist_free_all(struct curl_slist *l)
{
	if (l)
		fn.slist_free_all(l);
}
