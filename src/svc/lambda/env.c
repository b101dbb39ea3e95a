/* env.c — Lambda execution environments: scheduling, supervision, logs.
 *
 * An environment is one supervised child process (engine/proc.c) running
 * one function version, plus the thread that supervises it: that thread
 * forks the child (so the parent-death signal is tied to a thread that
 * outlives it), serves the environment's Runtime API listener
 * (runtime_api.c), reads the child's stdout/stderr into the function's log
 * stream (engine/logsink.c), enforces the timeout and memory size, and
 * stops the child when the environment ends.
 *
 * States (changed under X.mu; the env's own thread does everything else):
 *
 *            submit, no idle env              taken by submit
 *    (new) ----------------------> STARTING <---------------- SPARE (Python
 *                                     |       --first /next--+   interpreter
 *                                     |                      |   already up)
 *                                     |                     |  deliver
 *                                     | init error, exit,   v
 *                                     | init timeout      BUSY <----------+
 *                                     v                     | response,   | submit
 *                                   DEAD <---- exit, timeout| error       |
 *                                     ^        OOM, retire  v             |
 *                                     +---- idle timeout -- IDLE ---------+
 *
 * Invariants:
 *  1. An env is on its pool's idle list iff its state is IDLE; a STARTING
 *     or BUSY env has exactly one invocation, which counts against the
 *     function's and the account's concurrency until finish() runs.
 *  2. finish() is the only place an invocation leaves an env, and it calls
 *     inv->done exactly once — on success, error, timeout, crash or stop.
 *     Submit hands an invocation to a running env through `mail` (under
 *     X.mu); only the env's thread touches `inv`.
 *  3. Environments are reused only for the same lambda_fn key (version and
 *     revision): an updated function never runs in an old environment.
 *  4. The child is always reaped by its own env thread before that thread
 *     exits; the thread count lets stop() wait for all of them.
 *  5. A SPARE env belongs to no pool and runs no function: it is a Python
 *     interpreter that has started and imported the bootstrap, parked on
 *     the nuage-only GET /2018-06-01/runtime/nuage/assign. A cold start of
 *     a Python function takes it (its environment variables, working
 *     directory and memory limit travel in the answer), so the interpreter's
 *     own start-up is off the critical path, and a new spare is started.
 *     Functions that set PYTHON* variables (which act at interpreter start)
 *     never use one.
 */
#include "svc/lambda/exec.h"
#include "config.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/enc.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/rand.h"
#include "engine/logsink.h"
#include "engine/proc.h"
#include "svc/lambda/rapi.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 8
#define RSS_CHECK_US 100000
#define STOP_GRACE_MS 500
#define QUIESCE_MS 8000
#define NOFILE_LIMIT 1024
#define AS_ALLOWANCE_MB 1024 /* address space beyond MemorySize: runtimes reserve far more than they touch */
#define LOG_LINE_MAX (256 * 1024 - 26)

enum env_state { ENV_SPARE, ENV_STARTING, ENV_IDLE, ENV_BUSY, ENV_DEAD };

struct pool;

struct lenv {
	uint64_t id;
	struct pool *pool;
	enum env_state state;
	struct lambda_inv *inv;      /* the env thread's own (see take_mail) */
	struct lambda_inv *mail;     /* handed over by submit under X.mu */
	int64_t taken_us;            /* when submit took this spare (under X.mu) */
	struct pool *mail_pool;      /* ... and for which function (under X.mu) */
	char mail_stream[96];
	bool inv_sent, unreserved, retire, wake_pending;
	int wake_fd, listen_fd, port;
	struct proc proc;
	bool spawned, exited;
	struct rapi_conn *conns[MAX_CONNS];
	int nconns;
	struct rapi_conn *parked;
	struct rapi_conn *assign_conn; /* a spare's parked /nuage/assign */
	bool assign_sent;
	bool born_spare;             /* started as a spare (fixed at creation) */
	struct proc_lines out_lines, err_lines;
	char stream[96];
	char dir[PATH_MAX - 64];
	int64_t spawned_us, init_ms_x100, inv_start_us, deadline_us, idle_since_us, rss_check_us;
	bool initialized, report_init;
	struct buf tail;
	struct lenv *next, *next_idle;
};

struct pool {
	struct lambda_fn *fn;
	struct lenv *envs, *idle;
	int nbusy;
	bool retired;
	struct pool *next;
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t threads_cv;
	struct pool *pools;
	struct lenv *spare; /* a pre-started Python environment, or NULL */
	int nthreads, busy_total, busy_unreserved, reserved_total;
	bool started, quiescing, stopping;
	int64_t quiesce_deadline_us;
	uint64_t next_id;
	char *data_dir, *envs_dir, *runtime_dir, *python, *node, *host;
	int idle_s, concurrency;
	const struct config *cfg;
	atomic_int port;
} X = {.mu = PTHREAD_MUTEX_INITIALIZER, .threads_cv = PTHREAD_COND_INITIALIZER};

/* ---- invocations and function copies ---- */

struct lambda_inv *lambda_inv_new(const char *payload, size_t len)
{
	struct lambda_inv *inv = xcalloc(1, sizeof *inv);
	inv->payload = xmalloc(len + 1);
	memcpy(inv->payload, payload, len);
	inv->payload[len] = 0;
	inv->len = len;
	uuid4(inv->request_id);
	atomic_init(&inv->refs, 1);
	return inv;
}

