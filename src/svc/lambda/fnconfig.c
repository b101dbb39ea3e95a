/* fnconfig.c — a function's configuration: validation of what
 * CreateFunction / UpdateFunctionConfiguration send, the stored JSON, and
 * the FunctionConfiguration document every read returns.
 *
 * Stored: the members a caller can set (Runtime, Role, Handler,
 * Description, Timeout, MemorySize, Environment, TracingConfig,
 * DeadLetterConfig, KMSKeyArn, VpcConfig, EphemeralStorage, Architectures,
 * LoggingConfig, SnapStart, FileSystemConfigs, ImageConfig, PackageType),
 * with AWS's defaults filled in at creation. Rendered: those plus the
 * computed members (ARN, code size and SHA-256, state, revision ...).
 * Refused with a message: Layers (nuage does not apply them yet), container
 * images, runtimes AWS no longer accepts for new functions, reserved
 * environment variable names, environments over 4 KB.
 */
#include "svc/lambda/lambda.h"
#include "core/buf.h"
#include "core/enc.h"
#include "core/hash.h"

#include <stdio.h>
#include <string.h>

static const char *const reserved_env[] = {
	"_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
	"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
	"AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY",
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT",
	"LAMBDA_RUNTIME_DIR", NULL,
};

static const char *const retired_runtimes[] = {
	"python2.7", "python3.6", "python3.7", "nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10",
	"nodejs10.x", "nodejs12.x", "nodejs14.x", "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1",
	"ruby2.5", "ruby2.7", NULL,
};

