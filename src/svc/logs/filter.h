/* filter.h — CloudWatch Logs filter patterns (FilterLogEvents).
 *
 * Supported:
 *   ""                         every event
 *   ERROR Exception            events with both terms (whole words)
 *   "Internal Server Error"    a quoted phrase (substring)
 *   ?ERROR ?WARN               either term
 *   ERROR -Retrying            ERROR without Retrying
 *   { $.level = "ERROR" }      JSON events: = != on strings (with * wildcards),
 *   { $.latency > 100 }        = != < > <= >= on numbers, IS NULL / IS TRUE /
 *   { $.a.b[0] NOT EXISTS }    IS FALSE, NOT EXISTS, && || and parentheses
 * Terms are case-sensitive, as on AWS.
 * Not supported (compile fails with a message saying so): space-delimited
 * patterns ([ip, user, ...]) and %regex% patterns.
 */
#ifndef NUAGE_SVC_LOGS_FILTER_H
#define NUAGE_SVC_LOGS_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#define LOGS_FILTER_MAX 1024 /* pattern length, as AWS limits it */

struct logs_filter;

/* Compiles pattern (NULL or blank: match all). 0, or -1 with a reason in
 * err. *out is freed with logs_filter_free. */
int logs_filter_compile(const char *pattern, struct logs_filter **out, char *err, size_t errlen);
bool logs_filter_match(const struct logs_filter *f, const char *msg, size_t len);
void logs_filter_free(struct logs_filter *f);

#endif