void lambda_inv_release(struct lambda_inv *inv)
{
	if (!inv || atomic_fetch_sub(&inv->refs, 1) != 1)
		return;
	free(inv->payload);
	free(inv->invoked_arn);
	free(inv->client_context);
	free(inv->result);
	free(inv->tail);
	free(inv);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

struct lambda_fn *lambda_fn_copy(const struct lambda_fn *f)
{
	struct lambda_fn *c = xcalloc(1, sizeof *c);
	c->key = xstrdup(f->key);
	c->account = xstrdup(f->account);
	c->region = xstrdup(f->region);
	c->name = xstrdup(f->name);
	c->version = xstrdup(f->version);
	c->revision = xstrdup(f->revision);
	c->arn = xstrdup(f->arn);
	c->runtime = xstrdup(f->runtime);
	c->handler = dup_or_null(f->handler);
	c->code_dir = xstrdup(f->code_dir);
	c->log_group = xstrdup(f->log_group);
	c->env_json = dup_or_null(f->env_json);
	c->timeout_s = f->timeout_s;
	c->memory_mb = f->memory_mb;
	c->reserved = f->reserved;
	return c;
}

void lambda_fn_free(struct lambda_fn *f)
{
	if (!f)
		return;
	free(f->key);
	free(f->account);
	free(f->region);
	free(f->name);
	free(f->version);
	free(f->revision);
	free(f->arn);
	free(f->runtime);
	free(f->handler);
	free(f->code_dir);
	free(f->log_group);
	free(f->env_json);
	free(f);
}

/* ---- logs ---- */

static void env_log(struct lenv *e, const char *msg, size_t n)
{
	if (!e->pool) {
		/* A spare has no function, hence no log group yet. */
		log_debug("lambda: spare environment says: %.*s", (int)(n > 200 ? 200 : n), msg);
		return;
	}
	const struct lambda_fn *f = e->pool->fn;
	if (n > LOG_LINE_MAX)
		n = LOG_LINE_MAX;
	/* Lambda's text-format events end with a newline, as AWS writes them. */
	char stackbuf[1024];
	char *line = n + 2 <= sizeof stackbuf ? stackbuf : xmalloc(n + 2);
	memcpy(line, msg, n);
	line[n] = '\n';
	logsink_put(f->account, f->region, f->log_group, e->stream, clock_wall_ms(), line, n + 1);
	if (e->inv && e->inv_sent && e->inv->want_tail) {
		buf_add(&e->tail, line, n + 1);
		/* Keep the buffer bounded: only the last LAMBDA_TAIL_BYTES matter. */
		if (e->tail.len > 4 * LAMBDA_TAIL_BYTES) {
			size_t drop = e->tail.len - LAMBDA_TAIL_BYTES;
			memmove(e->tail.data, e->tail.data + drop, e->tail.len - drop);
			e->tail.len -= drop;
		}
	}
	if (line != stackbuf)
		free(line);
}

static void env_logf(struct lenv *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void env_logf(struct lenv *e, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	env_log(e, line, n < 0 ? 0 : (size_t)n >= sizeof line ? sizeof line - 1 : (size_t)n);
}

static void on_output(void *arg, const char *line, size_t n)
{
	struct lenv *e = arg;
	if (n && line[n - 1] == '\r')
		n--;
	env_log(e, line, n);
}

/* Reads what the child has written so far (bounded: a few hundred KiB),
 * so a function's last prints land before its END line. */
static void drain_output(struct lenv *e)
{
	for (int i = 0; i < 4; i++) {
		if (e->proc.out_fd >= 0)
			proc_lines_read(&e->out_lines, e->proc.out_fd, on_output, e);
		if (e->proc.err_fd >= 0)
			proc_lines_read(&e->err_lines, e->proc.err_fd, on_output, e);
	}
}

/* ---- finishing an invocation ---- */

static int64_t max_memory_mb(struct lenv *e)
{
	int64_t kb = -1;
	if (e->spawned && !e->proc.reaped)
		kb = proc_peak_rss_kb(e->proc.pid);
	if (kb < 0 && e->proc.reaped)
		kb = e->proc.ru.ru_maxrss;
	return kb < 0 ? 0 : (kb + 512) / 1024;
}

/* Ends the current invocation: END/REPORT lines, results, done(). status
 * is NULL on success, else the REPORT's "Status: ..." words. */
static void finish(struct lenv *e, const char *result, size_t rlen, bool func_error, const char *error_type,
		   const char *status, bool env_survives)
{
	struct lambda_inv *inv = e->inv;
	if (!inv)
		return;
	const struct lambda_fn *f = e->pool->fn;
	if (e->inv_sent) {
		double dur = (double)(clock_mono_us() - e->inv_start_us) / 1000.0;
		double init = e->report_init ? (double)e->init_ms_x100 / 100.0 : 0;
		long long billed = (long long)ceil(dur + init);
		env_logf(e, "END RequestId: %s", inv->request_id);
		char extra[256] = "";
		if (e->report_init)
			snprintf(extra, sizeof extra, "Init Duration: %.2f ms\t", init);
		if (status)
			snprintf(extra + strlen(extra), sizeof extra - strlen(extra), "Status: %s\t%s%s%s", status,
				 error_type && *error_type ? "Error Type: " : "", error_type ? error_type : "",
				 error_type && *error_type ? "\t" : "");
		env_logf(e, "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %lld ms\tMemory Size: %d MB\tMax Memory "
			    "Used: %lld MB\t%s",
			 inv->request_id, dur, billed, f->memory_mb, (long long)max_memory_mb(e), extra);
		e->report_init = false;
	}
	inv->result = xmalloc(rlen + 1);
	memcpy(inv->result, result, rlen);
	inv->result[rlen] = 0;
	inv->rlen = rlen;
	snprintf(inv->func_error, sizeof inv->func_error, "%s", func_error ? "Unhandled" : "");
	snprintf(inv->error_type, sizeof inv->error_type, "%s", error_type ? error_type : "");
	snprintf(inv->version, sizeof inv->version, "%s", f->version);
	if (inv->want_tail && e->tail.len) {
		size_t n = e->tail.len > LAMBDA_TAIL_BYTES ? LAMBDA_TAIL_BYTES : e->tail.len;
		inv->tail = xmemdup(e->tail.data + e->tail.len - n, n);
		inv->tail_len = n;
	}
	buf_reset(&e->tail);
	pthread_mutex_lock(&X.mu);
	e->inv = NULL;
	e->inv_sent = false;
	e->pool->nbusy--;
	X.busy_total--;
	if (e->unreserved)
		X.busy_unreserved--;
	if (env_survives && !e->retire && !e->pool->retired && !X.quiescing && !X.stopping) {
		e->state = ENV_IDLE;
		e->next_idle = e->pool->idle;
		e->pool->idle = e;
		e->idle_since_us = clock_mono_us();
	} else {
		e->state = ENV_DEAD;
	}
	pthread_mutex_unlock(&X.mu);
	inv->done(inv);
	lambda_inv_release(inv);
}

/* A failure Lambda itself reports (timeout, crash): errorType first. */
static void fail(struct lenv *e, const char *type, const char *status, bool survives, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void fail(struct lenv *e, const char *type, const char *status, bool survives, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	struct buf b;
	buf_init(&b, 8192);
	buf_adds(&b, "{\"errorType\":");
	json_t *t = json_string(type), *m = json_string(msg);
	char *ts = json_dumps(t, JSON_ENCODE_ANY), *ms = json_dumps(m, JSON_ENCODE_ANY);
	buf_adds(&b, ts);
	buf_adds(&b, ",\"errorMessage\":");
	buf_adds(&b, ms);
	buf_addc(&b, '}');
	free(ts);
	free(ms);
	json_decref(t);
	json_decref(m);
	finish(e, b.data, b.len, true, type, status, survives);
	buf_free(&b);
}

/* ---- delivering an invocation through /next ---- */

static void deliver(struct lenv *e)
{
	struct lambda_inv *inv = e->inv;
	if (!inv || e->inv_sent || !e->parked)
		return;
	const struct lambda_fn *f = e->pool->fn;
	int64_t now_ms = clock_wall_ms();
	e->inv_start_us = clock_mono_us();
	e->deadline_us = e->inv_start_us + (int64_t)f->timeout_s * 1000000;
	e->rss_check_us = e->inv_start_us + RSS_CHECK_US;
	unsigned char r[16];
	rand_bytes(r, sizeof r);
	char root[25], parent[17];
	hex_encode(r, 12, root);
	hex_encode(r + 8, 8, parent);
	struct buf h;
	buf_init(&h, 65536);
	buf_addf(&h,
		 "Lambda-Runtime-Aws-Request-Id: %s\r\nLambda-Runtime-Deadline-Ms: %lld\r\n"
		 "Lambda-Runtime-Invoked-Function-Arn: %s\r\nLambda-Runtime-Trace-Id: Root=1-%08llx-%s;Parent=%s;Sampled=0\r\n",
		 inv->request_id, (long long)(now_ms + (int64_t)f->timeout_s * 1000), inv->invoked_arn,
		 (unsigned long long)(now_ms / 1000), root, parent);
	if (inv->client_context)
		buf_addf(&h, "Lambda-Runtime-Client-Context: %s\r\n", inv->client_context);
	e->inv_sent = true;
	env_logf(e, "START RequestId: %s Version: %s", inv->request_id, f->version);
	struct rapi_conn *c = e->parked;
	e->parked = NULL;
	rapi_reply(c, 200, buf_str(&h), inv->len ? inv->payload : "{}", inv->len ? inv->len : 2);
	buf_free(&h);
}

/* ---- Runtime API callbacks ---- */

static void api_next(void *arg, struct rapi_conn *c)
{
	struct lenv *e = arg;
	if (e->parked && e->parked != c)
		rapi_reply_error(e->parked, 400, "InvalidStateTransition", "Another /next replaced this one");
	e->parked = c;
	if (!e->initialized) {
		e->initialized = true;
		e->init_ms_x100 = (clock_mono_us() - e->spawned_us) / 10;
		e->report_init = true;
		pthread_mutex_lock(&X.mu);
		if (e->state == ENV_STARTING)
			e->state = e->inv ? ENV_BUSY : ENV_IDLE;
		pthread_mutex_unlock(&X.mu);
	}
	/* A /next while an invocation is in flight ends it without a response:
	 * RAPID treats it as an empty success. */
	if (e->inv && e->inv_sent) {
		finish(e, "null", 4, false, NULL, NULL, true);
		return;
	}
	deliver(e);
}

static bool current(struct lenv *e, struct rapi_conn *c, const char *id)
{
	if (e->inv && e->inv_sent && !strcmp(e->inv->request_id, id))
		return true;
	rapi_reply_error(c, 400, "InvalidRequestID", "Invalid request ID");
	return false;
}

static void api_response(void *arg, struct rapi_conn *c, const char *id, const char *body, size_t len)
{
	struct lenv *e = arg;
	if (!current(e, c, id))
		return;
	rapi_reply_accepted(c);
	drain_output(e);
	finish(e, body, len, false, NULL, NULL, true);
}

/* The error's type: the document's errorType, else the runtime's
 * Lambda-Runtime-Function-Error-Type header, else dflt. */
static void error_type_of(const char *body, size_t len, const char *header, const char *dflt, char *out, size_t n)
{
	json_t *doc = json_loadb(body, len, 0, NULL);
	const char *et = json_string_value(json_object_get(doc, "errorType"));
	snprintf(out, n, "%s", et ? et : header ? header : dflt);
	json_decref(doc);
}

static void api_error(void *arg, struct rapi_conn *c, const char *id, const char *body, size_t len, const char *type)
{
	struct lenv *e = arg;
	if (!current(e, c, id))
		return;
	rapi_reply_accepted(c);
	drain_output(e);
	char etype[96];
	error_type_of(body, len, type, "Unhandled", etype, sizeof etype);
	finish(e, len ? body : "{}", len ? len : 2, true, etype, NULL, true);
}

static void api_init_error(void *arg, struct rapi_conn *c, const char *body, size_t len, const char *type)
{
	struct lenv *e = arg;
	if (e->initialized) {
		rapi_reply_error(c, 403, "InvalidStateTransition", "State transition from Ready to InitError failed");
		return;
	}
	rapi_reply_accepted(c);
	drain_output(e);
	char etype[96];
	error_type_of(body, len, type, "Runtime.Unknown", etype, sizeof etype);
	e->initialized = true;
	double init = (double)(clock_mono_us() - e->spawned_us) / 1000.0;
	env_logf(e, "INIT_REPORT Init Duration: %.2f ms\tPhase: init\tStatus: error\tError Type: %s", init, etype);
	/* The invocation that started this environment fails with the runtime's
	 * own document; the environment is gone (the next invoke starts afresh). */
	if (e->inv) {
		e->inv_sent = true;
		e->inv_start_us = clock_mono_us();
		env_logf(e, "START RequestId: %s Version: %s", e->inv->request_id, e->pool->fn->version);
		finish(e, len ? body : "{}", len ? len : 2, true, etype, "error", false);
	}
	pthread_mutex_lock(&X.mu);
	e->state = ENV_DEAD;
	pthread_mutex_unlock(&X.mu);
}

static void api_too_large(void *arg, struct rapi_conn *c, const char *id)
{
	struct lenv *e = arg;
	rapi_reply_error(c, 413, "RequestEntityTooLarge", "Exceeded maximum allowed payload size (6291556 bytes).");
	if (e->inv && e->inv_sent && !strcmp(e->inv->request_id, id))
		fail(e, "Function.ResponseSizeTooLarge", NULL, true,
		     "Response payload size exceeded maximum allowed payload size (6291556 bytes).");
}

static void send_assignment(struct lenv *e);

static void api_assign(void *arg, struct rapi_conn *c)
{
	struct lenv *e = arg;
	if (e->assign_sent || e->assign_conn || e->initialized) {
		rapi_reply_error(c, 403, "InvalidStateTransition", "This environment is not waiting for a function");
		return;
	}
	e->assign_conn = c;
	pthread_mutex_lock(&X.mu);
	bool taken = e->state != ENV_SPARE;
	pthread_mutex_unlock(&X.mu);
	if (taken)
		send_assignment(e);
}

static const struct rapi_handler api = {api_next, api_response, api_error, api_init_error, api_too_large, api_assign};

/* ---- starting the child ---- */

static void addenv(char ***envp, int *n, int *cap, const char *k, const char *v)
{
	for (int i = 0; i < *n; i++) {
		size_t kl = strlen(k);
		if (!strncmp((*envp)[i], k, kl) && (*envp)[i][kl] == '=') {
			free((*envp)[i]);
			size_t l = kl + strlen(v) + 2;
			(*envp)[i] = xmalloc(l);
			snprintf((*envp)[i], l, "%s=%s", k, v);
			return;
		}
	}
	if (*n + 2 > *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*envp = xrealloc(*envp, sizeof **envp * (size_t)*cap);
	}
	size_t l = strlen(k) + strlen(v) + 2;
	(*envp)[*n] = xmalloc(l);
	snprintf((*envp)[*n], l, "%s=%s", k, v);
	(*n)++;
	(*envp)[*n] = NULL;
}

static const struct credential *account_key(const char *account)
{
	for (int i = 0; i < X.cfg->ncreds; i++)
		if (!strcmp(X.cfg->creds[i].account, account))
			return &X.cfg->creds[i];
	return &X.cfg->creds[0];
}

/* What every child gets, function or spare. */
static void base_env(struct lenv *e, char ***envp, int *n, int *cap)
{
	char tmp[PATH_MAX];
	const char *path = getenv("PATH");
	addenv(envp, n, cap, "PATH", path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	addenv(envp, n, cap, "LANG", "en_US.UTF-8");
	addenv(envp, n, cap, "TZ", ":UTC");
	snprintf(tmp, sizeof tmp, "127.0.0.1:%d", e->port);
	addenv(envp, n, cap, "AWS_LAMBDA_RUNTIME_API", tmp);
	addenv(envp, n, cap, "LAMBDA_RUNTIME_DIR", X.runtime_dir);
	addenv(envp, n, cap, "HOME", e->dir);
	snprintf(tmp, sizeof tmp, "%s/tmp", e->dir);
	addenv(envp, n, cap, "TMPDIR", tmp);
}

static char **build_env(struct lenv *e, enum lambda_runtime_kind kind)
{
	const struct lambda_fn *f = e->pool->fn;
	char **envp = NULL;
	int n = 0, cap = 0;
	char tmp[PATH_MAX], num[32];
	/* The function's own variables first: the reserved ones below win. */
	json_t *vars = f->env_json ? json_loads(f->env_json, 0, NULL) : NULL;
	const char *k;
	json_t *v;
	base_env(e, &envp, &n, &cap);
	snprintf(tmp, sizeof tmp, "http://%s:%d", X.host, atomic_load(&X.port));
	addenv(&envp, &n, &cap, "AWS_ENDPOINT_URL", tmp);
	json_object_foreach(vars, k, v) if (json_is_string(v)) addenv(&envp, &n, &cap, k, json_string_value(v));
	json_decref(vars);
	const struct credential *cred = account_key(f->account);
	addenv(&envp, &n, &cap, "AWS_ACCESS_KEY_ID", cred->access_key);
	addenv(&envp, &n, &cap, "AWS_SECRET_ACCESS_KEY", cred->secret_key);
	addenv(&envp, &n, &cap, "AWS_REGION", f->region);
	addenv(&envp, &n, &cap, "AWS_DEFAULT_REGION", f->region);
	addenv(&envp, &n, &cap, "AWS_LAMBDA_FUNCTION_NAME", f->name);
	addenv(&envp, &n, &cap, "AWS_LAMBDA_FUNCTION_VERSION", f->version);
	snprintf(num, sizeof num, "%d", f->memory_mb);
	addenv(&envp, &n, &cap, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", num);
	addenv(&envp, &n, &cap, "AWS_LAMBDA_LOG_GROUP_NAME", f->log_group);
	addenv(&envp, &n, &cap, "AWS_LAMBDA_LOG_STREAM_NAME", e->stream);
	addenv(&envp, &n, &cap, "AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
	addenv(&envp, &n, &cap, "LAMBDA_TASK_ROOT", f->code_dir);
	addenv(&envp, &n, &cap, "_HANDLER", f->handler ? f->handler : "");
	if (kind != RT_PROVIDED) {
		snprintf(tmp, sizeof tmp, "AWS_Lambda_%s", f->runtime);
		addenv(&envp, &n, &cap, "AWS_EXECUTION_ENV", tmp);
	}
	if (kind == RT_PYTHON) {
		addenv(&envp, &n, &cap, "PYTHONUNBUFFERED", "1");
		addenv(&envp, &n, &cap, "PYTHONDONTWRITEBYTECODE", "1");
	}
	return envp;
}

static void free_strv(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

/* A spare: the Python bootstrap with only the base environment, parked
 * on /nuage/assign in its scratch directory. */
static int spawn_spare(struct lenv *e)
{
	const char *exe = lambda_runtime_resolve(RT_PYTHON, X.python);
	if (!exe)
		return -1;
	char script[PATH_MAX];
	snprintf(script, sizeof script, "%s/bootstrap.py", X.runtime_dir);
	char *argv[] = {(char *)exe, "-B", script, NULL};
	char **envp = NULL;
	int n = 0, cap = 0;
	base_env(e, &envp, &n, &cap);
	addenv(&envp, &n, &cap, "PYTHONUNBUFFERED", "1");
	addenv(&envp, &n, &cap, "PYTHONDONTWRITEBYTECODE", "1");
	addenv(&envp, &n, &cap, "_NUAGE_SPARE", "1");
	struct proc_spec spec = {.path = exe, .argv = argv, .envp = envp, .cwd = e->dir, .limit_nofile = NOFILE_LIMIT,
				 .capture = true};
	char err[512];
	e->spawned_us = clock_mono_us();
	int rc = proc_spawn(&spec, &e->proc, err, sizeof err);
	free_strv(envp);
	if (rc) {
		log_warn("lambda: cannot start a spare Python environment: %s", err);
		return -1;
	}
	e->spawned = true;
	return 0;
}

/* Answers a taken spare's /nuage/assign with what spawn() would have set:
 * the function's environment, working directory and memory limit. (The
 * init phase began when submit took the spare: a spare still starting
 * when taken is waited for, and that wait counts.) */
static void send_assignment(struct lenv *e)
{
	if (!e->assign_conn || e->assign_sent || e->state == ENV_SPARE)
		return;
	const struct lambda_fn *f = e->pool->fn;
	char **envp = build_env(e, RT_PYTHON);
	json_t *env = json_object();
	for (char **p = envp; *p; p++) {
		const char *eq = strchr(*p, '=');
		if (eq)
			json_object_setn_new_nocheck(env, *p, (size_t)(eq - *p), json_string(eq + 1));
	}
	free_strv(envp);
	json_t *doc = json_pack("{s:o,s:s,s:I}", "env", env, "cwd", f->code_dir, "limit_as",
				(json_int_t)(((int64_t)f->memory_mb + AS_ALLOWANCE_MB) << 20));
	char *body = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	e->assign_sent = true;
	struct rapi_conn *c = e->assign_conn;
	e->assign_conn = NULL;
	rapi_reply(c, 200, NULL, body, strlen(body));
	free(body);
}

/* Starts the child; on failure the pending invocation fails the way
 * Lambda reports a bad entry point. */
static int spawn(struct lenv *e)
{
	const struct lambda_fn *f = e->pool->fn;
	enum lambda_runtime_kind kind = lambda_runtime_kind(f->runtime);
	char script[PATH_MAX], heap[64], bootstrap[PATH_MAX];
	char *argv[6] = {NULL};
	const char *exe = NULL;
	int64_t limit_as = ((int64_t)f->memory_mb + AS_ALLOWANCE_MB) << 20;
	switch (kind) {
	case RT_PYTHON:
		exe = lambda_runtime_resolve(RT_PYTHON, X.python);
		snprintf(script, sizeof script, "%s/bootstrap.py", X.runtime_dir);
		argv[0] = (char *)exe;
		argv[1] = "-B";
		argv[2] = script;
		break;
	case RT_NODE:
		exe = lambda_runtime_resolve(RT_NODE, X.node);
		snprintf(script, sizeof script, "%s/bootstrap.mjs", X.runtime_dir);
		/* V8 reserves far more address space than it uses: its heap limit,
		 * not RLIMIT_AS, holds a Node function to its memory size. */
		snprintf(heap, sizeof heap, "--max-old-space-size=%d", f->memory_mb * 9 / 10);
		argv[0] = (char *)exe;
		argv[1] = heap;
		argv[2] = script;
		limit_as = 0;
		break;
	case RT_PROVIDED:
		snprintf(bootstrap, sizeof bootstrap, "%s/bootstrap", f->code_dir);
		exe = bootstrap;
		argv[0] = bootstrap;
		if (access(bootstrap, F_OK)) {
			fail(e, "Runtime.InvalidEntrypoint", "error", false,
			     "RequestId: %s Error: Couldn't find valid bootstrap(s): [%s]", e->inv ? e->inv->request_id : "",
			     bootstrap);
			return -1;
		}
		break;
	default:
		break;
	}
	if (!exe && kind == RT_UNSUPPORTED) {
		fail(e, "Runtime.InvalidEntrypoint", "error", false, "RequestId: %s Error: nuage cannot run the %s runtime",
		     e->inv ? e->inv->request_id : "", f->runtime);
		return -1;
	}
	if (!exe) {
		fail(e, "Runtime.InvalidEntrypoint", "error", false,
		     "RequestId: %s Error: nuage cannot start the %s runtime: no %s executable found (see --lambda-%s)",
		     e->inv ? e->inv->request_id : "", f->runtime, kind == RT_NODE ? "node" : "python3",
		     kind == RT_NODE ? "node" : "python");
		return -1;
	}
	char **envp = build_env(e, kind);
	struct proc_spec spec = {.path = exe, .argv = argv, .envp = envp, .cwd = f->code_dir, .limit_as = limit_as,
				 .limit_nofile = NOFILE_LIMIT, .capture = true};
	char err[512];
	e->spawned_us = clock_mono_us();
	int rc = proc_spawn(&spec, &e->proc, err, sizeof err);
	free_strv(envp);
	if (rc) {
		env_logf(e, "%s", err);
		fail(e, "Runtime.InvalidEntrypoint", "error", false, "RequestId: %s Error: %s", e->inv ? e->inv->request_id : "",
		     err);
		return -1;
	}
	e->spawned = true;
	return 0;
}

/* ---- the environment's thread ---- */

static int open_listener(struct lenv *e)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t al = sizeof a;
	if (bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 16) || getsockname(fd, (struct sockaddr *)&a, &al)) {
		close(fd);
		return -1;
	}
	e->listen_fd = fd;
	e->port = ntohs(a.sin_port);
	return 0;
}

static void accept_conns(struct lenv *e)
{
	for (;;) {
		int fd = accept4(e->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;
		if (e->nconns == MAX_CONNS) {
			close(fd);
			continue;
		}
		e->conns[e->nconns++] = rapi_conn_new(fd);
	}
}

static void close_conn(struct lenv *e, int i)
{
	if (e->parked == e->conns[i])
		e->parked = NULL;
	if (e->assign_conn == e->conns[i])
		e->assign_conn = NULL;
	rapi_conn_free(e->conns[i]);
	e->conns[i] = e->conns[--e->nconns];
}

/* Why the child ended, in Lambda's words, while an invocation waits. */
static void child_gone(struct lenv *e)
{
	drain_output(e);
	proc_reap(&e->proc, true);
	e->exited = true;
	char why[64];
	proc_exit_text(e->proc.status, why, sizeof why);
	if (!e->inv)
		return;
	const char *rid = e->inv->request_id;
	if (!e->inv_sent) {
		e->inv_sent = true;
		e->inv_start_us = clock_mono_us();
		env_logf(e, "START RequestId: %s Version: %s", rid, e->pool->fn->version);
	}
	bool clean = WIFEXITED(e->proc.status) && WEXITSTATUS(e->proc.status) == 0;
	env_logf(e, "RequestId: %s Error: Runtime exited %s%s", rid, clean ? "without providing a reason" : "with error: ",
		 clean ? "" : why);
	env_log(e, "Runtime.ExitError", 17);
	if (clean)
		fail(e, "Runtime.ExitError", "error", false, "RequestId: %s Error: Runtime exited without providing a reason", rid);
	else
		fail(e, "Runtime.ExitError", "error", false, "RequestId: %s Error: Runtime exited with error: %s", rid, why);
}

static void timed_out(struct lenv *e)
{
	double secs = (double)(clock_mono_us() - e->inv_start_us) / 1e6;
	char ts[32];
	time_fmt_iso8601(clock_wall_ms(), ts);
	const char *rid = e->inv->request_id;
	env_logf(e, "%s %s Task timed out after %.2f seconds", ts, rid, secs);
	proc_stop(&e->proc, STOP_GRACE_MS);
	drain_output(e);
	e->exited = true;
	fail(e, "Sandbox.Timedout", "timeout", false, "RequestId: %s Error: Task timed out after %.2f seconds", rid, secs);
}

static void out_of_memory(struct lenv *e)
{
	const char *rid = e->inv->request_id;
	proc_signal(&e->proc, SIGKILL);
	proc_reap(&e->proc, true);
	drain_output(e);
	e->exited = true;
	env_logf(e, "RequestId: %s Error: Runtime exited with error: signal: killed", rid);
	env_log(e, "Runtime.OutOfMemory", 19);
	fail(e, "Runtime.OutOfMemory", "error", false, "RequestId: %s Error: Runtime exited with error: signal: killed", rid);
}

static int64_t next_wakeup_ms(struct lenv *e, int64_t now)
{
	int64_t due = INT64_MAX;
	if (e->inv && e->inv_sent) {
		due = e->deadline_us < e->rss_check_us ? e->deadline_us : e->rss_check_us;
	} else if (e->inv && !e->initialized) {
		due = e->spawned_us + (LAMBDA_INIT_LIMIT_MS + (int64_t)e->pool->fn->timeout_s * 1000) * 1000;
	} else if (!e->inv) {
		/* Idle, or a spare nobody took (idle_since is its start). */
		due = e->idle_since_us + (int64_t)X.idle_s * 1000000;
	}
	if (X.quiescing && X.quiesce_deadline_us < due)
		due = X.quiesce_deadline_us;
	if (due == INT64_MAX)
		return -1;
	int64_t ms = (due - now + 999) / 1000;
	return ms < 0 ? 0 : ms;
}

/* What the clock demands now; false when the environment must end. */
static bool check_clock(struct lenv *e)
{
	int64_t now = clock_mono_us();
	pthread_mutex_lock(&X.mu);
	bool quiesce_over = X.quiescing && now >= X.quiesce_deadline_us;
	bool stopping = X.stopping;
	bool unused = e->state == ENV_IDLE || e->state == ENV_SPARE;
	bool idle_over = unused && now >= e->idle_since_us + (int64_t)X.idle_s * 1000000;
	bool retire = (e->state == ENV_IDLE && (e->retire || e->pool->retired)) || (unused && X.quiescing);
	if ((idle_over || retire || stopping) && e->state == ENV_SPARE) {
		if (X.spare == e)
			X.spare = NULL;
		e->state = ENV_DEAD;
	}
	if ((idle_over || retire || stopping) && e->state == ENV_IDLE) {
		/* Off the idle list before anyone can hand it work. */
		struct lenv **pp = &e->pool->idle;
		while (*pp && *pp != e)
			pp = &(*pp)->next_idle;
		if (*pp)
			*pp = e->next_idle;
		e->state = ENV_DEAD;
	}
	bool dead = e->state == ENV_DEAD;
	pthread_mutex_unlock(&X.mu);
	if (dead)
		return false;
	if (e->inv && (quiesce_over || stopping)) {
		fail(e, "Runtime.Unknown", "error", false, "RequestId: %s Error: nuage is shutting down", e->inv->request_id);
		return false;
	}
	if (e->inv && e->inv_sent) {
		if (now >= e->deadline_us) {
			timed_out(e);
			return false;
		}
		if (now >= e->rss_check_us) {
			e->rss_check_us = now + RSS_CHECK_US;
			int64_t rss = proc_rss_kb(e->proc.pid);
			if (rss > (int64_t)e->pool->fn->memory_mb * 1024) {
				out_of_memory(e);
				return false;
			}
		}
	} else if (e->inv && !e->initialized &&
		   now >= e->spawned_us + (LAMBDA_INIT_LIMIT_MS + (int64_t)e->pool->fn->timeout_s * 1000) * 1000) {
		e->inv_sent = true;
		e->inv_start_us = e->spawned_us;
		timed_out(e);
		return false;
	}
	return true;
}

static void env_cleanup(struct lenv *e)
{
	if (e->inv)
		fail(e, "Runtime.Unknown", "error", false, "RequestId: %s Error: the execution environment ended",
		     e->inv->request_id);
	if (e->spawned && !e->proc.reaped)
		proc_stop(&e->proc, STOP_GRACE_MS);
	if (e->spawned)
		drain_output(e);
	proc_close(&e->proc);
	for (int i = e->nconns - 1; i >= 0; i--)
		close_conn(e, i);
	if (e->listen_fd >= 0)
		close(e->listen_fd);
	proc_lines_free(&e->out_lines);
	proc_lines_free(&e->err_lines);
	buf_free(&e->tail);
	lambda_remove_tree(e->dir);
}

/* Moves an invocation submit handed over into the thread's own fields;
 * a taken spare's init phase starts when it was taken. */
static void take_mail(struct lenv *e)
{
	pthread_mutex_lock(&X.mu);
	if (e->mail) {
		e->inv = e->mail;
		e->mail = NULL;
	}
	if (e->taken_us) {
		e->spawned_us = e->taken_us;
		e->taken_us = 0;
		e->pool = e->mail_pool;
		memcpy(e->stream, e->mail_stream, sizeof e->stream);
	}
	pthread_mutex_unlock(&X.mu);
}

static void *env_main(void *arg)
{
	struct lenv *e = arg;
	proc_lines_init(&e->out_lines, LOG_LINE_MAX);
	proc_lines_init(&e->err_lines, LOG_LINE_MAX);
	buf_init(&e->tail, 8 * LAMBDA_TAIL_BYTES);
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s/tmp", e->dir);
	/* A spare may be taken before its thread even runs: how the child is
	 * started was fixed when the environment was made. */
	bool spare = e->born_spare;
	if (mkdir(e->dir, 0700) || mkdir(tmp, 0700) || open_listener(e)) {
		if (!spare)
			fail(e, "Runtime.Unknown", "error", false,
			     "RequestId: %s Error: cannot prepare the execution environment: %s", e->inv->request_id,
			     strerror(errno));
	} else if (spare ? spawn_spare(e) == 0 : spawn(e) == 0) {
		e->idle_since_us = clock_mono_us();
	}
	while (e->spawned && !e->exited) {
		struct pollfd pf[4 + MAX_CONNS];
		int n = 0;
		pf[n++] = (struct pollfd){e->wake_fd, POLLIN, 0};
		pf[n++] = (struct pollfd){e->listen_fd, POLLIN, 0};
		pf[n++] = (struct pollfd){e->proc.out_fd, POLLIN, 0};
		pf[n++] = (struct pollfd){e->proc.err_fd, POLLIN, 0};
		int pidx = -1;
		if (e->proc.pidfd >= 0) {
			pidx = n;
			pf[n++] = (struct pollfd){e->proc.pidfd, POLLIN, 0};
		}
		int cbase = n;
		for (int i = 0; i < e->nconns; i++)
			pf[n++] = (struct pollfd){rapi_conn_fd(e->conns[i]), (short)(POLLIN | (rapi_conn_wants_write(e->conns[i]) ? POLLOUT : 0)), 0};
		int64_t wait = next_wakeup_ms(e, clock_mono_us());
		if (e->proc.pidfd < 0 && (wait < 0 || wait > 200))
			wait = 200; /* no pidfd: poll for the child's exit */
		poll(pf, (nfds_t)n, wait < 0 ? -1 : (int)(wait > INT_MAX ? INT_MAX : wait));
		if (pf[0].revents) {
			uint64_t v;
			ssize_t r = read(e->wake_fd, &v, sizeof v);
			(void)r;
		}
		take_mail(e);
		if (pf[2].revents)
			proc_lines_read(&e->out_lines, e->proc.out_fd, on_output, e);
		if (pf[3].revents)
			proc_lines_read(&e->err_lines, e->proc.err_fd, on_output, e);
		if (pf[1].revents)
			accept_conns(e);
		for (int i = e->nconns - 1; i >= 0; i--) {
			short re = pf[cbase + i].revents;
			if (i < n - cbase && re && rapi_conn_io(e->conns[i], re, &api, e) < 0)
				close_conn(e, i);
		}
		send_assignment(e);
		deliver(e);
		bool exited = pidx >= 0 ? pf[pidx].revents != 0 : proc_reap(&e->proc, false) == 1;
		if (exited) {
			child_gone(e);
			break;
		}
		pthread_mutex_lock(&X.mu);
		bool dead = e->state == ENV_DEAD;
		pthread_mutex_unlock(&X.mu);
		if (dead || !check_clock(e))
			break;
	}
	env_cleanup(e);
	pthread_mutex_lock(&X.mu);
	/* Out of every list submit looks at before anything else. */
	e->state = ENV_DEAD;
	if (X.spare == e)
		X.spare = NULL;
	struct pool *p = e->pool ? e->pool : e->mail_pool;
	struct lenv **ip = p ? &p->idle : NULL;
	while (ip && *ip && *ip != e)
		ip = &(*ip)->next_idle;
	if (ip && *ip)
		*ip = e->next_idle;
	if (e->mail) {
		/* Taken as it was ending (its child had just exited): the
		 * invocation still gets its answer. */
		pthread_mutex_unlock(&X.mu);
		take_mail(e);
		fail(e, "Runtime.Unknown", "error", false, "RequestId: %s Error: the execution environment ended",
		     e->inv->request_id);
		pthread_mutex_lock(&X.mu);
		e->state = ENV_DEAD;
		p = e->pool;
	}
	struct lenv **pp = p ? &p->envs : NULL;
	while (pp && *pp && *pp != e)
		pp = &(*pp)->next;
	if (pp && *pp)
		*pp = e->next;
	/* The last environment of a pool frees it. */
	if (p && !p->envs) {
		struct pool **q = &X.pools;
		while (*q && *q != p)
			q = &(*q)->next;
		if (*q)
			*q = p->next;
		lambda_fn_free(p->fn);
		free(p);
	}
	close(e->wake_fd);
	free(e);
	X.nthreads--;
	pthread_cond_broadcast(&X.threads_cv);
	pthread_mutex_unlock(&X.mu);
	return NULL;
}

/* ---- scheduling ---- */

static void wake(struct lenv *e)
{
	uint64_t one = 1;
	ssize_t r = write(e->wake_fd, &one, sizeof one);
	(void)r;
}

static struct pool *find_pool(const struct lambda_fn *fn)
{
	for (struct pool *p = X.pools; p; p = p->next)
		if (!p->retired && !strcmp(p->fn->key, fn->key))
			return p;
	return NULL;
}

static int busy_for(const char *account, const char *region, const char *name)
{
	int n = 0;
	for (struct pool *p = X.pools; p; p = p->next)
		if (!strcmp(p->fn->name, name) && !strcmp(p->fn->account, account) && !strcmp(p->fn->region, region))
			n += p->nbusy;
	return n;
}

static void stream_name(char *out, size_t n, const char *version)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	unsigned char r[16];
	rand_bytes(r, sizeof r);
	char hex[33];
	hex_encode(r, sizeof r, hex);
	snprintf(out, n, "%04d/%02d/%02d/[%s]%s", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, version, hex);
}

/* Allocates an environment and starts its thread (under X.mu). pool and
 * inv are NULL for a spare. NULL when no thread could be started. */
static struct lenv *new_env(struct pool *p, enum env_state st, struct lambda_inv *inv)
{
	struct lenv *e = xcalloc(1, sizeof *e);
	e->id = ++X.next_id;
	e->pool = p;
	e->state = st;
	e->born_spare = st == ENV_SPARE;
	e->inv = inv;
	e->listen_fd = -1;
	e->proc.pidfd = e->proc.out_fd = e->proc.err_fd = -1;
	e->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	snprintf(e->dir, sizeof e->dir, "%s/%llu-%llu", X.envs_dir, (unsigned long long)getpid(), (unsigned long long)e->id);
	if (p)
		stream_name(e->stream, sizeof e->stream, p->fn->version);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_t t;
	int rc = e->wake_fd < 0 ? -1 : pthread_create(&t, &attr, env_main, e);
	pthread_attr_destroy(&attr);
	if (rc) {
		if (e->wake_fd >= 0)
			close(e->wake_fd);
		free(e);
		return NULL;
	}
	X.nthreads++;
	if (p) {
		e->next = p->envs;
		p->envs = e;
	}
	return e;
}

/* Whether a cold start of fn may take a spare Python environment. */
static bool spare_fits(const struct lambda_fn *fn)
{
	return lambda_runtime_kind(fn->runtime) == RT_PYTHON && (!fn->env_json || !strstr(fn->env_json, "\"PYTHON"));
}

/* Keeps one spare ready once Python functions run (under X.mu). */
static void start_spare(void)
{
	if (!X.spare && !X.quiescing && !X.stopping)
		X.spare = new_env(NULL, ENV_SPARE, NULL);
}

enum lambda_submit lambda_exec_submit(const struct lambda_fn *fn, struct lambda_inv *inv)
{
	pthread_mutex_lock(&X.mu);
	enum lambda_submit rc = SUBMIT_OK;
	if (!X.started || X.quiescing || X.stopping) {
		rc = SUBMIT_STOPPING;
		goto out;
	}
	if (fn->reserved >= 0 && busy_for(fn->account, fn->region, fn->name) >= fn->reserved) {
		rc = SUBMIT_THROTTLED_FUNCTION;
		goto out;
	}
	if (X.busy_total >= X.concurrency ||
	    (fn->reserved < 0 && X.busy_unreserved >= X.concurrency - X.reserved_total)) {
		rc = SUBMIT_THROTTLED_ACCOUNT;
		goto out;
	}
	struct pool *p = find_pool(fn);
	if (!p) {
		p = xcalloc(1, sizeof *p);
		p->fn = lambda_fn_copy(fn);
		p->next = X.pools;
		X.pools = p;
	}
	atomic_fetch_add(&inv->refs, 1);
	struct lenv *e = p->idle;
	if (e) {
		p->idle = e->next_idle;
		e->state = ENV_BUSY;
		e->mail = inv;
	} else if (spare_fits(fn) && X.spare && X.spare->state == ENV_SPARE) {
		/* A cold start that skips the interpreter's own start-up. */
		e = X.spare;
		X.spare = NULL;
		e->mail_pool = p;
		e->state = ENV_STARTING;
		e->taken_us = clock_mono_us();
		e->mail = inv;
		stream_name(e->mail_stream, sizeof e->mail_stream, fn->version);
		e->next = p->envs;
		p->envs = e;
		start_spare();
	} else {
		if (!(e = new_env(p, ENV_STARTING, inv))) {
			atomic_fetch_sub(&inv->refs, 1);
			if (!p->envs) {
				X.pools = p->next;
				lambda_fn_free(p->fn);
				free(p);
			}
			rc = SUBMIT_THROTTLED_ACCOUNT;
			goto out;
		}
		if (spare_fits(fn))
			start_spare();
	}
	e->unreserved = fn->reserved < 0;
	p->nbusy++;
	X.busy_total++;
	if (e->unreserved)
		X.busy_unreserved++;
	wake(e);
out:
	pthread_mutex_unlock(&X.mu);
	return rc;
}

void lambda_exec_retire(const char *account, const char *region, const char *name)
{
	pthread_mutex_lock(&X.mu);
	for (struct pool *p = X.pools; p; p = p->next) {
		if (strcmp(p->fn->name, name) || strcmp(p->fn->account, account) || strcmp(p->fn->region, region))
			continue;
		p->retired = true;
		for (struct lenv *e = p->envs; e; e = e->next) {
			e->retire = true;
			wake(e);
		}
	}
	pthread_mutex_unlock(&X.mu);
}

void lambda_exec_set_reserved_total(int total)
{
	pthread_mutex_lock(&X.mu);
	X.reserved_total = total;
	pthread_mutex_unlock(&X.mu);
}

int lambda_exec_busy(const char *account, const char *region, const char *name)
{
	pthread_mutex_lock(&X.mu);
	int n = busy_for(account, region, name);
	pthread_mutex_unlock(&X.mu);
	return n;
}

int lambda_exec_busy_total(void)
{
	pthread_mutex_lock(&X.mu);
	int n = X.busy_total;
	pthread_mutex_unlock(&X.mu);
	return n;
}

/* ---- lifecycle ---- */

int lambda_exec_start(const struct lambda_exec_settings *s)
{
	char p[PATH_MAX];
	X.data_dir = xstrdup(s->data_dir);
	snprintf(p, sizeof p, "%s/lambda", s->data_dir);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/lambda/envs", s->data_dir);
	/* Scratch directories of environments a crash left behind. */
	lambda_remove_tree(p);
	if (mkdir(p, 0700) && errno != EEXIST) {
		log_error("lambda: cannot create %s: %s", p, strerror(errno));
		return -1;
	}
	X.envs_dir = xstrdup(p);
	snprintf(p, sizeof p, "%s/lambda/runtime", s->data_dir);
	if (lambda_runtimes_install(p))
		return -1;
	X.runtime_dir = xstrdup(p);
	X.python = xstrdup(s->python);
	X.node = xstrdup(s->node);
	X.host = xstrdup(!s->host || !strcmp(s->host, "0.0.0.0") || !strcmp(s->host, "localhost") ? "127.0.0.1"
			 : !strcmp(s->host, "::1") || !strcmp(s->host, "::")                       ? "[::1]"
												   : s->host);
	X.idle_s = s->idle_s;
	X.concurrency = s->concurrency;
	X.cfg = s->cfg;
	atomic_store(&X.port, s->cfg->port);
	pthread_mutex_lock(&X.mu);
	X.started = true;
	X.quiescing = X.stopping = false;
	pthread_mutex_unlock(&X.mu);
	return 0;
}

void lambda_exec_listening(int port)
{
	atomic_store(&X.port, port);
}

void lambda_exec_quiesce(void)
{
	pthread_mutex_lock(&X.mu);
	if (!X.quiescing) {
		X.quiescing = true;
		X.quiesce_deadline_us = clock_mono_us() + QUIESCE_MS * 1000;
	}
	for (struct pool *p = X.pools; p; p = p->next)
		for (struct lenv *e = p->envs; e; e = e->next)
			wake(e);
	if (X.spare)
		wake(X.spare);
	pthread_mutex_unlock(&X.mu);
}

bool lambda_exec_stopping(void)
{
	pthread_mutex_lock(&X.mu);
	bool s = X.quiescing || X.stopping;
	pthread_mutex_unlock(&X.mu);
	return s;
}

void lambda_exec_stop(void)
{
	pthread_mutex_lock(&X.mu);
	X.stopping = true;
	for (struct pool *p = X.pools; p; p = p->next)
		for (struct lenv *e = p->envs; e; e = e->next)
			wake(e);
	if (X.spare)
		wake(X.spare);
	int64_t deadline = clock_mono_us() + 15 * 1000000LL;
	while (X.nthreads > 0 && clock_mono_us() < deadline) {
		struct timespec ts;
		clock_deadline(CLOCK_REALTIME, 50000, &ts);
		pthread_cond_timedwait(&X.threads_cv, &X.mu, &ts);
	}
	if (X.nthreads)
		log_error("lambda: %d execution environments did not stop", X.nthreads);
	X.started = false;
	pthread_mutex_unlock(&X.mu);
	if (!X.nthreads) {
		free(X.data_dir);
		free(X.envs_dir);
		free(X.runtime_dir);
		free(X.python);
		free(X.node);
		free(X.host);
		X.data_dir = X.envs_dir = X.runtime_dir = X.python = X.node = X.host = NULL;
	}
}
