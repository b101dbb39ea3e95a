/* Child-process supervision: output capture, exit texts, exec failures,
 * limits, working directory, and that a stop reaches the whole group. */
#include "unit.h"
#include "core/buf.h"
#include "engine/proc.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

struct lines {
	struct buf all;
	int n;
};

static void on_line(void *arg, const char *line, size_t n)
{
	struct lines *l = arg;
	buf_add(&l->all, line, n);
	buf_addc(&l->all, '|');
	l->n++;
}

/* Reads both pipes until EOF on both. */
static void drain(struct proc *p, struct lines *out, struct lines *err)
{
	struct proc_lines lo, le;
	proc_lines_init(&lo, 0);
	proc_lines_init(&le, 0);
	bool oe = false, ee = false;
	while (!oe || !ee) {
		struct pollfd pf[2] = {{oe ? -1 : p->out_fd, POLLIN, 0}, {ee ? -1 : p->err_fd, POLLIN, 0}};
		poll(pf, 2, 1000);
		if (!oe && proc_lines_read(&lo, p->out_fd, on_line, out) != 0)
			oe = true;
		if (!ee && proc_lines_read(&le, p->err_fd, on_line, err) != 0)
			ee = true;
	}
	proc_lines_free(&lo);
	proc_lines_free(&le);
}

/* Members of process group pg that are not zombies. */
static int live_members(pid_t pg)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;
	while (d && (e = readdir(d))) {
		char path[300], buf[512];
		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		size_t k = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[k] = 0;
		const char *rp = strrchr(buf, ')');
		char state;
		int ppid, pgid;
		if (rp && sscanf(rp + 1, " %c %d %d", &state, &ppid, &pgid) == 3 && pgid == pg && state != 'Z')
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

static char *const base_env[] = {"PATH=/usr/bin:/bin", "GREETING=hello", NULL};

TEST(proc_captures_output_and_exit)
{
	char *argv[] = {"sh", "-c", "echo \"$GREETING\"; pwd; echo oops >&2; printf 'no newline'; exit 3", NULL};
	struct proc_spec s = {.path = "sh", .argv = argv, .envp = base_env, .cwd = "/tmp", .capture = true};
	struct proc p;
	char err[256];
	CHECK(proc_spawn(&s, &p, err, sizeof err) == 0);
	CHECK(p.pidfd >= 0);
	struct lines out = {.n = 0}, er = {.n = 0};
	buf_init(&out.all, 4096);
	buf_init(&er.all, 4096);
	drain(&p, &out, &er);
	CHECK(proc_reap(&p, true) == 1);
	CHECK_STR(buf_str(&out.all), "hello|/tmp|no newline|");
	CHECK_STR(buf_str(&er.all), "oops|");
	char txt[64];
	proc_exit_text(p.status, txt, sizeof txt);
	CHECK_STR(txt, "exit status 3");
	proc_close(&p);
	buf_free(&out.all);
	buf_free(&er.all);
}

TEST(proc_exec_failures_are_reported_like_lambda)
{
	char *argv[] = {"/nonexistent/bootstrap", NULL};
	struct proc_spec s = {.path = "/nonexistent/bootstrap", .argv = argv, .envp = base_env, .capture = true};
	struct proc p;
	char err[256];
	CHECK(proc_spawn(&s, &p, err, sizeof err) == -1);
	CHECK_STR(err, "fork/exec /nonexistent/bootstrap: no such file or directory");
	char path[512];
	snprintf(path, sizeof path, "%s/noexec", unit_tmpdir());
	FILE *f = fopen(path, "w");
	fputs("#!/bin/sh\necho x\n", f);
	fclose(f);
	char *argv2[] = {path, NULL};
	s.path = path;
	s.argv = argv2;
	CHECK(proc_spawn(&s, &p, err, sizeof err) == -1);
	CHECK(strstr(err, "permission denied"));
	s.path = "no-such-command-anywhere";
	CHECK(proc_spawn(&s, &p, err, sizeof err) == -1);
	CHECK(strstr(err, "executable file not found"));
}

TEST(proc_limits_apply)
{
	char *argv[] = {"sh", "-c", "ulimit -n; ulimit -v", NULL};
	struct proc_spec s = {.path = "sh", .argv = argv, .envp = base_env, .capture = true,
			      .limit_nofile = 77, .limit_as = 512ll << 20};
	struct proc p;
	char err[256];
	CHECK(proc_spawn(&s, &p, err, sizeof err) == 0);
	struct lines out = {.n = 0}, er = {.n = 0};
	buf_init(&out.all, 4096);
	buf_init(&er.all, 4096);
	drain(&p, &out, &er);
	proc_reap(&p, true);
	CHECK_STR(buf_str(&out.all), "77|524288|");
	proc_close(&p);
	buf_free(&out.all);
	buf_free(&er.all);
}

TEST(proc_stop_kills_the_whole_group)
{
	/* The shell starts a grandchild that ignores SIGTERM. */
	char *argv[] = {"sh", "-c", "sh -c 'trap \"\" TERM; sleep 100' & echo started; wait", NULL};
	struct proc_spec s = {.path = "sh", .argv = argv, .envp = base_env, .capture = true};
	struct proc p;
	char err[256];
	CHECK(proc_spawn(&s, &p, err, sizeof err) == 0);
	struct pollfd pf = {p.out_fd, POLLIN, 0};
	CHECK(poll(&pf, 1, 5000) == 1);
	usleep(100000);
	CHECK(proc_reap(&p, false) == 0);
	CHECK(proc_peak_rss_kb(p.pid) > 0);
	CHECK(proc_rss_kb(p.pid) > 0);
	pid_t pg = p.pid;
	proc_stop(&p, 200);
	CHECK(p.reaped);
	/* Nothing of the group survives (orphans may linger as zombies until
	 * init reaps them: those count as dead). */
	int alive = 0;
	for (int i = 0; i < 100 && (alive = live_members(pg)) > 0; i++)
		usleep(10000);
	CHECK_INT(alive, 0);
	char txt[64];
	proc_exit_text(p.status, txt, sizeof txt);
	CHECK_STR(txt, "signal: terminated");
	proc_close(&p);
}

static void count_line(void *arg, const char *line, size_t n)
{
	struct lines *l = arg;
	(void)line;
	buf_addf(&l->all, "%zu,", n);
	l->n++;
}

TEST(proc_lines_bounds_long_lines)
{
	int fds[2];
	CHECK(pipe(fds) == 0);
	struct proc_lines pl;
	proc_lines_init(&pl, 10);
	struct lines got = {.n = 0};
	buf_init(&got.all, 4096);
	const char *in = "abc\n0123456789ABCDE\n\nxyz";
	CHECK(write(fds[1], in, strlen(in)) == (ssize_t)strlen(in));
	close(fds[1]);
	while (proc_lines_read(&pl, fds[0], count_line, &got) == 0)
		;
	CHECK_STR(buf_str(&got.all), "3,10,5,0,3,");
	close(fds[0]);
	proc_lines_free(&pl);
	buf_free(&got.all);
}
