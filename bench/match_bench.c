/* match_bench.c — driver for bench/match.sh: loads rules (one pattern per
 * line) into one rule set and events (one JSON object per line), then
 * matches events round-robin for at least `seconds` of CPU time and prints
 * "events cpu_ns_per_event events_per_cpu_s matches_per_event wall_events_per_s".
 * CPU time (this thread's) is the figure: on a shared machine wall time also
 * counts the time other processes hold the core. Built by the script
 * against the release objects; not part of the nuage binary.
 *
 * usage: match_bench RULES EVENTS trusted|validating SECONDS [PASSES]
 * With PASSES, exactly that many passes over the events and no warm-up (for
 * counting instructions under callgrind: the difference of two PASSES
 * values, divided by the events, is the cost of one event).
 */
#include "match/match.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char **read_lines(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		exit(2);
	}
	char **v = NULL, *line = NULL;
	size_t cap = 0, lcap = 0;
	ssize_t len;
	*n = 0;
	while ((len = getline(&line, &lcap, f)) > 0) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		if (!len)
			continue;
		if (*n == cap)
			v = realloc(v, sizeof *v * (cap = cap ? cap * 2 : 256));
		v[(*n)++] = strdup(line);
	}
	free(line);
	fclose(f);
	return v;
}

static double now(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: %s RULES EVENTS trusted|validating SECONDS [PASSES]\n", argv[0]);
		return 2;
	}
	size_t nr, ne;
	char **rules = read_lines(argv[1], &nr), **events = read_lines(argv[2], &ne);
	unsigned flags = !strcmp(argv[3], "trusted") ? MATCH_EV_TRUSTED : 0;
	double seconds = strtod(argv[4], NULL);
	long passes = argc == 6 ? strtol(argv[5], NULL, 10) : -1;
	size_t *elen = malloc(sizeof *elen * ne);
	for (size_t i = 0; i < ne; i++)
		elen[i] = strlen(events[i]);
	match_ruleset *rs = match_ruleset_new();
	for (size_t i = 0; i < nr; i++) {
		struct match_error err;
		match_pattern *p;
		if (match_pattern_compile(rules[i], strlen(rules[i]), MATCH_EVENTBRIDGE, 0, &p, &err)) {
			fprintf(stderr, "rule %zu: %s\n", i, err.message);
			return 1;
		}
		char id[32];
		snprintf(id, sizeof id, "rule-%03zu", i);
		match_ruleset_add(rs, id, p);
	}
	match_scratch *s = match_scratch_new();
	const char *const *ids;
	size_t n, matches = 0, done = 0;
	struct match_error err;
	/* warm up: caches, branch predictors, the scratch's buffers */
	for (size_t i = 0; i < ne && passes < 0; i++)
		match_ruleset_match_json(rs, events[i], elen[i], flags, s, &ids, &n, &err);
	double t0 = now(CLOCK_THREAD_CPUTIME_ID), w0 = now(CLOCK_MONOTONIC), t1;
	do {
		for (size_t i = 0; i < ne; i++) {
			if (match_ruleset_match_json(rs, events[i], elen[i], flags, s, &ids, &n, &err)) {
				fprintf(stderr, "event %zu invalid\n", i);
				return 1;
			}
			matches += n;
		}
		done += ne;
		t1 = now(CLOCK_THREAD_CPUTIME_ID);
	} while (passes < 0 ? t1 - t0 < seconds : (long)(done / ne) < passes);
	double dt = t1 - t0, wall = now(CLOCK_MONOTONIC) - w0;
	printf("%zu %.1f %.0f %.3f %.0f\n", done, dt * 1e9 / (double)done, (double)done / dt, (double)matches / (double)done,
	       (double)done / wall);
	match_scratch_free(s);
	match_ruleset_free(rs);
	for (size_t i = 0; i < nr; i++)
		free(rules[i]);
	for (size_t i = 0; i < ne; i++)
		free(events[i]);
	free(rules);
	free(events);
	free(elen);
	return 0;
}
