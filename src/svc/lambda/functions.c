/* functions.c — functions and their versions.
 *
 * Implements: CreateFunction (Publish, Tags), GetFunction,
 * GetFunctionConfiguration, ListFunctions (FunctionVersion=ALL, Marker,
 * MaxItems), UpdateFunctionCode (Publish, DryRun, RevisionId),
 * UpdateFunctionConfiguration (RevisionId), DeleteFunction (whole function
 * or one version), PublishVersion (CodeSha256, RevisionId; an unchanged
 * $LATEST returns the last version instead of a new one),
 * ListVersionsByFunction.
 *
 * State machine of a version (what SDK waiters poll):
 *   CreateFunction / PublishVersion of a Pending $LATEST:
 *       State Pending (Creating) --activation job--> Active | Failed
 *   UpdateFunctionCode:
 *       LastUpdateStatus InProgress --activation job--> Successful | Failed
 *   UpdateFunctionConfiguration: applied at once (Successful).
 * While $LATEST is Pending or InProgress, a second update, PublishVersion
 * and Invoke (after a bounded wait) answer ResourceConflictException, as
 * AWS does. Every change gives the version a new RevisionId and retires
 * the function's warm environments (exec.h), so no invocation runs old
 * code or configuration after the change is acknowledged.
 */
#include "svc/lambda/lambda.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/rand.h"
#include "store/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LIST 10000

static char *col(struct arena *a, sqlite3_stmt *st, int i)
{
	const char *s = db_col_text(st, i);
	return s ? arena_strdup(a, s) : NULL;
}

#define VERSION_COLS                                                                                                   \
	"SELECT v.name, v.version, v.config, v.code_sha, v.code_size, v.state, v.state_reason, v.state_code, "          \
	"v.update_status, v.update_reason, v.update_code, v.revision, v.modified, v.vnum, f.reserved "                   \
	"FROM lambda_versions v JOIN lambda_functions f ON f.account = v.account AND f.region = v.region AND f.name = v.name "

static void read_version(struct arena *a, sqlite3_stmt *st, struct fnver *v)
{
	v->name = col(a, st, 0);
	v->version = col(a, st, 1);
	v->config = json_loads(db_col_text(st, 2), 0, NULL);
	if (!v->config)
		v->config = json_object();
	v->code_sha = col(a, st, 3);
	v->code_size = sqlite3_column_int64(st, 4);
	v->state = col(a, st, 5);
	v->state_reason = col(a, st, 6);
	v->state_code = col(a, st, 7);
	v->update_status = col(a, st, 8);
	v->update_reason = col(a, st, 9);
	v->update_code = col(a, st, 10);
	v->revision = col(a, st, 11);
	v->modified = sqlite3_column_int64(st, 12);
	v->vnum = sqlite3_column_int64(st, 13);
	v->reserved = sqlite3_column_type(st, 14) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 14);
}

