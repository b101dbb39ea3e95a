/* cond.c — conditional requests and byte ranges, as S3 evaluates them.
 *
 * Precedence (S3 documentation, RFC 7232 section 6):
 *   If-Match present:   false -> 412;  true -> If-Unmodified-Since is ignored
 *   If-Unmodified-Since (only without If-Match): modified after -> 412
 *   If-None-Match present: matches -> 304; no match -> If-Modified-Since ignored
 *   If-Modified-Since (only without If-None-Match): not modified -> 304
 * Timestamps compare at one-second resolution, as HTTP dates carry.
 */
#include "svc/s3/s3int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool s3_etag_matches(const char *list, const char *etag)
{
	/* etag is stored quoted: compare the inner part against each list item. */
	size_t el = strlen(etag);
	const char *inner = etag;
	if (el >= 2 && etag[0] == '"') {
		inner = etag + 1;
		el -= 2;
	}
	const char *p = list;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		if (!*p)
			break;
		if (*p == '*')
			return true;
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		const char *s = p, *e;
		if (*p == '"') {
			s = p + 1;
			e = strchr(s, '"');
			if (!e)
				e = s + strlen(s);
			p = *e ? e + 1 : e;
		} else {
			e = p + strcspn(p, ",");
			p = e;
			while (e > s && e[-1] == ' ')
				e--;
		}
		if ((size_t)(e - s) == el && !memcmp(s, inner, el))
			return true;
	}
	return false;
}

enum s3_cond s3_eval_conditions(const char *if_match, const char *if_none_match, int64_t if_modified_since,
				int64_t if_unmodified_since, const char *etag, int64_t mtime)
{
	int64_t msec = mtime / 1000 * 1000;
	if (if_match) {
		if (!s3_etag_matches(if_match, etag))
			return S3_COND_FAILED;
	} else if (if_unmodified_since >= 0 && msec > if_unmodified_since) {
		return S3_COND_FAILED;
	}
	if (if_none_match) {
		if (s3_etag_matches(if_none_match, etag))
			return S3_COND_NOT_MODIFIED;
	} else if (if_modified_since >= 0 && msec <= if_modified_since) {
		return S3_COND_NOT_MODIFIED;
	}
	return S3_COND_OK;
}

static int parse_num(const char *s, const char *e, int64_t *out)
{
	if (s == e || e - s > 18)
		return -1;
	int64_t v = 0;
	for (const char *p = s; p < e; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	*out = v;
	return 0;
}

int s3_parse_range(const char *h, int64_t size, int64_t *off, int64_t *len)
{
	if (strncmp(h, "bytes=", 6))
		return 0;
	const char *spec = h + 6;
	if (strchr(spec, ','))
		return 0; /* multiple ranges: S3 returns the whole object */
	const char *dash = strchr(spec, '-');
	if (!dash)
		return 0;
	const char *end = spec + strlen(spec);
	while (end > spec && end[-1] == ' ')
		end--;
	int64_t a, b;
	if (dash == spec) { /* suffix: last n bytes */
		if (parse_num(dash + 1, end, &b))
			return 0;
		if (b == 0 || size == 0)
			return -1;
		if (b > size)
			b = size;
		*off = size - b;
		*len = b;
		return 1;
	}
	if (parse_num(spec, dash, &a))
		return 0;
	if (dash + 1 == end) { /* open: a to the end */
		if (a >= size)
			return -1;
		*off = a;
		*len = size - a;
		return 1;
	}
	if (parse_num(dash + 1, end, &b) || b < a)
		return 0;
	if (a >= size)
		return -1;
	if (b >= size)
		b = size - 1;
	*off = a;
	*len = b - a + 1;
	return 1;
}
