/* main.c — the nuage command line: serve, file, version, help.
 *
 * `serve` start-up order (shutdown is the reverse): configuration ->
 * handler tables -> database and migrations -> blob recovery -> engine
 * (timers, worker pool, queues) -> services -> event bus -> HTTP listener ->
 * services told the bound port. Shutdown first tells services to quiesce
 * (long-waiting handlers give up), then drains the listener. Signals
 * are blocked in every thread and taken by the main thread with sigwait, so
 * SIGINT/SIGTERM start an orderly stop: no new connections, in-flight
 * requests finish (bounded), the store closes cleanly, exit 0.
 */
#include "config.h"
#include "core/clock.h"
#include "core/log.h"
#include "engine/bus.h"
#include "engine/pool.h"
#include "engine/queue.h"
#include "engine/timers.h"
#include "formats/filecmd.h"
#include "sqlcmd/sqlcmd.h"
#include "http/dispatch.h"
#include "http/server.h"
#include "proto/proto.h"
#include "store/blob.h"
#include "store/db.h"
#include "store/migrate.h"
#include "warehouse/catalog.h"
#include "svc/svc.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

extern const struct migration_set store_core_migrations;

static void usage(FILE *f)
{
	fputs("usage: nuage <command> [options]\n"
	      "  serve     run the AWS endpoint on 127.0.0.1:4566 (nuage serve --help)\n"
	      "  file      inspect and convert CSV, JSON lines and Parquet files\n"
	      "  sql       a SQL client for nuage's warehouses (nuage sql --help)\n"
	      "  version   print the version\n"
	      "  help      this text\n",
	      f);
}

static int open_store(const struct config *cfg)
{
	const struct migration_set *sets[64];
	int n = 0;
	sets[n++] = &store_core_migrations;
	sets[n++] = &queue_migrations;
	sets[n++] = &warehouse_migrations;
	const struct svc *const *list = svc_list();
	for (int i = 0; list[i] && n < 64; i++)
		if (list[i]->migrations)
			sets[n++] = list[i]->migrations;
	if (db_open(cfg->data_dir, sets, n) || blob_init(cfg->data_dir) || blob_recover())
		return -1;
	db_release();
	return 0;
}

static int serve(int argc, char **argv)
{
	int64_t t0 = clock_mono_us();
	struct config cfg;
	if (config_load(&cfg, argc, argv)) {
		config_free(&cfg);
		return 2;
	}
	log_threshold = (enum log_level)cfg.log_level;
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	int rc = 1;
	if (svc_init() || open_store(&cfg))
		goto out_store;
	if (timers_start() || pool_start(4, 4096) || queue_start())
		goto out_engine;
	if (svc_start_all(&cfg))
		goto out_svcs;
	if (bus_start())
		goto out_svcs;
	dispatch_init(&cfg);
	if (server_start(&cfg))
		goto out_bus;
	int port = server_port();
	svc_listening_all(port);
	fprintf(stderr,
		"nuage %s ready in %.1f ms on http://%s:%d (data: %s, region: %s)\n"
		"  export AWS_ENDPOINT_URL=http://%s:%d AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s "
		"AWS_DEFAULT_REGION=%s\n"
		"  aws sts get-caller-identity     (aws CLI v2 from Debian: add --endpoint-url http://%s:%d)\n",
		NUAGE_VERSION, (double)(clock_mono_us() - t0) / 1000.0, cfg.host, port, cfg.data_dir, cfg.region,
		cfg.host, port, cfg.creds[0].access_key, cfg.creds[0].secret_key, cfg.region, cfg.host, port);
	int sig = 0;
	sigwait(&sigs, &sig);
	log_info("%s received: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
	svc_quiesce_all();
	queue_shutdown_begin(); /* long polls answer now, so connections drain */
	server_stop(10000);
	rc = 0;
out_bus:
	bus_stop();
out_svcs:
	svc_stop_all();
out_engine:
	queue_stop();
	pool_stop();
	timers_stop();
out_store:
	db_release();
	blob_fini();
	db_close();
	svc_fini();
	rest_routes_free();
	config_free(&cfg);
	if (!rc)
		log_info("stopped cleanly");
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "serve"))
		return serve(argc - 2, argv + 2);
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("nuage %s\n", NUAGE_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		if (argc > 2 && !strcmp(argv[2], "serve"))
			config_usage();
		else
			usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "file"))
		return file_command(argc - 1, argv + 1);
	if (!strcmp(cmd, "sql"))
		return sql_command(argc - 1, argv + 1);
	fprintf(stderr, "nuage: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
