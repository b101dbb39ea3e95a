/* logs_int.h — what logs.c (groups) and streams.c (streams and events)
 * share inside the CloudWatch Logs service. */
#ifndef NUAGE_SVC_LOGS_INT_H
#define NUAGE_SVC_LOGS_INT_H

#include "engine/logsink.h"
#include "svc/svc.h"

int logs_create_log_stream(struct call *c);
int logs_delete_log_stream(struct call *c);
int logs_describe_log_streams(struct call *c);
int logs_put_log_events(struct call *c);
int logs_get_log_events(struct call *c);
int logs_filter_log_events(struct call *c);

/* Inside the caller's transaction: removes a group's streams and events. */
int logs_delete_group_streams(const char *account, const char *region, const char *group);
/* The logsink backend: writes a batch of lines, creating groups and streams. */
int logs_sink_write(const struct logsink_event *ev, size_t n);
/* Deletes events older than their group's retention (bounded per call). */
void logs_retention_sweep(void);

/* The group a call names by logGroupName or logGroupIdentifier (a name or
 * an ARN), after checking it exists. NULL with c->err set otherwise. */
const char *logs_call_group(struct call *c);

#endif
