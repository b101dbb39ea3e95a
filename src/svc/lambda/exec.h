/* exec.h — Lambda execution: environments (env.c), the Runtime API they
 * serve (runtime_api.c) and the runtimes nuage can start (runtimes.c).
 *
 * An invocation is handed to lambda_exec_submit with the function version
 * it runs; the engine finds a warm environment of that version (or starts
 * one, within the concurrency limits), delivers the event through the
 * Runtime API, and calls inv->done on the environment's thread when the
 * runtime answered, failed, crashed or timed out. Nothing here touches the
 * database: callers resolve functions, and output goes to engine/logsink.
 */
#ifndef NUAGE_SVC_LAMBDA_EXEC_H
#define NUAGE_SVC_LAMBDA_EXEC_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LAMBDA_MAX_RESPONSE 6291556   /* runtime response limit (6 MB + 100 bytes, as RAPID) */
#define LAMBDA_TAIL_BYTES 4096        /* X-Amz-Log-Result */
#define LAMBDA_INIT_LIMIT_MS 10000    /* the init phase of an on-demand environment */

/* What an environment runs: one function version at one revision. Envs
 * are reused only for the same key, so an update never reaches a warm
 * environment started with the old code or configuration. */
struct lambda_fn {
	char *key;          /* account/region/name/version/revision */
	char *account, *region, *name, *version, *revision;
	char *arn;          /* unqualified function ARN */
	char *runtime, *handler, *code_dir, *log_group;
	char *env_json;     /* the function's Environment.Variables as a JSON object, or NULL */
	int timeout_s, memory_mb;
	int reserved;       /* reserved concurrency, -1 when none */
};

/* One invocation in flight. Reference-counted: the submitter and the
 * environment each hold one until they are done with it. */
struct lambda_inv {
	char request_id[40];
	char *payload;
	size_t len;
	char *invoked_arn;     /* the ARN as invoked (with its qualifier) */
	char *client_context;  /* JSON for Lambda-Runtime-Client-Context, or NULL */
	bool want_tail;
	/* Results, valid in done(). */
	char *result;          /* response payload or error document (malloc) */
	size_t rlen;
	char func_error[16];   /* "" on success, else "Unhandled" */
	char error_type[96];   /* the error's type for records and REPORT lines */
	char *tail;            /* last LAMBDA_TAIL_BYTES of the invocation's log, when want_tail */
	size_t tail_len;
	char version[16];      /* the version that ran */
	void (*done)(struct lambda_inv *inv);
	void *arg;
	atomic_int refs;
};

enum lambda_submit {
	SUBMIT_OK,
	SUBMIT_THROTTLED_FUNCTION,  /* reserved concurrency exhausted */
	SUBMIT_THROTTLED_ACCOUNT,   /* account (or unreserved) concurrency exhausted */
	SUBMIT_STOPPING,            /* nuage is shutting down */
};

/* Allocates an invocation with one reference (the caller's). */
struct lambda_inv *lambda_inv_new(const char *payload, size_t len);
void lambda_inv_release(struct lambda_inv *inv);

struct lambda_exec_settings {
	const char *data_dir;
	const char *python, *node;  /* interpreters as configured (names or paths) */
	int idle_s;
	int concurrency;            /* account limit */
	const char *host;           /* where nuage listens, for AWS_ENDPOINT_URL */
	const struct config *cfg;   /* credentials of each account */
};

int lambda_exec_start(const struct lambda_exec_settings *s);
void lambda_exec_listening(int port);
/* Shutdown, in two steps: no new work and waiters give up soon; then
 * every environment is stopped and joined. */
void lambda_exec_quiesce(void);
void lambda_exec_stop(void);
bool lambda_exec_stopping(void);

/* Hands inv to an environment running fn; on SUBMIT_OK the engine takes a
 * reference and will call inv->done exactly once. */
enum lambda_submit lambda_exec_submit(const struct lambda_fn *fn, struct lambda_inv *inv);
/* Stops the idle environments of a function (all versions) and marks the
 * busy ones to stop after their invocation: after an update or delete. */
void lambda_exec_retire(const char *account, const char *region, const char *name);
/* Sum of reserved concurrency over all functions (for the unreserved pool). */
void lambda_exec_set_reserved_total(int total);
/* Environments busy for a function (all versions), and in total. */
int lambda_exec_busy(const char *account, const char *region, const char *name);
int lambda_exec_busy_total(void);

/* The runtime a function names, as nuage starts it. */
enum lambda_runtime_kind { RT_UNSUPPORTED, RT_PYTHON, RT_NODE, RT_PROVIDED };
enum lambda_runtime_kind lambda_runtime_kind(const char *runtime);
/* Writes the bootstraps nuage ships into <data>/lambda/runtime. 0 or -1. */
int lambda_runtimes_install(const char *runtime_dir);
/* Resolves an interpreter name on PATH to the real executable (following
 * version-manager shims such as pyenv's); the result is cached. NULL when
 * not found. */
const char *lambda_runtime_resolve(enum lambda_runtime_kind k, const char *configured);

/* Removes a directory tree without following symlinks (code.c). */
void lambda_remove_tree(const char *path);

/* Frees a copy made by lambda_fn_copy. */
struct lambda_fn *lambda_fn_copy(const struct lambda_fn *fn);
void lambda_fn_free(struct lambda_fn *fn);

#endif
