/* main.c — runs every registered unit test (or those whose file or name
 * contains argv[1]) and ends with the line "N passed, N failed". */
#include "unit.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static struct unit_test *head, **tail = &head;
static int failed_now, skipped_now;
static char tmpdir[256];

void unit_register(struct unit_test *t)
{
	*tail = t;
	tail = &t->next;
}

void unit_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "  FAIL %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failed_now = 1;
}

void unit_skip(const char *why)
{
	fprintf(stderr, "  SKIP %s\n", why);
	skipped_now = 1;
}

const char *unit_tmpdir(void)
{
	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof tmpdir, "/tmp/nuage-unit-XXXXXX");
		if (!mkdtemp(tmpdir)) {
			perror("mkdtemp");
			exit(2);
		}
	}
	return tmpdir;
}

const char *unit_conformance(const char *sub)
{
	static char path[512];
	const char *base = getenv("NUAGE_CONFORMANCE");
	snprintf(path, sizeof path, "%s/%s", base ? base : "../shared/conformance", sub);
	struct stat st;
	if (stat(path, &st) || !S_ISDIR(st.st_mode)) {
		char why[600];
		snprintf(why, sizeof why, "conformance data %s is absent", path);
		unit_skip(why);
		return NULL;
	}
	return path;
}

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char sub[1024];
			snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
			rm_tree(sub);
		}
		closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0, skipped = 0;
	for (struct unit_test *t = head; t; t = t->next) {
		if (argc > 1 && !strstr(t->name, argv[1]) && !strstr(t->file, argv[1]))
			continue;
		failed_now = skipped_now = 0;
		t->fn();
		if (tmpdir[0]) {
			rm_tree(tmpdir);
			tmpdir[0] = 0;
		}
		if (failed_now) {
			failed++;
			fprintf(stderr, "FAIL %s (%s)\n", t->name, t->file);
		} else if (skipped_now) {
			skipped++;
		} else {
			passed++;
		}
	}
	if (skipped)
		printf("unit: %d skipped (see SKIP lines)\n", skipped);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