int lambda_load_version(struct arena *a, const char *account, const char *region, const char *name, const char *version,
			struct fnver *v)
{
	memset(v, 0, sizeof *v);
	sqlite3_stmt *st = db_prep(VERSION_COLS "WHERE v.account = ? AND v.region = ? AND v.name = ? AND v.version = ?");
	lambda_bind_fn(st, account, region, name);
	db_bind_text(st, 4, version);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_version(a, st, v);
	db_done(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

void lambda_fnver_done(struct fnver *v)
{
	json_decref(v->config);
	v->config = NULL;
}

bool lambda_function_exists(const char *account, const char *region, const char *name)
{
	sqlite3_stmt *st = db_prep("SELECT 1 FROM lambda_functions WHERE account = ? AND region = ? AND name = ?");
	lambda_bind_fn(st, account, region, name);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	db_done(st);
	return found;
}

static bool is_number(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Picks a version from an alias's routing: the additional version with its
 * weight, the main version otherwise. */
static void route(const char *main_version, const char *routing, char *out, size_t n)
{
	snprintf(out, n, "%s", main_version);
	json_t *r = routing ? json_loads(routing, 0, NULL) : NULL;
	json_t *w = json_object_get(r, "AdditionalVersionWeights");
	const char *k;
	json_t *v;
	double roll = (double)(rand_fast() % 1000000) / 1000000.0, acc = 0;
	json_object_foreach(w, k, v)
	{
		acc += json_number_value(v);
		if (roll < acc) {
			snprintf(out, n, "%s", k);
			break;
		}
	}
	json_decref(r);
}

int lambda_resolve_qualifier(const char *account, const char *region, const char *name, const char *qualifier,
			     char *version, size_t vlen)
{
	if (!qualifier || !*qualifier || !strcmp(qualifier, LAMBDA_LATEST) || is_number(qualifier)) {
		snprintf(version, vlen, "%s", qualifier && *qualifier ? qualifier : LAMBDA_LATEST);
		return 0;
	}
	sqlite3_stmt *st =
		db_prep("SELECT version, routing FROM lambda_aliases WHERE account = ? AND region = ? AND name = ? AND alias = ?");
	lambda_bind_fn(st, account, region, name);
	db_bind_text(st, 4, qualifier);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		route(db_col_text(st, 0), db_col_text(st, 1), version, vlen);
	db_done(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

/* Loads name[:qualifier] for a read; errors as AWS words them. */
static int load_for_call(struct call *c, const struct fnref *r, struct fnver *v)
{
	char version[140];
	int rc = lambda_resolve_qualifier(c->who.account, c->region, r->name, r->qualifier, version, sizeof version);
	if (rc < 0)
		return lambda_db_error(c);
	if (rc == 0)
		rc = lambda_load_version(c->arena, c->who.account, c->region, r->name, version, v);
	if (rc < 0)
		return lambda_db_error(c);
	if (rc == 1)
		return lambda_err_not_found(c, r->name, r->qualifier[0] ? r->qualifier : NULL);
	return 0;
}

static char *new_revision(struct arena *a)
{
	char u[37];
	uuid4(u);
	return arena_strdup(a, u);
}

static int insert_version(const char *account, const char *region, const char *name, const char *version, int64_t vnum,
			  const json_t *cfg, const char *sha, int64_t size, const char *state, const char *revision,
			  int64_t now)
{
	char *cj = json_dumps(cfg, JSON_COMPACT | JSON_SORT_KEYS);
	sqlite3_stmt *st = db_prep("INSERT INTO lambda_versions(account, region, name, version, vnum, config, code_sha, "
				   "code_size, state, state_reason, state_code, update_status, revision, modified) "
				   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
				   "CASE ?9 WHEN 'Pending' THEN 'The function is being created.' END, "
				   "CASE ?9 WHEN 'Pending' THEN 'Creating' END, "
				   "CASE ?9 WHEN 'Pending' THEN NULL ELSE 'Successful' END, ?10, ?11)");
	lambda_bind_fn(st, account, region, name);
	db_bind_text(st, 4, version);
	sqlite3_bind_int64(st, 5, vnum);
	db_bind_text(st, 6, cj);
	db_bind_text(st, 7, sha);
	sqlite3_bind_int64(st, 8, size);
	db_bind_text(st, 9, state);
	db_bind_text(st, 10, revision);
	sqlite3_bind_int64(st, 11, now);
	int rc = sqlite3_step(st);
	db_done(st);
	free(cj);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Allocates the next version number of a function. */
static int64_t take_version_number(const char *account, const char *region, const char *name)
{
	sqlite3_stmt *st = db_prep("UPDATE lambda_functions SET next_version = next_version + 1 "
				   "WHERE account = ? AND region = ? AND name = ? RETURNING next_version - 1");
	lambda_bind_fn(st, account, region, name);
	int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	db_done(st);
	return n;
}

int lambda_create_function(struct call *c)
{
	struct fnref r;
	if (lambda_parse_fn(c, call_str(c, "FunctionName"), NULL, false, &r))
		return -1;
	json_t *cfg = json_object();
	struct lambda_code lc;
	lc.fresh = false;
	int rc = -1;
	json_t *tags = call_get(c, "Tags");
	if (json_object_size(tags) > 50) {
		call_error(c, ERR_LAMBDA_INVALID_PARAMETER, "Number of tags exceeds resource tag limit.");
		goto out;
	}
	if (lambda_config_apply(c, cfg, true) || lambda_code_accept(c, call_get(c, "Code"), &lc))
		goto out;
	bool publish = call_bool(c, "Publish", false);
	int64_t now = clock_wall_ms();
	char *rev = new_revision(c->arena), *rev1 = new_revision(c->arena);
	if (db_begin()) {
		call_error(c, ERR_LAMBDA_SERVICE, "database busy");
		goto out;
	}
	if (lambda_function_exists(c->who.account, c->region, r.name)) {
		db_rollback();
		call_error(c, ERR_LAMBDA_CONFLICT, "Function already exist: %s", r.name);
		goto out;
	}
	char *tj = tags ? json_dumps(tags, JSON_COMPACT | JSON_SORT_KEYS) : xstrdup("{}");
	sqlite3_stmt *st = db_prep("INSERT INTO lambda_functions(account, region, name, created, tags, next_version) "
				   "VALUES (?, ?, ?, ?, ?, ?)");
	lambda_bind_fn(st, c->who.account, c->region, r.name);
	sqlite3_bind_int64(st, 4, now);
	db_bind_text(st, 5, tj);
	sqlite3_bind_int64(st, 6, publish ? 2 : 1);
	int step = sqlite3_step(st);
	db_done(st);
	free(tj);
	if (step != SQLITE_DONE || lambda_code_commit(&lc) ||
	    insert_version(c->who.account, c->region, r.name, LAMBDA_LATEST, 0, cfg, lc.sha_hex, lc.size, "Pending", rev, now) ||
	    (publish && insert_version(c->who.account, c->region, r.name, "1", 1, cfg, lc.sha_hex, lc.size, "Pending", rev1, now))) {
		lambda_db_error(c);
		goto out;
	}
	if (db_commit()) {
		call_error(c, ERR_LAMBDA_SERVICE, "commit failed");
		goto out;
	}
	lambda_code_finish(&lc, true);
	lambda_code_schedule(c->who.account, c->region, r.name, LAMBDA_LATEST, lc.sha_hex);
	if (publish)
		lambda_code_schedule(c->who.account, c->region, r.name, "1", lc.sha_hex);
	struct fnver v;
	if (lambda_load_version(c->arena, c->who.account, c->region, r.name, publish ? "1" : LAMBDA_LATEST, &v) == 0) {
		/* The answer is the state the create left, whatever the job did since. */
		v.state = "Pending";
		v.state_reason = "The function is being created.";
		v.state_code = "Creating";
		v.update_status = NULL;
		c->output = lambda_config_json(c->arena, c->region, c->who.account, &v);
		lambda_fnver_done(&v);
	}
	rc = 0;
out:
	lambda_code_finish(&lc, false);
	json_decref(cfg);
	return rc;
}

static json_t *tags_of(struct call *c, const char *name)
{
	sqlite3_stmt *st = db_prep("SELECT tags FROM lambda_functions WHERE account = ? AND region = ? AND name = ?");
	lambda_bind_fn(st, c->who.account, c->region, name);
	json_t *t = sqlite3_step(st) == SQLITE_ROW ? json_loads(db_col_text(st, 0), 0, NULL) : NULL;
	db_done(st);
	return t;
}

static void set_arn_qualifier(struct call *c, json_t *cfg, const struct fnref *r)
{
	/* An alias qualifier shows in the ARN, as AWS answers. */
	if (r->qualifier[0] && strcmp(r->qualifier, LAMBDA_LATEST) && !is_number(r->qualifier))
		json_object_set_new(cfg, "FunctionArn", json_string(lambda_arn(c->arena, c->region, c->who.account, r->name,
									       r->qualifier)));
}

int lambda_get_function(struct call *c)
{
	struct fnref r;
	struct fnver v;
	if (lambda_parse_fn(c, call_str(c, "FunctionName"), call_str(c, "Qualifier"), true, &r) || load_for_call(c, &r, &v))
		return -1;
	json_t *cfg = lambda_config_json(c->arena, c->region, c->who.account, &v);
	set_arn_qualifier(c, cfg, &r);
	call_set(c, "Configuration", cfg);
	char dir[4096];
	lambda_code_dir(v.code_sha, dir, sizeof dir);
	call_set(c, "Code", json_pack("{s:s,s:s}", "RepositoryType", "S3", "Location",
				      arena_printf(c->arena, "file://%s", dir)));
	json_t *tags = tags_of(c, r.name);
	if (json_object_size(tags))
		call_set(c, "Tags", tags);
	else
		json_decref(tags);
	if (v.reserved >= 0)
		call_set(c, "Concurrency", json_pack("{s:i}", "ReservedConcurrentExecutions", v.reserved));
	lambda_fnver_done(&v);
	return 0;
}

int lambda_get_function_configuration(struct call *c)
{
	struct fnref r;
	struct fnver v;
	if (lambda_parse_fn(c, call_str(c, "FunctionName"), call_str(c, "Qualifier"), true, &r) || load_for_call(c, &r, &v))
		return -1;
	c->output = lambda_config_json(c->arena, c->region, c->who.account, &v);
	set_arn_qualifier(c, c->output, &r);
	lambda_fnver_done(&v);
	return 0;
}

/* Markers are "<name>/<vnum>": names never contain '/'. */
static int parse_marker(struct call *c, const char *m, char *name, size_t n, int64_t *vnum)
{
	const char *slash = m ? strrchr(m, '/') : NULL;
	char *e;
	if (!slash || (size_t)(slash - m) >= n || !slash[1])
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER, "Invalid Marker: %s", m ? m : "");
	long long v = strtoll(slash + 1, &e, 10);
	if (*e)
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER, "Invalid Marker: %s", m);
	memcpy(name, m, (size_t)(slash - m));
	name[slash - m] = 0;
	*vnum = v;
	return 0;
}

static int list_versions_common(struct call *c, const char *only, const char *member, const char *sql)
{
	const char *marker = call_str(c, "Marker");
	int64_t max = call_int(c, "MaxItems", 50);
	if (max < 1 || max > MAX_LIST)
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER, "MaxItems must be between 1 and %d.", MAX_LIST);
	char mname[80] = "";
	int64_t mvnum = -1;
	if (marker && parse_marker(c, marker, mname, sizeof mname, &mvnum))
		return -1;
	sqlite3_stmt *st = db_prep(sql);
	lambda_bind_fn(st, c->who.account, c->region, only);
	db_bind_text(st, 4, mname);
	sqlite3_bind_int64(st, 5, mvnum);
	sqlite3_bind_int64(st, 6, max + 1);
	json_t *list = json_array();
	int n = 0;
	struct fnver v, last = {0};
	while (sqlite3_step(st) == SQLITE_ROW) {
		read_version(c->arena, st, &v);
		if (n == max) {
			call_set(c, "NextMarker", json_string(arena_printf(c->arena, "%s/%lld", last.name, (long long)last.vnum)));
			lambda_fnver_done(&v);
			break;
		}
		json_array_append_new(list, lambda_config_json(c->arena, c->region, c->who.account, &v));
		last = v;
		lambda_fnver_done(&v);
		n++;
	}
	db_done(st);
	call_set(c, member, list);
	return 0;
}

int lambda_list_functions(struct call *c)
{
	const char *fv = call_str(c, "FunctionVersion");
	bool all = fv && !strcmp(fv, "ALL");
	if (fv && !all)
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER, "Invalid FunctionVersion: %s (the only value is ALL)", fv);
	return list_versions_common(
		c, NULL, "Functions",
		all ? VERSION_COLS "WHERE v.account = ?1 AND v.region = ?2 AND (v.name, v.vnum) > (?4, ?5) "
			"ORDER BY v.name, v.vnum LIMIT ?6"
		    : VERSION_COLS "WHERE v.account = ?1 AND v.region = ?2 AND v.version = '$LATEST' AND (v.name, v.vnum) > (?4, ?5) "
			"ORDER BY v.name, v.vnum LIMIT ?6");
}

int lambda_list_versions(struct call *c)
{
	struct fnref r;
	if (lambda_require_function(c, &r, false))
		return -1;
	return list_versions_common(c, r.name, "Versions",
				    VERSION_COLS "WHERE v.account = ?1 AND v.region = ?2 AND v.name = ?3 "
						 "AND (v.name, v.vnum) > (?4, ?5) ORDER BY v.vnum LIMIT ?6");
}

/* Checks that $LATEST can change now: it exists, the caller's RevisionId
 * matches, no update is in flight. Inside the transaction. */
static int check_latest(struct call *c, const char *name, struct fnver *v)
{
	int rc = lambda_load_version(c->arena, c->who.account, c->region, name, LAMBDA_LATEST, v);
	if (rc < 0)
		return lambda_db_error(c);
	if (rc == 1) {
		db_rollback();
		return lambda_err_not_found(c, name, NULL);
	}
	const char *want = call_str(c, "RevisionId");
	int err = 0;
	if (want && strcmp(want, v->revision))
		err = call_error(c, ERR_LAMBDA_PRECONDITION, NULL);
	else if (!strcmp(v->state, "Pending"))
		err = call_error(c, ERR_LAMBDA_CONFLICT,
				 "The operation cannot be performed at this time. The function is currently in the following "
				 "state: Pending");
	else if (v->update_status && !strcmp(v->update_status, "InProgress"))
		err = call_error(c, ERR_LAMBDA_CONFLICT,
				 "The operation cannot be performed at this time. An update is in progress for resource: %s",
				 lambda_arn(c->arena, c->region, c->who.account, name, NULL));
	if (err) {
		lambda_fnver_done(v);
		db_rollback();
	}
	return err;
}

/* Opens the transaction of a change to $LATEST after check_latest. */
static int begin_latest_change(struct call *c, struct fnref *r, struct fnver *v)
{
	if (lambda_parse_fn(c, call_str(c, "FunctionName"), NULL, false, r))
		return -1;
	if (db_begin())
		return call_error(c, ERR_LAMBDA_SERVICE, "database busy");
	return check_latest(c, r->name, v);
}

static int publish_locked(struct call *c, const char *name, const struct fnver *latest, const char *description,
			  char *version, size_t vlen)
{
	/* Unchanged since the last version: that version is the answer. */
	char d1[65], d2[65];
	json_t *cfg = json_deep_copy(latest->config);
	if (description)
		json_object_set_new(cfg, "Description", json_string(description));
	lambda_config_digest(cfg, d1);
	sqlite3_stmt *st = db_prep("SELECT version, config, code_sha FROM lambda_versions WHERE account = ? AND region = ? "
				   "AND name = ? AND vnum > 0 ORDER BY vnum DESC LIMIT 1");
	lambda_bind_fn(st, c->who.account, c->region, name);
	bool same = false;
	if (sqlite3_step(st) == SQLITE_ROW) {
		json_t *pc = json_loads(db_col_text(st, 1), 0, NULL);
		if (pc) {
			lambda_config_digest(pc, d2);
			same = !strcmp(d1, d2) && !strcmp(db_col_text(st, 2), latest->code_sha);
			json_decref(pc);
		}
		if (same)
			snprintf(version, vlen, "%s", db_col_text(st, 0));
	}
	db_done(st);
	if (same) {
		json_decref(cfg);
		return 0;
	}
	int64_t n = take_version_number(c->who.account, c->region, name);
	snprintf(version, vlen, "%lld", (long long)n);
	int rc = n > 0 ? insert_version(c->who.account, c->region, name, version, n, cfg, latest->code_sha, latest->code_size,
					"Active", new_revision(c->arena), clock_wall_ms())
		       : -1;
	json_decref(cfg);
	return rc;
}

int lambda_update_function_code(struct call *c)
{
	struct fnref r;
	if (lambda_parse_fn(c, call_str(c, "FunctionName"), NULL, false, &r))
		return -1;
	struct lambda_code lc;
	lc.fresh = false;
	json_t *code = json_object();
	const char *keys[] = {"ZipFile", "S3Bucket", "S3Key", "S3ObjectVersion", "ImageUri", NULL};
	for (int i = 0; keys[i]; i++)
		if (call_get(c, keys[i]))
			json_object_set(code, keys[i], call_get(c, keys[i]));
	int rc = lambda_code_accept(c, code, &lc);
	json_decref(code);
	if (rc)
		return -1;
	rc = -1;
	struct fnver v = {0};
	if (db_begin()) {
		call_error(c, ERR_LAMBDA_SERVICE, "database busy");
		goto out;
	}
	if (check_latest(c, r.name, &v))
		goto out;
	if (call_bool(c, "DryRun", false)) {
		db_rollback();
		v.code_sha = arena_strdup(c->arena, lc.sha_hex);
		v.code_size = lc.size;
		c->output = lambda_config_json(c->arena, c->region, c->who.account, &v);
		rc = 0;
		goto out;
	}
	json_t *arch = call_get(c, "Architectures");
	if (arch && json_array_size(arch))
		json_object_set(v.config, "Architectures", arch);
	char *cj = json_dumps(v.config, JSON_COMPACT | JSON_SORT_KEYS);
	sqlite3_stmt *st = db_prep("UPDATE lambda_versions SET code_sha = ?, code_size = ?, config = ?, "
				   "update_status = 'InProgress', update_reason = 'The function is being created.', "
				   "update_code = 'Creating', revision = ?, modified = ? "
				   "WHERE account = ? AND region = ? AND name = ? AND version = '$LATEST'");
	db_bind_text(st, 1, lc.sha_hex);
	sqlite3_bind_int64(st, 2, lc.size);
	db_bind_text(st, 3, cj);
	db_bind_text(st, 4, new_revision(c->arena));
	sqlite3_bind_int64(st, 5, clock_wall_ms());
	db_bind_text(st, 6, c->who.account);
	db_bind_text(st, 7, c->region);
	db_bind_text(st, 8, r.name);
	int step = sqlite3_step(st);
	db_done(st);
	free(cj);
	char version[24] = "";
	bool publish = call_bool(c, "Publish", false);
	if (step != SQLITE_DONE || lambda_code_commit(&lc)) {
		lambda_db_error(c);
		goto out;
	}
	if (publish) {
		int64_t n = take_version_number(c->who.account, c->region, r.name);
		snprintf(version, sizeof version, "%lld", (long long)n);
		if (n < 1 || insert_version(c->who.account, c->region, r.name, version, n, v.config, lc.sha_hex, lc.size,
					    "Pending", new_revision(c->arena), clock_wall_ms())) {
			lambda_db_error(c);
			goto out;
		}
	}
	if (lambda_code_release_unused() || db_commit()) {
		lambda_db_error(c);
		goto out;
	}
	lambda_code_finish(&lc, true);
	/* Released blobs go now; unpacked directories wait for a delete or the
	 * next start, so a retiring environment never loses its files mid-run. */
	blob_collect();
	lambda_exec_retire(c->who.account, c->region, r.name);
	lambda_code_schedule(c->who.account, c->region, r.name, LAMBDA_LATEST, lc.sha_hex);
	if (publish)
		lambda_code_schedule(c->who.account, c->region, r.name, version, lc.sha_hex);
	lambda_fnver_done(&v);
	if (lambda_load_version(c->arena, c->who.account, c->region, r.name, publish ? version : LAMBDA_LATEST, &v) == 0) {
		if (publish) {
			v.state = "Pending";
		} else {
			v.update_status = "InProgress";
			v.update_reason = "The function is being created.";
			v.update_code = "Creating";
		}
		c->output = lambda_config_json(c->arena, c->region, c->who.account, &v);
	}
	rc = 0;
out:
	lambda_fnver_done(&v);
	lambda_code_finish(&lc, false);
	return rc;
}

int lambda_update_function_configuration(struct call *c)
{
	struct fnref r;
	struct fnver v = {0};
	if (begin_latest_change(c, &r, &v))
		return -1;
	if (lambda_config_apply(c, v.config, false)) {
		db_rollback();
		lambda_fnver_done(&v);
		return -1;
	}
	const char *rt = json_string_value(json_object_get(v.config, "Runtime"));
	if (!json_object_get(v.config, "Handler") && lambda_runtime_kind(rt) != RT_PROVIDED) {
		db_rollback();
		lambda_fnver_done(&v);
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER, "Handler is required for functions with the %s runtime.", rt);
	}
	char *cj = json_dumps(v.config, JSON_COMPACT | JSON_SORT_KEYS);
	sqlite3_stmt *st = db_prep("UPDATE lambda_versions SET config = ?, revision = ?, modified = ?, "
				   "update_status = 'Successful', update_reason = NULL, update_code = NULL "
				   "WHERE account = ? AND region = ? AND name = ? AND version = '$LATEST'");
	db_bind_text(st, 1, cj);
	db_bind_text(st, 2, new_revision(c->arena));
	sqlite3_bind_int64(st, 3, clock_wall_ms());
	db_bind_text(st, 4, c->who.account);
	db_bind_text(st, 5, c->region);
	db_bind_text(st, 6, r.name);
	int step = sqlite3_step(st);
	db_done(st);
	free(cj);
	lambda_fnver_done(&v);
	if (step != SQLITE_DONE)
		return lambda_db_error(c);
	if (db_commit())
		return call_error(c, ERR_LAMBDA_SERVICE, "commit failed");
	lambda_exec_retire(c->who.account, c->region, r.name);
	if (lambda_load_version(c->arena, c->who.account, c->region, r.name, LAMBDA_LATEST, &v) == 0) {
		c->output = lambda_config_json(c->arena, c->region, c->who.account, &v);
		lambda_fnver_done(&v);
	}
	return 0;
}

int lambda_publish_version(struct call *c)
{
	struct fnref r;
	struct fnver v = {0};
	if (begin_latest_change(c, &r, &v))
		return -1;
	const char *want_sha = call_str(c, "CodeSha256");
	json_t *cur = lambda_config_json(c->arena, c->region, c->who.account, &v);
	const char *have_sha = json_string_value(json_object_get(cur, "CodeSha256"));
	if (want_sha && strcmp(want_sha, have_sha)) {
		int rc = call_error(c, ERR_LAMBDA_INVALID_PARAMETER,
				    "CodeSHA256 (%s) is different from current CodeSHA256 in $LATEST (%s). Please try again with the "
				    "CodeSHA256 in $LATEST.",
				    want_sha, have_sha);
		json_decref(cur);
		lambda_fnver_done(&v);
		db_rollback();
		return rc;
	}
	json_decref(cur);
	char version[24];
	if (publish_locked(c, r.name, &v, call_str(c, "Description"), version, sizeof version) || db_commit()) {
		lambda_fnver_done(&v);
		return lambda_db_error(c);
	}
	lambda_fnver_done(&v);
	if (lambda_load_version(c->arena, c->who.account, c->region, r.name, version, &v))
		return lambda_db_error(c);
	c->output = lambda_config_json(c->arena, c->region, c->who.account, &v);
	lambda_fnver_done(&v);
	return 0;
}

static int delete_version(struct call *c, const struct fnref *r)
{
	if (!strcmp(r->qualifier, LAMBDA_LATEST))
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER, "$LATEST version cannot be deleted without deleting the function.");
	if (!is_number(r->qualifier))
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER, "Deletion of aliases is not supported.");
	if (db_begin())
		return call_error(c, ERR_LAMBDA_SERVICE, "database busy");
	sqlite3_stmt *st = db_prep("SELECT group_concat(alias, ', ') FROM lambda_aliases WHERE account = ? AND region = ? "
				   "AND name = ? AND version = ?");
	lambda_bind_fn(st, c->who.account, c->region, r->name);
	db_bind_text(st, 4, r->qualifier);
	char *aliases = NULL;
	if (sqlite3_step(st) == SQLITE_ROW && db_col_text(st, 0))
		aliases = arena_strdup(c->arena, db_col_text(st, 0));
	db_done(st);
	if (aliases) {
		db_rollback();
		return call_error(c, ERR_LAMBDA_CONFLICT, "Unable to delete version because the following aliases reference it: [%s]",
				  aliases);
	}
	st = db_prep("DELETE FROM lambda_versions WHERE account = ? AND region = ? AND name = ? AND version = ?");
	lambda_bind_fn(st, c->who.account, c->region, r->name);
	db_bind_text(st, 4, r->qualifier);
	int step = sqlite3_step(st);
	db_done(st);
	int changed = db_changes();
	if (step != SQLITE_DONE || lambda_settings_forget(c->who.account, c->region, r->name, r->qualifier) ||
	    lambda_code_release_unused())
		return lambda_db_error(c);
	if (!changed) {
		db_rollback();
		return lambda_err_not_found(c, r->name, r->qualifier);
	}
	if (db_commit())
		return call_error(c, ERR_LAMBDA_SERVICE, "commit failed");
	lambda_exec_retire(c->who.account, c->region, r->name);
	lambda_code_sweep_dirs();
	c->status = 204;
	return 0;
}

