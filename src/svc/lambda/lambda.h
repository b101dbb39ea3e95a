/* lambda.h — what the Lambda service's files share.
 *
 *   lambda.c     service table, schema, start/stop, names and ARNs
 *   fnconfig.c   validating and rendering FunctionConfiguration
 *   functions.c  Create/Get/List/Update/Delete functions, versions
 *   code.c       deployment packages: zip checks, blobs, extraction
 *   aliases.c    aliases and their routing
 *   settings.c   concurrency, event-invoke configs, policies, tags, account
 *   invoke.c     Invoke / InvokeAsync and the internal entry points
 *   async.c      the durable queue of Event invocations and destinations
 *   esm.c        event-source mappings from SQS queues and their pollers
 *   env.c, runtime_api.c, runtimes.c (exec.h)  running the code
 *
 * Entry points for other parts of nuage (the triggers the lead wires):
 *  - Any service can start an Event invocation inside its own transaction
 *    by writing an outbox event (store/outbox.h) with topic "lambda.invoke"
 *    and payload {"account": "...", "region": "...", "function": NAME-or-ARN,
 *    "qualifier": optional, "payload": <the event, any JSON value>}. The bus
 *    hands it to this service, which queues it durably (de-duplicated by the
 *    outbox id) with the same retries and destinations as InvokeAsync.
 *  - Event-source mappings (esm.c) run SQS batches with lambda_invoke_sync
 *    from their own poller threads.
 */
#ifndef NUAGE_SVC_LAMBDA_LAMBDA_H
#define NUAGE_SVC_LAMBDA_LAMBDA_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/blob.h"
#include "store/db.h"
#include "svc/lambda/exec.h"
#include "svc/svc.h"

#define LAMBDA_LATEST "$LATEST"
#define LAMBDA_MAX_SYNC_PAYLOAD 6291456
#define LAMBDA_MAX_ASYNC_PAYLOAD 262144
#define LAMBDA_MAX_UNZIPPED 262144000
#define LAMBDA_MAX_ZIPPED 52428800
#define LAMBDA_MAX_REQUEST 70167211
#define LAMBDA_MAX_ENV_BYTES 4096
#define LAMBDA_UNRESERVED_MIN 100

/* Settings fixed at start. */
struct lambda_settings {
	const struct config *cfg;
	char *data_dir;
	char *code_dir;   /* <data>/lambda/code: extracted packages by SHA-256 */
	int retry_ms;
	int concurrency;
};
extern struct lambda_settings lambda_cfg;

/* ---- names and ARNs (lambda.c) ---- */

struct fnref {
	char name[65];
	char qualifier[130]; /* "" when none */
};

/* FunctionName as callers write it: name, name:qualifier, 123456789012:function:name[:q],
 * or a full ARN; plus an optional Qualifier parameter (they must agree).
 * Checks the account and region against the caller's. 0 or -1 (c->err set). */
int lambda_parse_fn(struct call *c, const char *fname, const char *qualifier, bool allow_qualifier, struct fnref *out);
/* Same without a call, for internal callers: 0 or -1 with a reason in err. */
int lambda_parse_ref(const char *account, const char *region, const char *fname, struct fnref *out, char *err,
		     size_t errlen);
/* Parses FunctionName (and Qualifier when allowed) and checks that the
 * function exists. 0 or -1 (c->err set). */
int lambda_require_function(struct call *c, struct fnref *r, bool allow_qualifier);
/* arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER] (arena). */
char *lambda_arn(struct arena *a, const char *region, const char *account, const char *name, const char *qualifier);
bool lambda_valid_name(const char *s);
/* "Function not found: ARN" as AWS words it. Returns -1. */
int lambda_err_not_found(struct call *c, const char *name, const char *qualifier);
/* Epoch ms -> "2026-11-28T09:05:07.123+0000" (Lambda's LastModified). */
void lambda_time_text(int64_t ms, char out[40]);
/* Rolls back (when in a transaction) and answers ServiceException. */
int lambda_db_error(struct call *c);
/* Ends the caller's write transaction: rc != 0 (c->err already set) rolls
 * back, else commits. 0 or -1. */
