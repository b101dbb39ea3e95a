/* config.c — see config.h.
 *
 * Credentials: the default key pair test/test (account 000000000000) unless
 * NUAGE_CREDENTIALS or --credentials replaces it with "AK:SK[:ACCOUNT],...",
 * or --credentials-file names a file of "AK SK [ACCOUNT]" lines. Binding to
 * a non-loopback address while test/test is accepted is refused: anyone on
 * the network could then use the endpoint.
 */
#include "config.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add_cred_owner(struct config *cfg, const char *ak, const char *sk, const char *account, const char *id,
			   const char *name)
{
	cfg->creds = xrealloc(cfg->creds, sizeof *cfg->creds * (size_t)(cfg->ncreds + 1));
	struct credential *c = &cfg->creds[cfg->ncreds++];
	c->access_key = xstrdup(ak);
	c->secret_key = xstrdup(sk);
	c->account = xstrdup(account && *account ? account : DEFAULT_ACCOUNT);
	if (id && *id) {
		c->canonical_id = xstrdup(id);
	} else {
		/* A stable 64-hex canonical id per account, as S3 shows owners. */
		char seed[64], hex[65];
		snprintf(seed, sizeof seed, "nuage-owner:%s", c->account);
		sha256_hex(seed, strlen(seed), hex);
		c->canonical_id = xstrdup(hex);
	}
	c->display_name = xstrdup(name && *name ? name : c->account);
	size_t al = strlen(c->account) + sizeof "arn:aws:iam:::root";
	c->arn = xmalloc(al);
	snprintf(c->arn, al, "arn:aws:iam::%s:root", c->account);
}

static void add_cred(struct config *cfg, const char *ak, const char *sk, const char *account)
{
	add_cred_owner(cfg, ak, sk, account, NULL, NULL);
}

static void clear_creds(struct config *cfg)
{
	for (int i = 0; i < cfg->ncreds; i++) {
		free(cfg->creds[i].access_key);
		free(cfg->creds[i].secret_key);
		free(cfg->creds[i].account);
		free(cfg->creds[i].canonical_id);
		free(cfg->creds[i].display_name);
		free(cfg->creds[i].arn);
	}
	free(cfg->creds);
	cfg->creds = NULL;
	cfg->ncreds = 0;
}

static int valid_account(const char *a)
{
	if (strlen(a) != 12)
		return 0;
	for (const char *p = a; *p; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return 1;
}

/* "AK:SK[:ACCOUNT],AK2:SK2" */
static int parse_cred_list(struct config *cfg, const char *list)
{
	clear_creds(cfg);
	char *copy = xstrdup(list), *save = NULL;
	int rc = 0;
	for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *f[3] = {NULL, NULL, NULL}, *s2 = NULL;
		int n = 0;
		for (char *t = strtok_r(item, ":", &s2); t && n < 3; t = strtok_r(NULL, ":", &s2))
			f[n++] = t;
		if (n < 2 || (n == 3 && !valid_account(f[2]))) {
			fprintf(stderr, "nuage: credentials must be AK:SK[:ACCOUNT] with a 12-digit account, got '%s'\n", item);
			rc = -1;
			break;
		}
		add_cred(cfg, f[0], f[1], f[2]);
	}
	free(copy);
	return rc;
}

static int parse_cred_file(struct config *cfg, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "nuage: cannot open credentials file %s: %s\n", path, strerror(errno));
		return -1;
	}
	clear_creds(cfg);
	char line[1024];
	int rc = 0, lineno = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		char ak[256], sk[256], acct[64] = "", id[256] = "";
		int used = 0;
		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '#' || *p == '\n' || !*p)
			continue;
		p[strcspn(p, "\r\n")] = 0;
		int n = sscanf(p, "%255s %255s %63s %255s %n", ak, sk, acct, id, &used);
		if (n < 2 || (n >= 3 && !valid_account(acct))) {
			fprintf(stderr, "nuage: %s:%d: expected 'ACCESS_KEY SECRET_KEY [ACCOUNT [OWNER_ID [DISPLAY NAME]]]'\n",
				path, lineno);
			rc = -1;
			break;
		}
		add_cred_owner(cfg, ak, sk, n >= 3 ? acct : NULL, n >= 4 ? id : NULL, n >= 4 && used ? p + used : NULL);
	}
	fclose(f);
	return rc;
}