int lambda_delete_function(struct call *c)
{
	struct fnref r;
	if (lambda_parse_fn(c, call_str(c, "FunctionName"), call_str(c, "Qualifier"), true, &r))
		return -1;
	if (r.qualifier[0])
		return delete_version(c, &r);
	if (db_begin())
		return call_error(c, ERR_LAMBDA_SERVICE, "database busy");
	if (!lambda_function_exists(c->who.account, c->region, r.name)) {
		db_rollback();
		return lambda_err_not_found(c, r.name, NULL);
	}
	static const char *const sql[] = {
		"DELETE FROM lambda_versions WHERE account = ? AND region = ? AND name = ?",
		"DELETE FROM lambda_aliases WHERE account = ? AND region = ? AND name = ?",
		"DELETE FROM lambda_functions WHERE account = ? AND region = ? AND name = ?",
	};
	for (size_t i = 0; i < sizeof sql / sizeof *sql; i++) {
		sqlite3_stmt *st = db_prep(sql[i]);
		lambda_bind_fn(st, c->who.account, c->region, r.name);
		int step = sqlite3_step(st);
		db_done(st);
		if (step != SQLITE_DONE)
			return lambda_db_error(c);
	}
	if (lambda_settings_forget(c->who.account, c->region, r.name, NULL) ||
	    lambda_async_forget(c->who.account, c->region, r.name) || lambda_code_release_unused())
		return lambda_db_error(c);
	if (db_commit())
		return call_error(c, ERR_LAMBDA_SERVICE, "commit failed");
	lambda_exec_retire(c->who.account, c->region, r.name);
	lambda_reserved_refresh();
	lambda_code_sweep_dirs();
	c->status = 204;
	return 0;
}
