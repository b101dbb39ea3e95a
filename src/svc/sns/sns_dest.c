/* sns_dest.c — SNS's side of engine/dest.h: another part of nuage (Lambda's
 * async destinations and dead-letter queues) publishes one message to a
 * topic inside its own transaction, the way Publish does (one outbox event
 * that sns_fanout delivers). FIFO topics are refused: AWS does not accept
 * them as Lambda destinations either. */
#include "config.h"
#include "core/clock.h"
#include "core/rand.h"
#include "engine/bus.h"
#include "engine/dest.h"
#include "store/db.h"
#include "store/outbox.h"
#include "svc/sns/sns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct config *dest_cfg;

/* attrs_json {"Name": "value"} -> SNS's {"Name": {"Type": "String", "Value": ...}} record form. */
static json_t *message_attrs(const char *attrs_json)
{
	json_t *in = attrs_json ? json_loads(attrs_json, 0, NULL) : NULL;
	if (!json_object_size(in)) {
		json_decref(in);
		return NULL;
	}
	json_t *out = json_object();
	const char *k;
	json_t *v;
	json_object_foreach(in, k, v) if (json_is_string(v))
		json_object_set_new(out, k, json_pack("{s:s,s:O}", "Type", "String", "Value", v));
	json_decref(in);
	return out;
}

static int sns_deliver(const char *arn, const char *body, size_t len, const char *attrs_json, char *err, size_t errlen)
{
	sqlite3_stmt *st = db_prep("SELECT fifo FROM sns_topics WHERE arn = ?");
	db_bind_text(st, 1, arn);
	int rc = sqlite3_step(st);
	bool fifo = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
	db_done(st);
	if (rc != SQLITE_ROW) {
		snprintf(err, errlen, "Topic does not exist: %s", arn);
		return -1;
	}
	if (fifo) {
		snprintf(err, errlen, "FIFO topics cannot receive Lambda destination records: %s", arn);
		return -1;
	}
	char id[37], base[64];
	uuid4(id);
	snprintf(base, sizeof base, "http://localhost:%d", dest_cfg ? dest_cfg->port : 4566);
	json_t *rec = json_pack("{s:s,s:s%}", "id", id, "m", body, len);
	json_t *a = message_attrs(attrs_json);
	if (a)
		json_object_set_new(rec, "a", a);
	json_t *ev = json_pack("{s:s,s:s,s:I,s:[o]}", "t", arn, "u", base, "ts", (json_int_t)clock_wall_ms(), "msgs", rec);
	char *payload = json_dumps(ev, JSON_COMPACT);
	json_decref(ev);
	rc = outbox_add(SNS_OUTBOX_TOPIC, payload);
	free(payload);
	if (rc) {
		snprintf(err, errlen, "cannot queue the publication: %s", db_errmsg());
		return -1;
	}
	return 0;
}

void sns_dest_register(const struct config *cfg)
{
	dest_cfg = cfg;
	dest_register("sns", sns_deliver);
}
