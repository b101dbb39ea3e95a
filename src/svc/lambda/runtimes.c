/* runtimes.c — the runtimes nuage can start, and the bootstraps it ships.
 *
 * python3.x  -> runtime/bootstrap.py (our own code, embedded in the binary)
 *               run by --lambda-python (python3 on PATH by default)
 * nodejs*    -> runtime/bootstrap.mjs run by --lambda-node (node on PATH)
 * provided, provided.al2, provided.al2023 -> the function's own ./bootstrap
 * Everything else (java, dotnet, ruby, go1.x) is refused at invoke time.
 *
 * The bootstraps are compiled in with .incbin (the Makefile lists them as
 * dependencies of this object) and written to <data>/lambda/runtime at every
 * start, so the files always match the binary.
 */
#include "svc/lambda/exec.h"
#include "core/log.h"
#include "core/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EMBED(sym, file)                                                                 \
	__asm__(".section .rodata\n.global " #sym "\n.balign 16\n" #sym ":\n.incbin \"" file \
		"\"\n.global " #sym "_end\n" #sym "_end:\n.byte 0\n.previous\n")

EMBED(lambda_bootstrap_py, "src/svc/lambda/runtime/bootstrap.py");
EMBED(lambda_bootstrap_mjs, "src/svc/lambda/runtime/bootstrap.mjs");
extern const char lambda_bootstrap_py[], lambda_bootstrap_py_end[];
extern const char lambda_bootstrap_mjs[], lambda_bootstrap_mjs_end[];

enum lambda_runtime_kind lambda_runtime_kind(const char *runtime)
{
	if (!runtime)
		return RT_UNSUPPORTED;
	if (!strncmp(runtime, "python3", 7))
		return RT_PYTHON;
	if (!strncmp(runtime, "nodejs", 6))
		return RT_NODE;
	if (!strcmp(runtime, "provided") || !strcmp(runtime, "provided.al2") || !strcmp(runtime, "provided.al2023"))
		return RT_PROVIDED;
	return RT_UNSUPPORTED;
}

/* Writes a file atomically (temp + rename), so a running environment never
 * sees half a bootstrap. */
static int install(const char *dir, const char *name, const char *data, size_t len)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	size_t off = 0;
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);
		if (n <= 0) {
			close(fd);
			unlink(tmp);
			return -1;
		}
		off += (size_t)n;
	}
	close(fd);
	return rename(tmp, path);
}

int lambda_runtimes_install(const char *runtime_dir)
{
	if (mkdir(runtime_dir, 0755) && errno != EEXIST) {
		log_error("lambda: cannot create %s: %s", runtime_dir, strerror(errno));
		return -1;
	}
	if (install(runtime_dir, "bootstrap.py", lambda_bootstrap_py, (size_t)(lambda_bootstrap_py_end - lambda_bootstrap_py)) ||
	    install(runtime_dir, "bootstrap.mjs", lambda_bootstrap_mjs,
		    (size_t)(lambda_bootstrap_mjs_end - lambda_bootstrap_mjs))) {
		log_error("lambda: cannot write the runtime bootstraps into %s: %s", runtime_dir, strerror(errno));
		return -1;
	}
	return 0;
}

static bool executable(const char *p)
{
	struct stat st;
	return !stat(p, &st) && S_ISREG(st.st_mode) && !access(p, X_OK);
}

static bool find_on_path(const char *name, char *out, size_t outlen)
{
	if (strchr(name, '/')) {
		snprintf(out, outlen, "%s", name);
		return executable(out);
	}
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *colon = strchr(path, ':');
		size_t dl = colon ? (size_t)(colon - path) : strlen(path);
		if (dl && (size_t)snprintf(out, outlen, "%.*s/%s", (int)dl, path, name) < outlen && executable(out))
			return true;
		if (!colon)
			break;
		path = colon + 1;
	}
	return false;
}

/* A version manager's shim (pyenv, nodenv, asdf) is a script that costs
 * tens of milliseconds per start: ask the interpreter where it really is. */
static char *real_executable(const char *found, enum lambda_runtime_kind k)
{
	FILE *f = fopen(found, "rb");
	char magic[2] = {0, 0};
	if (f) {
		size_t n = fread(magic, 1, 2, f);
		(void)n;
		fclose(f);
	}
	if (magic[0] != '#' || magic[1] != '!')
		return xstrdup(found);
	char cmd[PATH_MAX + 64];
	snprintf(cmd, sizeof cmd, "'%s' %s 2>/dev/null", found,
		 k == RT_PYTHON ? "-c 'import sys; print(sys.executable)'" : "-p process.execPath");
	FILE *p = popen(cmd, "r");
	char line[PATH_MAX] = "";
	if (p) {
		if (!fgets(line, sizeof line, p))
			line[0] = 0;
		pclose(p);
	}
	line[strcspn(line, "\r\n")] = 0;
	return xstrdup(line[0] && executable(line) ? line : found);
}

const char *lambda_runtime_resolve(enum lambda_runtime_kind k, const char *configured)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static char *cache[4];
	static bool tried[4];
	if (k != RT_PYTHON && k != RT_NODE)
		return NULL;
	pthread_mutex_lock(&mu);
	if (!tried[k]) {
		tried[k] = true;
		char found[PATH_MAX];
		if (configured && find_on_path(configured, found, sizeof found))
			cache[k] = real_executable(found, k);
		else
			log_warn("lambda: %s not found: %s functions cannot run", configured ? configured : "(none)",
				 k == RT_PYTHON ? "python" : "node.js");
	}
	const char *r = cache[k];
	pthread_mutex_unlock(&mu);
	return r;
}