static bool valid_env_key(const char *k)
{
	if (!((k[0] >= 'a' && k[0] <= 'z') || (k[0] >= 'A' && k[0] <= 'Z')) || !k[1])
		return false;
	for (const char *p = k + 1; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

static int check_environment(struct call *c, json_t *env)
{
	json_t *vars = json_object_get(env, "Variables");
	if (!vars)
		return 0;
	const char *k;
	json_t *v;
	struct buf used;
	buf_init(&used, 4096);
	json_object_foreach(vars, k, v)
	{
		for (int i = 0; reserved_env[i]; i++)
			if (!strcmp(k, reserved_env[i]))
				buf_addf(&used, "%s%s", used.len ? ", " : "", k);
		if (!valid_env_key(k)) {
			buf_free(&used);
			return call_error(c, ERR_VALIDATION,
					  "1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: "
					  "Map keys must satisfy constraint: [Member must satisfy regular expression pattern: "
					  "[a-zA-Z]([a-zA-Z0-9_])+]");
		}
	}
	if (used.len) {
		int rc = call_error(c, ERR_LAMBDA_INVALID_PARAMETER,
				    "Lambda was unable to configure your environment variables because the environment variables "
				    "you have provided contains reserved keys that are currently not supported for modification. "
				    "Reserved keys used in this request: %s",
				    buf_str(&used));
		buf_free(&used);
		return rc;
	}
	buf_free(&used);
	char *s = json_dumps(vars, JSON_COMPACT);
	size_t n = strlen(s);
	int rc = 0;
	if (n > LAMBDA_MAX_ENV_BYTES)
		rc = call_error(c, ERR_LAMBDA_INVALID_PARAMETER,
				"Lambda was unable to configure your environment variables because the environment variables you "
				"have provided exceeded the 4KB limit. String measured: %.200s...",
				s);
	free(s);
	return rc;
}

static int check_runtime(struct call *c, const char *rt)
{
	for (int i = 0; retired_runtimes[i]; i++)
		if (!strcmp(rt, retired_runtimes[i]))
			return call_error(c, ERR_LAMBDA_INVALID_PARAMETER,
					  "The runtime parameter of %s is no longer supported for creating or updating AWS Lambda "
					  "functions. We recommend you use a supported runtime while creating or updating functions.",
					  rt);
	return 0;
}

static int check_role(struct call *c, const char *role)
{
	const char *p = strstr(role, ":role/");
	if (strncmp(role, "arn:", 4) || !strstr(role, ":iam::") || !p || !p[6])
		return call_error(c, ERR_VALIDATION,
				  "1 validation error detected: Value '%s' at 'role' failed to satisfy constraint: Member must "
				  "satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+",
				  role);
	return 0;
}

/* Members copied from the input as they are (after the checks above). */
static const char *const plain_members[] = {
	"Runtime", "Role", "Handler", "Description", "Timeout", "MemorySize", "Environment", "TracingConfig",
	"DeadLetterConfig", "KMSKeyArn", "VpcConfig", "EphemeralStorage", "LoggingConfig", "SnapStart",
	"FileSystemConfigs", "ImageConfig", NULL,
};

int lambda_config_apply(struct call *c, json_t *cfg, bool create)
{
	json_t *in = c->input;
	const char *rt = json_string_value(json_object_get(in, "Runtime"));
	const char *pt = json_string_value(json_object_get(in, "PackageType"));
	if (pt && !strcmp(pt, "Image"))
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER,
				  "nuage does not run container images: package the function as a .zip file (PackageType Zip).");
	json_t *layers = json_object_get(in, "Layers");
	if (layers && json_array_size(layers))
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER,
				  "nuage does not support Lambda layers yet: include the layer's files in the function's .zip.");
	if (rt && check_runtime(c, rt))
		return -1;
	const char *role = json_string_value(json_object_get(in, "Role"));
	if (role && check_role(c, role))
		return -1;
	if (check_environment(c, json_object_get(in, "Environment")))
		return -1;
	json_t *dlq = json_object_get(json_object_get(in, "DeadLetterConfig"), "TargetArn");
	if (dlq && json_string_length(dlq) && strncmp(json_string_value(dlq), "arn:aws:sqs:", 12) &&
	    strncmp(json_string_value(dlq), "arn:aws:sns:", 12))
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER,
				  "The provided target ARN for the dead letter config (%s) is invalid: use an SQS queue or an SNS topic.",
				  json_string_value(dlq));
	json_t *lg = json_object_get(json_object_get(in, "LoggingConfig"), "LogGroup");
	if (lg && (!json_string_length(lg) || json_string_length(lg) > 512))
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER, "The LogGroup in LoggingConfig is invalid.");
	if (create) {
		if (!rt)
			return call_error(c, ERR_LAMBDA_INVALID_PARAMETER,
					  "Runtime is required for functions with the Zip package type.");
		if (!json_object_get(in, "Handler") && lambda_runtime_kind(rt) != RT_PROVIDED)
			return call_error(c, ERR_LAMBDA_INVALID_PARAMETER, "Handler is required for functions with the %s runtime.",
					  rt);
		json_object_set_new(cfg, "Description", json_string(""));
		json_object_set_new(cfg, "Timeout", json_integer(3));
		json_object_set_new(cfg, "MemorySize", json_integer(128));
		json_object_set_new(cfg, "PackageType", json_string("Zip"));
		json_object_set_new(cfg, "TracingConfig", json_pack("{s:s}", "Mode", "PassThrough"));
		json_object_set_new(cfg, "EphemeralStorage", json_pack("{s:i}", "Size", 512));
		json_object_set_new(cfg, "Architectures", json_pack("[s]", "x86_64"));
		json_object_set_new(cfg, "SnapStart", json_pack("{s:s,s:s}", "ApplyOn", "None", "OptimizationStatus", "Off"));
	}
	for (int i = 0; plain_members[i]; i++) {
		json_t *v = json_object_get(in, plain_members[i]);
		if (v)
			json_object_set(cfg, plain_members[i], v);
	}
	json_t *arch = json_object_get(in, "Architectures");
	if (arch && json_array_size(arch))
		json_object_set(cfg, "Architectures", arch);
	return 0;
}

void lambda_config_digest(const json_t *cfg, char out[65])
{
	/* A version's description is its own, not part of what changed. */
	json_t *c = json_deep_copy(cfg);
	json_object_del(c, "Description");
	char *s = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(c);
	unsigned char d[SHA256_LEN];
	sha256(s, strlen(s), d);
	hex_encode(d, SHA256_LEN, out);
	free(s);
}

static void copy_member(json_t *out, const json_t *cfg, const char *name)
{
	json_t *v = json_object_get(cfg, name);
	if (v && !json_is_null(v))
		json_object_set(out, name, v);
}

static void set_opt(json_t *o, const char *k, const char *v)
{
	if (v && *v)
		json_object_set_new(o, k, json_string(v));
}

