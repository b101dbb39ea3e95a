/* config.h — nuage's settings, from the command line and NUAGE_* variables.
 * Parsed once at start-up; read-only afterwards. */
#ifndef NUAGE_CONFIG_H
#define NUAGE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEFAULT_ACCOUNT "000000000000"

struct credential {
	char *access_key;
	char *secret_key;
	char *account;
	char *canonical_id; /* S3 owner ID (64 hex by default, derived from the account) */
	char *display_name; /* S3 owner DisplayName (the account by default) */
	char *arn;          /* the account root's ARN: what STS GetCallerIdentity names */
};

/* A named warehouse (src/warehouse): `--warehouse NAME=URL`, repeatable. */
struct warehouse_conf {
	char *name; /* a Redshift cluster identifier: [a-z][a-z0-9]*(-[a-z0-9]+)*, 1-63 */
	char *url;  /* sqlite:PATH | postgres://... | postgresql://... | redshift://... */
};

struct config {
	char *host;            /* listen address, 127.0.0.1 */
	int port;              /* 4566 */
	char *data_dir;        /* ./.nuage */
	char *region;          /* us-east-1 */
	struct credential *creds;
	int ncreds;
	int log_level;         /* enum log_level */
	bool access_log;       /* one line per request at info */
	int max_connections;
	size_t max_body;       /* non-streamed request bodies */
	int64_t max_skew_ms;   /* SigV4 clock skew allowed (15 minutes) */
	int idle_timeout_s;    /* keep-alive idle / body stall timeout */
	char *sns_cert_base;   /* SNS SigningCertURL base ("https://sns.us-east-1.amazonaws.com"), or NULL:
	                        * the address the publishing client used */
	/* Lambda (src/svc/lambda) */
	char *lambda_python;   /* interpreter for python3.x runtimes ("python3" on PATH) */
	char *lambda_node;     /* node for nodejs runtimes ("node" on PATH) */
	int lambda_idle_s;     /* an idle execution environment stops after this (300) */
	int lambda_concurrency; /* account concurrency limit (1000, as AWS's default) */
	int lambda_retry_ms;   /* first async retry delay, doubled for the second (60000, as AWS) */
	struct warehouse_conf *warehouses; /* in order given; the first is the default */
	int nwarehouses;
};

/* Fills cfg from defaults, then NUAGE_* variables, then argv (after the
 * "serve" word). Returns 0, or -1 after printing why to stderr. Free with
 * config_free. */
int config_load(struct config *cfg, int argc, char **argv);
void config_free(struct config *cfg);
void config_usage(void);
const struct credential *config_find_key(const struct config *cfg, const char *access_key);
/* The first credential of an account (for its S3 owner identity), or NULL. */
const struct credential *config_find_account(const struct config *cfg, const char *account);
/* True when addr is a loopback address (127.0.0.0/8, ::1, localhost). */
bool config_is_loopback(const char *addr);

#endif