int lambda_end_write(struct call *c, int rc);
/* Commits and answers 204 No Content (the Delete* operations). */
int lambda_commit_204(struct call *c);
/* Same for internal callers without a call: commit when rc == 0. */
void lambda_settle(int rc);
/* Binds (account, region, name) to parameters 1, 2 and 3. */
void lambda_bind_fn(sqlite3_stmt *st, const char *account, const char *region, const char *name);
/* Steps a statement that returns no rows and releases it: 0 or -1. */
int lambda_step(sqlite3_stmt *st);
/* Runs sql (a literal whose ?1..?4 are account, region, name, key) and sets
 * c->output to render(the row). 0, or 1 when there is no such row. */
int lambda_answer_row(struct call *c, const char *sql, const char *name, const char *key,
		      json_t *(*render)(struct call *c, const char *name, sqlite3_stmt *st));

/* ---- stored versions (functions.c) ---- */

struct fnver {
	char *name, *version;
	json_t *config;      /* stored configuration (owned) */
	char *code_sha;      /* hex */
	int64_t code_size;
	char *state, *state_reason, *state_code;
	char *update_status, *update_reason, *update_code;
	char *revision;
	int64_t modified, vnum;
	int reserved;        /* the function's reserved concurrency, -1 when none */
};

/* 0 found, 1 not found, -1 database error. Strings live in the arena. */
int lambda_load_version(struct arena *a, const char *account, const char *region, const char *name, const char *version,
			struct fnver *v);
void lambda_fnver_done(struct fnver *v);
/* Maps a qualifier ("", $LATEST, a version number, an alias) to a version
 * (alias routing picks by weight). 0, 1 not found, -1 error. */
int lambda_resolve_qualifier(const char *account, const char *region, const char *name, const char *qualifier,
			     char *version, size_t vlen);
bool lambda_function_exists(const char *account, const char *region, const char *name);

/* ---- configuration (fnconfig.c) ---- */

/* Validates a Create/UpdateFunctionConfiguration input and merges it into
 * cfg (a JSON object, modified in place). 0 or -1 (c->err set). */
int lambda_config_apply(struct call *c, json_t *cfg, bool create);
/* The FunctionConfiguration document of a stored version. */
json_t *lambda_config_json(struct arena *a, const char *region, const char *account, const struct fnver *v);
/* The stored configuration's SHA-256 over what PublishVersion compares. */
void lambda_config_digest(const json_t *cfg, char out[65]);
/* The environment an environment runs (exec.h) from a stored version. */
void lambda_fn_from_version(struct arena *a, const char *account, const char *region, const struct fnver *v,
			    struct lambda_fn *out);

/* ---- deployment packages (code.c) ---- */

struct lambda_code {
	char sha_hex[65];
	char sha_b64[48];
	int64_t size, unzipped;
	bool fresh;                 /* a new blob to register and publish */
	struct blob_writer w;
};

/* Checks a FunctionCode input (ZipFile; S3 once nuage has it) and writes
 * the zip to a temp blob when new. 0 or -1 (c->err set). */
int lambda_code_accept(struct call *c, json_t *code, struct lambda_code *lc);
/* Inside the caller's transaction: registers the blob and its row. */
int lambda_code_commit(const struct lambda_code *lc);
/* After commit: publish; on failure paths: abort. */
void lambda_code_finish(struct lambda_code *lc, bool committed);
/* Extracts (if needed) on the pool and flips the version to Active /
 * Successful, or Failed with the reason. */
void lambda_code_schedule(const char *account, const char *region, const char *name, const char *version,
			  const char *sha);
/* Inside a transaction: forgets packages no version uses; their
 * directories are removed by lambda_code_sweep_dirs after the commit. */
int lambda_code_release_unused(void);
void lambda_code_sweep_dirs(void);
void lambda_code_dir(const char *sha, char *out, size_t n);
/* At start: re-schedules activations a crash interrupted. */
void lambda_code_recover(void);

/* ---- handlers ---- */

