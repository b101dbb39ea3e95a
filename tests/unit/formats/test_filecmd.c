/* test_filecmd.c — `nuage file`: conversions in every direction round-trip,
 * errors leave no output behind, schema/head print what the files hold. */
#include "unit.h"
#include "formats/filecmd.h"
#include "core/buf.h"
#include "core/mem.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *path_in_tmp(const char *name)
{
	char *p = xmalloc(600);
	snprintf(p, 600, "%s/%s", unit_tmpdir(), name);
	return p;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	fwrite(text, 1, strlen(text), f);
	fclose(f);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct buf b;
	buf_init(&b, BUF_UNLIMITED);
	char tmp[4096];
	size_t n;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	return buf_detach(&b, NULL);
}

/* Runs `nuage file ARGS...` (NULL-terminated) with stdout and stderr sent
 * to files; returns the exit status, *out gets stdout (caller frees). */
static int run(char **out, ...)
{
	char *argv[16];
	int argc = 0;
	argv[argc++] = "file";
	va_list ap;
	va_start(ap, out);
	char *a;
	while ((a = va_arg(ap, char *)) && argc < 15)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	char *op = path_in_tmp("stdout.txt"), *ep = path_in_tmp("stderr.txt");
	fflush(stdout);
	fflush(stderr);
	int so = dup(1), se = dup(2);
	int fo = open(op, O_WRONLY | O_CREAT | O_TRUNC, 0644), fe = open(ep, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	dup2(fo, 1);
	dup2(fe, 2);
	int rc = file_command(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	close(fo);
	close(fe);
	if (out)
		*out = read_file(op);
	free(op);
	free(ep);
	return rc;
}

static const char *sample =
	"id,name,price,day,at,ok\n"
	"1,\"Smith, J\",12.50,2024-02-29,2024-02-29 10:11:12.5,true\n"
	"2,,7.00,2024-03-01,2024-03-01 00:00:00,false\n"
	"3,\"quote \"\"q\"\"\",,2024-03-02,2024-03-02 23:59:59,\n";

TEST(filecmd_round_trips_every_direction)
{
	char *csv = path_in_tmp("in.csv"), *jl = path_in_tmp("mid.jsonl.gz"), *pq = path_in_tmp("mid.parquet");
	char *back1 = path_in_tmp("back1.csv"), *back2 = path_in_tmp("back2.csv.zst"), *back3 = path_in_tmp("back3.csv");
	write_file(csv, sample);
	CHECK_INT(run(NULL, "convert", csv, jl, "-q", NULL), 0);
	CHECK_INT(run(NULL, "convert", jl, back1, "-q", NULL), 0);
	char *got = read_file(back1);
	CHECK(got);
	/* JSON keeps the CSV's types: the decimal becomes a JSON number 12.5 */
	CHECK_STR(got, "id,name,price,day,at,ok\n"
		       "1,\"Smith, J\",12.5,2024-02-29,2024-02-29 10:11:12.5,true\n"
		       "2,,7.0,2024-03-01,2024-03-01 00:00:00,false\n"
		       "3,\"quote \"\"q\"\"\",,2024-03-02,2024-03-02 23:59:59,\n");
	free(got);
	CHECK_INT(run(NULL, "convert", csv, pq, "--compression", "zstd", "-q", NULL), 0);
	CHECK_INT(run(NULL, "convert", pq, back2, "-q", NULL), 0);
	CHECK_INT(run(NULL, "convert", back2, back3, "-q", NULL), 0);
	got = read_file(back3);
	CHECK_STR(got, sample); /* Parquet keeps decimal(18,2) exactly */
	free(got);
	char *out;
	CHECK_INT(run(&out, "schema", pq, NULL), 0);
	CHECK(strstr(out, "format:   parquet"));
	CHECK(strstr(out, "price  decimal(18,2)"));
	CHECK(strstr(out, "at     timestamp(us)"));
	free(out);
	CHECK_INT(run(&out, "head", jl, "-n", "2", NULL), 0);
	CHECK(strstr(out, "| Smith, J |"));
	CHECK(strstr(out, "(2 rows)"));
	free(out);
	CHECK_INT(run(&out, "count", back2, "-q", NULL), 0);
	CHECK_STR(out, "3\n");
	free(out);
	CHECK_INT(run(&out, "head", csv, "--format", "jsonl", "-n", "1", NULL), 0);
	CHECK_STR(out, "{\"id\":1,\"name\":\"Smith, J\",\"price\":12.50,\"day\":\"2024-02-29\",\"at\":\"2024-02-29 "
		       "10:11:12.5\",\"ok\":true}\n");
	free(out);
	free(csv);
	free(jl);
	free(pq);
	free(back1);
	free(back2);
	free(back3);
}

TEST(filecmd_csv_dialect_options_and_glue)
{
	char *in = path_in_tmp("semi.txt"), *out_path = path_in_tmp("semi.jsonl");
	write_file(in, "a;b\n1,5;x\n2,5;y\n");
	char *out;
	CHECK_INT(run(&out, "schema", in, "--glue", NULL), 0);
	CHECK(strstr(out, "delimiter ';'"));
	CHECK(strstr(out, "glue:     classification csv, certainty 1.0, delimiter ';', header no"));
	free(out);
	CHECK_INT(run(NULL, "convert", in, out_path, "--delimiter", ";", "--no-header", "-q", NULL), 0);
	out = read_file(out_path);
	CHECK_STR(out, "{\"col0\":\"a\",\"col1\":\"b\"}\n{\"col0\":\"1,5\",\"col1\":\"x\"}\n{\"col0\":\"2,5\",\"col1\":\"y\"}\n");
	free(out);
	free(in);
	free(out_path);
}

TEST(filecmd_errors_leave_nothing_behind)
{
	char *in = path_in_tmp("bad.csv"), *out_path = path_in_tmp("bad.parquet");
	write_file(in, "a,b\n1,2\n3,4\n5,6,7\n");
	CHECK_INT(run(NULL, "convert", in, out_path, NULL), 1);
	struct stat st;
	CHECK(stat(out_path, &st) != 0);
	/* a value the sniffed type cannot hold: --strings reads it as text */
	char *late = path_in_tmp("late.csv"), *late_out = path_in_tmp("late.jsonl");
	struct buf t;
	buf_init(&t, BUF_UNLIMITED);
	buf_adds(&t, "n\n");
	for (int i = 0; i < 300000; i++)
		buf_addf(&t, "%d\n", i);
	buf_adds(&t, "oops\n");
	write_file(late, t.data);
	CHECK_INT(run(NULL, "convert", late, late_out, NULL), 1);
	CHECK(stat(late_out, &st) != 0);
	CHECK_INT(run(NULL, "convert", late, late_out, "--strings", "-q", NULL), 0);
	char *text = read_file(late_out);
	CHECK(strstr(text, "{\"n\":\"299999\"}\n{\"n\":\"oops\"}\n"));
	free(text);
	buf_free(&t);
	free(late);
	free(late_out);
	CHECK_INT(run(NULL, "convert", in, in, "--to", "csv", NULL), 2);
	CHECK_INT(run(NULL, "convert", in, "x.unknown", NULL), 2);
	CHECK_INT(run(NULL, "head", "/nonexistent.csv", NULL), 1);
	CHECK_INT(run(NULL, "frobnicate", in, NULL), 2);
	CHECK_INT(run(NULL, "head", in, "-n", "x", NULL), 2);
	CHECK_INT(run(NULL, "convert", in, out_path, "--compression", "brotli", NULL), 1);
	char *out;
	CHECK_INT(run(&out, "--help", NULL), 0);
	CHECK(strstr(out, "convert IN OUT"));
	free(out);
	free(in);
	free(out_path);
}
