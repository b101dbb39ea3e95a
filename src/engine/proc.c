/* proc.c — see proc.h.
 *
 * Between fork and exec the child runs only async-signal-safe system calls
 * (nuage is multi-threaded: another thread may hold the malloc lock), so
 * everything it needs — the resolved path, argv, envp, /dev/null, pipes —
 * is prepared before fork. Exec failures come back over a close-on-exec
 * pipe: EOF means the exec succeeded, four bytes are its errno.
 *
 * Stop order (proc_stop): SIGTERM to the group -> wait for the leader to
 * exit (pidfd) -> SIGKILL to the group -> reap. The leader is reaped last
 * so its zombie keeps the process-group id from being reused while the
 * group is still being signalled.
 */
#include "engine/proc.h"
#include "core/clock.h"
#include "core/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

/* Lower-case strerror, as Go (and so Lambda's own messages) words errors. */
static void errno_text(int e, char *out, size_t n)
{
	snprintf(out, n, "%s", strerror(e));
	if (out[0] >= 'A' && out[0] <= 'Z')
		out[0] = (char)(out[0] - 'A' + 'a');
}

/* Resolves a bare command name on the PATH found in envp. */
static int resolve(const char *file, char *const *envp, char *out, size_t outlen)
{
	if (strchr(file, '/')) {
		snprintf(out, outlen, "%s", file);
		return 0;
	}
	const char *path = "/usr/local/bin:/usr/bin:/bin";
	for (char *const *e = envp; *e; e++)
		if (!strncmp(*e, "PATH=", 5))
			path = *e + 5;
	while (*path) {
		const char *colon = strchr(path, ':');
		size_t dl = colon ? (size_t)(colon - path) : strlen(path);
		if (dl && (size_t)snprintf(out, outlen, "%.*s/%s", (int)dl, path, file) < outlen && !access(out, X_OK)) {
			struct stat st;
			if (!stat(out, &st) && S_ISREG(st.st_mode))
				return 0;
		}
		if (!colon)
			break;
		path = colon + 1;
	}
	return -1;
}

static void close_from(int lo, int keep)
{
	/* close_range(2) where the kernel has it; a bounded loop otherwise. */
	if (keep > lo && syscall(SYS_close_range, (unsigned)lo, (unsigned)keep - 1, 0) == 0 &&
	    syscall(SYS_close_range, (unsigned)keep + 1, ~0u, 0) == 0)
		return;
	for (int fd = lo; fd < 65536; fd++)
		if (fd != keep)
			close(fd);
}

/* The child, between fork and exec: async-signal-safe calls only. */
static void child(const struct proc_spec *s, const char *path, int devnull, int out_w, int err_w, int exec_w,
		  pid_t parent)
{
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL); /* nuage ignores it; an ignored disposition survives exec */
	dup2(devnull, 0);
	if (s->capture) {
		dup2(out_w, 1);
		dup2(err_w, 2);
	}
	int e = 0;
	if (s->cwd && chdir(s->cwd))
		e = errno;
	if (!e && s->limit_as > 0) {
		struct rlimit rl = {(rlim_t)s->limit_as, (rlim_t)s->limit_as};
		if (setrlimit(RLIMIT_AS, &rl))
			e = errno;
	}
	if (!e && s->limit_nofile > 0) {
		struct rlimit rl = {(rlim_t)s->limit_nofile, (rlim_t)s->limit_nofile};
		if (setrlimit(RLIMIT_NOFILE, &rl))
			e = errno;
	}
	if (!e) {
		close_from(3, exec_w);
		execve(path, s->argv, s->envp);
		e = errno;
	}
	ssize_t w = write(exec_w, &e, sizeof e);
	(void)w;
	_exit(127);
}

int proc_spawn(const struct proc_spec *s, struct proc *p, char *err, size_t errlen)
{
	memset(p, 0, sizeof *p);
	p->pidfd = p->out_fd = p->err_fd = -1;
	char path[4096];
	if (resolve(s->path, s->envp, path, sizeof path)) {
		snprintf(err, errlen, "exec: \"%s\": executable file not found in $PATH", s->path);
		return -1;
	}
	int outp[2] = {-1, -1}, errp[2] = {-1, -1}, execp[2] = {-1, -1};
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int rc = -1;
	if (devnull < 0 || pipe2(execp, O_CLOEXEC) ||
	    (s->capture && (pipe2(outp, O_CLOEXEC) || pipe2(errp, O_CLOEXEC)))) {
		snprintf(err, errlen, "cannot create pipes: %s", strerror(errno));
		goto out;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0)
		child(s, path, devnull, outp[1], errp[1], execp[1], parent);
	/* Both sides set the group, so signals sent right after return reach it. */
	setpgid(pid, pid);
	p->pid = pid;
	p->started_us = clock_mono_us();
	close(execp[1]);
	execp[1] = -1;
	int child_errno = 0;
	ssize_t n;
	do
		n = read(execp[0], &child_errno, sizeof child_errno);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof child_errno) {
		char why[128];
		errno_text(child_errno, why, sizeof why);
		snprintf(err, errlen, "fork/exec %s: %s", path, why);
		proc_reap(p, true);
		p->pid = 0;
		goto out;
	}
	p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (p->pidfd >= 0)
		fcntl(p->pidfd, F_SETFD, FD_CLOEXEC);
	if (s->capture) {
		p->out_fd = outp[0];
		p->err_fd = errp[0];
		outp[0] = errp[0] = -1;
		fcntl(p->out_fd, F_SETFL, O_NONBLOCK);
		fcntl(p->err_fd, F_SETFL, O_NONBLOCK);
	}
	rc = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
		if (execp[i] >= 0)
			close(execp[i]);
	}
	if (devnull >= 0)
		close(devnull);
	return rc;
}

