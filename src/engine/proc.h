/* proc.h — supervised child processes (DESIGN.md, "Running user code").
 *
 * Shared by every engine that runs user code (Lambda execution
 * environments, EC2 user-data workers). A child runs in its own process
 * group (so a timeout kills everything it started), in a working directory
 * of the caller's choosing, with an explicit environment, resource limits,
 * stdin from /dev/null, stdout/stderr on pipes the caller reads, and the
 * parent-death signal set so it cannot outlive nuage.
 *
 * Threading: the thread that calls proc_spawn must stay alive until the
 * child is reaped — Linux delivers the parent-death signal when the
 * *thread* that forked exits. Engines give each child a supervising thread.
 */
#ifndef NUAGE_ENGINE_PROC_H
#define NUAGE_ENGINE_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

struct proc_spec {
	const char *path;        /* executable; absolute, or found on the child's PATH when no '/' */
	char *const *argv;       /* NULL-terminated */
	char *const *envp;       /* NULL-terminated: the child's whole environment */
	const char *cwd;         /* NULL: inherit */
	int64_t limit_as;        /* RLIMIT_AS in bytes; 0: unchanged */
	int64_t limit_nofile;    /* RLIMIT_NOFILE; 0: unchanged */
	bool capture;            /* stdout/stderr to pipes (else inherited) */
};

struct proc {
	pid_t pid;               /* also the process group id; 0 when not running */
	int pidfd;               /* readable when the child exits; -1 if the kernel lacks pidfd_open */
	int out_fd, err_fd;      /* read ends (non-blocking, close-on-exec); -1 when not captured */
	int64_t started_us;      /* clock_mono_us at spawn */
	bool reaped;
	int status;              /* wait status once reaped */
	struct rusage ru;        /* the child's usage once reaped */
};

/* Starts the child. 0, or -1 with err set: an exec failure ("fork/exec
 * PATH: permission denied", the way Lambda reports it) is reported here,
 * not as an exit status. */
int proc_spawn(const struct proc_spec *s, struct proc *p, char *err, size_t errlen);
/* Sends sig to the whole process group. */
int proc_signal(const struct proc *p, int sig);
/* Reaps the child if it exited: 1 reaped (status/ru filled), 0 still
 * running (never when wait), -1 error. */
int proc_reap(struct proc *p, bool wait);
/* SIGTERM the group, wait up to grace_ms, then SIGKILL the group and reap.
 * Always leaves the child reaped. */
void proc_stop(struct proc *p, int grace_ms);
/* Closes the pipes and pidfd (after reaping). */
void proc_close(struct proc *p);
/* "exit status 1" / "signal: killed": how Lambda words an exit. */
void proc_exit_text(int status, char *out, size_t n);
/* Peak and current resident set size of a live process in KiB (VmHWM /
 * VmRSS from /proc), or -1. */
int64_t proc_peak_rss_kb(pid_t pid);
int64_t proc_rss_kb(pid_t pid);

/* Splits a pipe's bytes into lines. Lines longer than max_line are cut
 * into max_line pieces, so memory stays bounded whatever the child writes. */
struct proc_lines {
	char *buf;
	size_t len, max_line;
};

typedef void (*proc_line_fn)(void *arg, const char *line, size_t n);

void proc_lines_init(struct proc_lines *l, size_t max_line);
void proc_lines_free(struct proc_lines *l);
/* Reads what fd has now and emits complete lines (without "\n"; a
 * trailing "\r" is kept). 0: would block; 1: end of file (after emitting
 * the unterminated rest); -1: read error. */
int proc_lines_read(struct proc_lines *l, int fd, proc_line_fn fn, void *arg);
/* Emits an unterminated rest, if any. */
void proc_lines_flush(struct proc_lines *l, proc_line_fn fn, void *arg);

#endif