static int parse_int(const char *name, const char *v, int lo, int hi, int *out)
{
	char *e;
	errno = 0;
	long x = strtol(v, &e, 10);
	if (errno || e == v || *e || x < lo || x > hi) {
		fprintf(stderr, "nuage: %s must be an integer between %d and %d, got '%s'\n", name, lo, hi, v);
		return -1;
	}
	*out = (int)x;
	return 0;
}

/* NAME=URL[,NAME=URL...] (commas or spaces between items). The URL is
 * checked when the warehouse opens; the name here, because it must be
 * usable as a ClusterIdentifier. */
static int add_warehouses(struct config *cfg, const char *list)
{
	char *copy = xstrdup(list), *save = NULL;
	int rc = 0;
	for (char *item = strtok_r(copy, ", \t\n", &save); item && !rc; item = strtok_r(NULL, ", \t\n", &save)) {
		char *eq = strchr(item, '=');
		size_t nl = eq ? (size_t)(eq - item) : 0;
		bool ok = eq && nl >= 1 && nl <= 63 && eq[1] && item[0] >= 'a' && item[0] <= 'z' && item[nl - 1] != '-';
		for (size_t i = 0; ok && i < nl; i++)
			ok = (item[i] >= 'a' && item[i] <= 'z') || (item[i] >= '0' && item[i] <= '9') ||
			     (item[i] == '-' && item[i + 1] != '-');
		for (int i = 0; ok && i < cfg->nwarehouses; i++)
			ok = strlen(cfg->warehouses[i].name) != nl || strncmp(cfg->warehouses[i].name, item, nl);
		if (!ok) {
			fprintf(stderr,
				"nuage: --warehouse wants NAME=URL with a unique NAME of lower-case letters, digits and single "
				"hyphens (a Redshift cluster identifier), got '%s'\n",
				item);
			rc = -1;
			break;
		}
		cfg->warehouses = xrealloc(cfg->warehouses, sizeof *cfg->warehouses * (size_t)(cfg->nwarehouses + 1));
		cfg->warehouses[cfg->nwarehouses].name = xstrndup(item, nl);
		cfg->warehouses[cfg->nwarehouses].url = xstrdup(eq + 1);
		cfg->nwarehouses++;
	}
	free(copy);
	return rc;
}

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

void config_usage(void)
{
	fputs("usage: nuage serve [options]\n"
	      "  --host ADDR            listen address (127.0.0.1)            NUAGE_HOST\n"
	      "  --port N               listen port (4566)                    NUAGE_PORT\n"
	      "  --data DIR             data directory (./.nuage)             NUAGE_DATA\n"
	      "  --region NAME          default region (us-east-1)            NUAGE_REGION\n"
	      "  --credentials LIST     AK:SK[:ACCOUNT],... (test:test)       NUAGE_CREDENTIALS\n"
	      "  --credentials-file F   lines of 'AK SK [ACCOUNT]'            NUAGE_CREDENTIALS_FILE\n"
	      "  --log-level LEVEL      error|warn|info|debug (info)          NUAGE_LOG_LEVEL\n"
	      "  --no-access-log        no per-request log line               NUAGE_ACCESS_LOG=0\n"
	      "  --max-connections N    concurrent connections (1024)         NUAGE_MAX_CONNECTIONS\n"
	      "  --sns-cert-base URL    SNS SigningCertURL base (the client's) NUAGE_SNS_CERT_BASE\n"
	      "  --lambda-python PATH   python for python3.x functions        NUAGE_LAMBDA_PYTHON\n"
	      "  --lambda-node PATH     node for nodejs functions             NUAGE_LAMBDA_NODE\n"
	      "  --lambda-idle S        stop idle function environments (300) NUAGE_LAMBDA_IDLE\n"
	      "  --lambda-concurrency N account concurrency limit (1000)      NUAGE_LAMBDA_CONCURRENCY\n"
	      "  --lambda-retry-ms MS   first async retry delay (60000)       NUAGE_LAMBDA_RETRY_MS\n"
	      "  --warehouse NAME=URL   a warehouse (repeatable; default      NUAGE_WAREHOUSES\n"
	      "                         dev=sqlite:DATA/warehouse.db)\n",
	      stdout);
}