int proc_signal(const struct proc *p, int sig)
{
	if (p->pid <= 0 || p->reaped)
		return -1;
	return kill(-p->pid, sig);
}

int proc_reap(struct proc *p, bool wait)
{
	if (p->reaped)
		return 1;
	if (p->pid <= 0)
		return -1;
	for (;;) {
		pid_t r = wait4(p->pid, &p->status, wait ? 0 : WNOHANG, &p->ru);
		if (r == p->pid) {
			p->reaped = true;
			return 1;
		}
		if (r == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

/* Waits up to ms for the leader to exit, without reaping it. */
static bool wait_exit(struct proc *p, int ms)
{
	int64_t deadline = clock_mono_us() + (int64_t)ms * 1000;
	for (;;) {
		siginfo_t si;
		memset(&si, 0, sizeof si);
		if (waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == p->pid)
			return true;
		int64_t left = (deadline - clock_mono_us()) / 1000;
		if (left <= 0)
			return false;
		if (p->pidfd >= 0) {
			struct pollfd pf = {p->pidfd, POLLIN, 0};
			poll(&pf, 1, (int)(left > 50 ? 50 : left));
		} else {
			usleep(5000);
		}
	}
}

void proc_stop(struct proc *p, int grace_ms)
{
	if (p->pid <= 0 || p->reaped)
		return;
	kill(-p->pid, SIGTERM);
	kill(p->pid, SIGTERM); /* in case it left its group */
	if (grace_ms > 0)
		wait_exit(p, grace_ms);
	kill(-p->pid, SIGKILL);
	kill(p->pid, SIGKILL);
	proc_reap(p, true);
}

void proc_close(struct proc *p)
{
	if (p->pidfd >= 0)
		close(p->pidfd);
	if (p->out_fd >= 0)
		close(p->out_fd);
	if (p->err_fd >= 0)
		close(p->err_fd);
	p->pidfd = p->out_fd = p->err_fd = -1;
}

void proc_exit_text(int status, char *out, size_t n)
{
	if (WIFEXITED(status)) {
		snprintf(out, n, "exit status %d", WEXITSTATUS(status));
		return;
	}
	if (WIFSIGNALED(status)) {
		/* Go's names for the signals a runtime usually dies of. */
		static const struct {
			int sig;
			const char *name;
		} names[] = {{SIGKILL, "killed"}, {SIGTERM, "terminated"}, {SIGSEGV, "segmentation fault"},
			     {SIGABRT, "aborted"}, {SIGBUS, "bus error"}, {SIGFPE, "floating point exception"},
			     {SIGILL, "illegal instruction"}, {SIGINT, "interrupt"}, {SIGPIPE, "broken pipe"},
			     {SIGHUP, "hangup"}, {SIGQUIT, "quit"}};
		for (size_t i = 0; i < sizeof names / sizeof *names; i++)
			if (names[i].sig == WTERMSIG(status)) {
				snprintf(out, n, "signal: %s", names[i].name);
				return;
			}
		snprintf(out, n, "signal: %d", WTERMSIG(status));
		return;
	}
	snprintf(out, n, "status %d", status);
}

static int64_t status_field_kb(pid_t pid, const char *field)
{
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	const char *p = strstr(buf, field);
	if (!p)
		return -1;
	p += strlen(field);
	while (*p == ' ' || *p == '\t')
		p++;
	int64_t v = 0;
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (*p++ - '0');
	return v;
}

int64_t proc_peak_rss_kb(pid_t pid)
{
	return status_field_kb(pid, "VmHWM:");
}

int64_t proc_rss_kb(pid_t pid)
{
	return status_field_kb(pid, "VmRSS:");
}

void proc_lines_init(struct proc_lines *l, size_t max_line)
{
	l->max_line = max_line ? max_line : 256 * 1024;
	l->buf = xmalloc(l->max_line);
	l->len = 0;
}

void proc_lines_free(struct proc_lines *l)
{
	free(l->buf);
	l->buf = NULL;
	l->len = 0;
}

/* Appends bytes to the pending line, emitting complete and overlong lines. */
static void feed(struct proc_lines *l, const char *p, size_t n, proc_line_fn fn, void *arg)
{
	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t seg = nl ? (size_t)(nl - p) : n;
		while (l->len + seg > l->max_line) {
			size_t take = l->max_line - l->len;
			memcpy(l->buf + l->len, p, take);
			fn(arg, l->buf, l->max_line);
			l->len = 0;
			p += take;
			seg -= take;
			n -= take;
		}
		memcpy(l->buf + l->len, p, seg);
		l->len += seg;
		p += seg;
		n -= seg;
		if (nl) {
			fn(arg, l->buf, l->len);
			l->len = 0;
			p++;
			n--;
		}
	}
}

int proc_lines_read(struct proc_lines *l, int fd, proc_line_fn fn, void *arg)
{
	char tmp[16384];
	/* Bounded per call so one chatty pipe cannot starve the others. */
	for (int round = 0; round < 16; round++) {
		ssize_t n = read(fd, tmp, sizeof tmp);
		if (n > 0) {
			feed(l, tmp, (size_t)n, fn, arg);
			continue;
		}
		if (n == 0) {
			proc_lines_flush(l, fn, arg);
			return 1;
		}
		if (errno == EINTR)
			continue;
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	}
	return 0;
}

void proc_lines_flush(struct proc_lines *l, proc_line_fn fn, void *arg)
{
	if (l->len) {
		fn(arg, l->buf, l->len);
		l->len = 0;
	}
}