json_t *lambda_config_json(struct arena *a, const char *region, const char *account, const struct fnver *v)
{
	json_t *o = json_object();
	const json_t *cfg = v->config;
	bool latest = !strcmp(v->version, LAMBDA_LATEST);
	json_object_set_new(o, "FunctionName", json_string(v->name));
	json_object_set_new(o, "FunctionArn",
			    json_string(lambda_arn(a, region, account, v->name, latest ? NULL : v->version)));
	copy_member(o, cfg, "Runtime");
	copy_member(o, cfg, "Role");
	copy_member(o, cfg, "Handler");
	json_object_set_new(o, "CodeSize", json_integer(v->code_size));
	copy_member(o, cfg, "Description");
	copy_member(o, cfg, "Timeout");
	copy_member(o, cfg, "MemorySize");
	char lm[40];
	lambda_time_text(v->modified, lm);
	json_object_set_new(o, "LastModified", json_string(lm));
	/* CodeSha256 is base64 of the digest, as AWS returns it. */
	unsigned char d[SHA256_LEN];
	char b64[48] = "";
	if (strlen(v->code_sha) == 64 && !hex_decode(v->code_sha, 64, d))
		base64_encode(d, SHA256_LEN, b64);
	json_object_set_new(o, "CodeSha256", json_string(b64));
	json_object_set_new(o, "Version", json_string(v->version));
	json_t *vpc = json_object_get(cfg, "VpcConfig");
	if (vpc && (json_array_size(json_object_get(vpc, "SubnetIds")) || json_array_size(json_object_get(vpc, "SecurityGroupIds")))) {
		json_t *r = json_deep_copy(vpc);
		json_object_set_new(r, "VpcId", json_string(""));
		json_object_set_new(o, "VpcConfig", r);
	}
	json_t *env = json_object_get(cfg, "Environment");
	if (env && json_object_get(env, "Variables"))
		json_object_set_new(o, "Environment", json_pack("{s:O}", "Variables", json_object_get(env, "Variables")));
	copy_member(o, cfg, "DeadLetterConfig");
	copy_member(o, cfg, "KMSKeyArn");
	copy_member(o, cfg, "TracingConfig");
	json_object_set_new(o, "RevisionId", json_string(v->revision));
	json_object_set_new(o, "State", json_string(v->state));
	set_opt(o, "StateReason", v->state_reason);
	set_opt(o, "StateReasonCode", v->state_code);
	set_opt(o, "LastUpdateStatus", v->update_status);
	set_opt(o, "LastUpdateStatusReason", v->update_reason);
	set_opt(o, "LastUpdateStatusReasonCode", v->update_code);
	copy_member(o, cfg, "FileSystemConfigs");
	copy_member(o, cfg, "PackageType");
	copy_member(o, cfg, "Architectures");
	copy_member(o, cfg, "EphemeralStorage");
	copy_member(o, cfg, "SnapStart");
	json_t *lc = json_object_get(cfg, "LoggingConfig");
	json_t *log = json_object();
	json_object_set_new(log, "LogFormat", json_string("Text"));
	json_object_set_new(log, "LogGroup", json_string(arena_printf(a, "/aws/lambda/%s", v->name)));
	if (lc)
		json_object_update(log, lc);
	json_object_set_new(o, "LoggingConfig", log);
	return o;
}

void lambda_fn_from_version(struct arena *a, const char *account, const char *region, const struct fnver *v,
			    struct lambda_fn *f)
{
	memset(f, 0, sizeof *f);
	const json_t *cfg = v->config;
	f->account = (char *)account;
	f->region = (char *)region;
	f->name = v->name;
	f->version = v->version;
	f->revision = v->revision;
	f->key = arena_printf(a, "%s/%s/%s/%s/%s", account, region, v->name, v->version, v->revision);
	f->arn = lambda_arn(a, region, account, v->name, NULL);
	f->runtime = (char *)json_string_value(json_object_get(cfg, "Runtime"));
	if (!f->runtime)
		f->runtime = "";
	f->handler = (char *)json_string_value(json_object_get(cfg, "Handler"));
	char dir[4096];
	lambda_code_dir(v->code_sha, dir, sizeof dir);
	f->code_dir = arena_strdup(a, dir);
	const char *lg = json_string_value(json_object_get(json_object_get(cfg, "LoggingConfig"), "LogGroup"));
	f->log_group = lg ? (char *)lg : arena_printf(a, "/aws/lambda/%s", v->name);
	json_t *vars = json_object_get(json_object_get(cfg, "Environment"), "Variables");
	if (vars) {
		char *s = json_dumps(vars, JSON_COMPACT);
		f->env_json = arena_strdup(a, s);
		free(s);
	}
	f->timeout_s = (int)json_integer_value(json_object_get(cfg, "Timeout"));
	f->memory_mb = (int)json_integer_value(json_object_get(cfg, "MemorySize"));
	if (f->timeout_s <= 0)
		f->timeout_s = 3;
	if (f->memory_mb <= 0)
		f->memory_mb = 128;
	f->reserved = v->reserved;
}