static int apply(struct config *cfg, const char *key, const char *v)
{
	if (!strcmp(key, "host"))
		set_str(&cfg->host, v);
	else if (!strcmp(key, "port"))
		return parse_int("--port", v, 0, 65535, &cfg->port);
	else if (!strcmp(key, "data"))
		set_str(&cfg->data_dir, v);
	else if (!strcmp(key, "region"))
		set_str(&cfg->region, v);
	else if (!strcmp(key, "credentials"))
		return parse_cred_list(cfg, v);
	else if (!strcmp(key, "credentials-file"))
		return parse_cred_file(cfg, v);
	else if (!strcmp(key, "log-level")) {
		int lv = log_level_parse(v);
		if (lv < 0) {
			fprintf(stderr, "nuage: --log-level must be error, warn, info or debug, got '%s'\n", v);
			return -1;
		}
		cfg->log_level = lv;
	} else if (!strcmp(key, "access-log"))
		cfg->access_log = strcmp(v, "0") && strcmp(v, "false") && strcmp(v, "off");
	else if (!strcmp(key, "max-connections"))
		return parse_int("--max-connections", v, 1, 65536, &cfg->max_connections);
	else if (!strcmp(key, "sns-cert-base")) {
		size_t n = strlen(v);
		if ((strncmp(v, "http://", 7) && strncmp(v, "https://", 8)) || n > 200 || strchr(v, '?')) {
			fprintf(stderr, "nuage: --sns-cert-base must be an http:// or https:// URL without a query, got '%s'\n", v);
			return -1;
		}
		set_str(&cfg->sns_cert_base, v);
		while (n > 0 && cfg->sns_cert_base[n - 1] == '/')
			cfg->sns_cert_base[--n] = 0;
	}
	else if (!strcmp(key, "lambda-python"))
		set_str(&cfg->lambda_python, v);
	else if (!strcmp(key, "lambda-node"))
		set_str(&cfg->lambda_node, v);
	else if (!strcmp(key, "lambda-idle"))
		return parse_int("--lambda-idle", v, 1, 86400, &cfg->lambda_idle_s);
	else if (!strcmp(key, "lambda-concurrency"))
		return parse_int("--lambda-concurrency", v, 1, 100000, &cfg->lambda_concurrency);
	else if (!strcmp(key, "lambda-retry-ms"))
		return parse_int("--lambda-retry-ms", v, 1, 3600000, &cfg->lambda_retry_ms);
	else if (!strcmp(key, "warehouse"))
		return add_warehouses(cfg, v);
	else {
		fprintf(stderr, "nuage: unknown option --%s (see nuage help serve)\n", key);
		return -1;
	}
	return 0;
}