int lambda_create_function(struct call *c);
int lambda_get_function(struct call *c);
int lambda_get_function_configuration(struct call *c);
int lambda_list_functions(struct call *c);
int lambda_update_function_code(struct call *c);
int lambda_update_function_configuration(struct call *c);
int lambda_delete_function(struct call *c);
int lambda_publish_version(struct call *c);
int lambda_list_versions(struct call *c);
int lambda_create_alias(struct call *c);
int lambda_get_alias(struct call *c);
int lambda_update_alias(struct call *c);
int lambda_delete_alias(struct call *c);
int lambda_list_aliases(struct call *c);
int lambda_put_concurrency(struct call *c);
int lambda_get_concurrency(struct call *c);
int lambda_delete_concurrency(struct call *c);
int lambda_add_permission(struct call *c);
int lambda_remove_permission(struct call *c);
int lambda_get_policy(struct call *c);
int lambda_put_eic(struct call *c);
int lambda_update_eic(struct call *c);
int lambda_get_eic(struct call *c);
int lambda_delete_eic(struct call *c);
int lambda_list_eics(struct call *c);
int lambda_get_account_settings(struct call *c);
int lambda_tag_resource(struct call *c);
int lambda_untag_resource(struct call *c);
int lambda_list_tags(struct call *c);
int lambda_invoke(struct call *c);
int lambda_invoke_async(struct call *c);

/* settings.c helpers */
/* Sum of reserved concurrency in an account/region (excluding `except`). */
int lambda_reserved_sum(const char *account, const char *region, const char *except);
/* Reloads the reserved total the scheduler uses (after changes, at start). */
void lambda_reserved_refresh(void);
struct lambda_eic {
	int retries;   /* 0..2 */
	int max_age_s; /* 60..21600 */
	char on_success[256], on_failure[256];
};
/* The EventInvokeConfig for a qualifier, or the defaults. */
void lambda_eic_load(const char *account, const char *region, const char *name, const char *qualifier,
		     struct lambda_eic *out);
/* Inside a transaction: drops a function's aliases, configs and policies. */
int lambda_settings_forget(const char *account, const char *region, const char *name, const char *qualifier);

/* ---- event-source mappings (esm.c) ---- */

int lambda_create_esm(struct call *c);
int lambda_get_esm(struct call *c);
int lambda_list_esms(struct call *c);
int lambda_update_esm(struct call *c);
int lambda_delete_esm(struct call *c);
/* Once nuage listens: starts the pollers of enabled mappings. */
void lambda_esm_start(void);
/* Shutdown: pollers stop taking batches; then stop joins them. */
void lambda_esm_quiesce(void);
void lambda_esm_stop(void);

/* ---- async (async.c) ---- */

int lambda_async_start(void);
void lambda_async_stop(void);
void lambda_async_kick(void);
/* The listener is bound: start dispatching (invariant 4 of async.c). */
void lambda_async_ready(void);
/* Inside the caller's transaction: queues an Event invocation. source (may
 * be NULL) de-duplicates re-deliveries. 0 or -1. */
int lambda_async_enqueue(const char *account, const char *region, const char *name, const char *qualifier,
			 const char *request_id, const char *payload, size_t len, const char *source);
/* Inside a transaction: drops queued invocations of a deleted function. */
int lambda_async_forget(const char *account, const char *region, const char *name);

/* ---- running (invoke.c) ---- */

struct lambda_target {
	struct fnver v;
	struct lambda_fn fn;
	char version[16];
	char *invoked_arn;
};
/* Loads what an invocation of name[:qualifier] runs, waiting briefly for a
 * Pending function. 0; 1 not found; 2 not runnable (state or runtime, err
 * says why); -1 error. Strings in the arena. */
int lambda_target_load(struct arena *a, const char *account, const char *region, const char *name,
		       const char *qualifier, struct lambda_target *t, char *err, size_t errlen);
/* Runs one invocation and waits for it: Invoke's RequestResponse, and
 * event-source-mapping pollers (from their own threads). client_context
 * (JSON, malloc'd, may be NULL) is taken over. On SUBMIT_OK the caller
 * releases *out with lambda_inv_release; otherwise *out is NULL. */
enum lambda_submit lambda_invoke_sync(const struct lambda_target *t, const char *payload, size_t len, bool tail,
				      char *client_context, struct lambda_inv **out);

#endif