int config_load(struct config *cfg, int argc, char **argv)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->host = xstrdup("127.0.0.1");
	cfg->port = 4566;
	cfg->data_dir = xstrdup("./.nuage");
	cfg->region = xstrdup("us-east-1");
	cfg->log_level = LOG_INFO;
	cfg->access_log = true;
	cfg->max_connections = 1024;
	cfg->max_body = 8u << 20;
	cfg->max_skew_ms = 15 * 60 * 1000;
	cfg->idle_timeout_s = 60;
	cfg->lambda_python = xstrdup("python3");
	cfg->lambda_node = xstrdup("node");
	cfg->lambda_idle_s = 300;
	cfg->lambda_concurrency = 1000;
	cfg->lambda_retry_ms = 60000;
	add_cred(cfg, "test", "test", DEFAULT_ACCOUNT);

	static const char *const envs[][2] = {
		{"NUAGE_HOST", "host"}, {"NUAGE_PORT", "port"}, {"NUAGE_DATA", "data"}, {"NUAGE_REGION", "region"},
		{"NUAGE_CREDENTIALS", "credentials"}, {"NUAGE_CREDENTIALS_FILE", "credentials-file"},
		{"NUAGE_LOG_LEVEL", "log-level"}, {"NUAGE_ACCESS_LOG", "access-log"},
		{"NUAGE_MAX_CONNECTIONS", "max-connections"}, {"NUAGE_SNS_CERT_BASE", "sns-cert-base"},
		{"NUAGE_LAMBDA_PYTHON", "lambda-python"},
		{"NUAGE_LAMBDA_NODE", "lambda-node"}, {"NUAGE_LAMBDA_IDLE", "lambda-idle"},
		{"NUAGE_LAMBDA_CONCURRENCY", "lambda-concurrency"}, {"NUAGE_LAMBDA_RETRY_MS", "lambda-retry-ms"},
		{"NUAGE_WAREHOUSES", "warehouse"},
	};
	for (size_t i = 0; i < sizeof envs / sizeof *envs; i++) {
		const char *v = getenv(envs[i][0]);
		if (v && *v && apply(cfg, envs[i][1], v))
			return -1;
	}
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			config_usage();
			exit(0);
		}
		if (!strcmp(a, "--no-access-log")) {
			cfg->access_log = false;
			continue;
		}
		if (strncmp(a, "--", 2)) {
			fprintf(stderr, "nuage: unexpected argument '%s'\n", a);
			return -1;
		}
		char key[64];
		const char *eq = strchr(a + 2, '=');
		const char *val;
		size_t kl = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
		if (kl >= sizeof key) {
			fprintf(stderr, "nuage: unknown option %s\n", a);
			return -1;
		}
		memcpy(key, a + 2, kl);
		key[kl] = 0;
		if (eq) {
			val = eq + 1;
		} else {
			if (i + 1 >= argc) {
				fprintf(stderr, "nuage: option --%s needs a value\n", key);
				return -1;
			}
			val = argv[++i];
		}
		if (apply(cfg, key, val))
			return -1;
	}
	if (!cfg->ncreds) {
		fprintf(stderr, "nuage: no credentials configured\n");
		return -1;
	}
	if (!config_is_loopback(cfg->host) && config_find_key(cfg, "test") &&
	    !strcmp(config_find_key(cfg, "test")->secret_key, "test")) {
		fprintf(stderr,
			"nuage: refusing to listen on %s with the default test/test credentials: anyone who can reach\n"
			"this address could read and change your data. Configure your own key pairs with\n"
			"--credentials AK:SK (or NUAGE_CREDENTIALS), or listen on 127.0.0.1.\n",
			cfg->host);
		return -1;
	}
	return 0;
}

void config_free(struct config *cfg)
{
	clear_creds(cfg);
	for (int i = 0; i < cfg->nwarehouses; i++) {
		free(cfg->warehouses[i].name);
		free(cfg->warehouses[i].url);
	}
	free(cfg->warehouses);
	free(cfg->host);
	free(cfg->data_dir);
	free(cfg->region);
	free(cfg->sns_cert_base);
	free(cfg->lambda_python);
	free(cfg->lambda_node);
	memset(cfg, 0, sizeof *cfg);
}

const struct credential *config_find_key(const struct config *cfg, const char *access_key)
{
	for (int i = 0; i < cfg->ncreds; i++)
		if (!strcmp(cfg->creds[i].access_key, access_key))
			return &cfg->creds[i];
	return NULL;
}

const struct credential *config_find_account(const struct config *cfg, const char *account)
{
	for (int i = 0; i < cfg->ncreds; i++)
		if (!strcmp(cfg->creds[i].account, account))
			return &cfg->creds[i];
	return NULL;
}

bool config_is_loopback(const char *addr)
{
	return !strncmp(addr, "127.", 4) || !strcmp(addr, "::1") || !strcmp(addr, "localhost") ||
	       !strcmp(addr, "[::1]");
}
