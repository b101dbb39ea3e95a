/* registry.c — the list of services and the binding of their handlers to
 * the generated models. Adding a service = one line in `services`. */
#include "svc/svc.h"
#include "core/log.h"
#include "core/mem.h"

#include <string.h>

extern const struct svc svc_sts;
extern const struct svc svc_logs;
extern const struct svc svc_s3;
extern const struct svc svc_sqs;
extern const struct svc svc_sns;
extern const struct svc svc_lambda;
extern const struct svc svc_redshift_data;

static const struct svc *const services[] = {
	&svc_sts,
	&svc_logs,
	&svc_s3,
	&svc_sqs,
	&svc_sns,
	&svc_lambda,
	&svc_redshift_data,
	NULL,
};

#define NSVC (sizeof services / sizeof *services - 1)
static const struct svc_op **bound[NSVC];

static int index_of(const struct svc *s)
{
	for (size_t i = 0; i < NSVC; i++)
		if (services[i] == s)
			return (int)i;
	return -1;
}

int svc_init(void)
{
	for (size_t i = 0; i < NSVC; i++) {
		const struct svc *s = services[i];
		bound[i] = xcalloc(s->model->nops, sizeof(struct svc_op *));
		for (size_t j = 0; j < s->nops; j++) {
			const struct model_op *op = model_find_op(s->model, s->ops[j].name, strlen(s->ops[j].name));
			if (!op || !op->implemented) {
				log_error("service %s: handler %s has no implemented operation in the model (update "
					  "tools/models.json and run make models)",
					  s->name, s->ops[j].name);
				return -1;
			}
			bound[i][op - s->model->ops] = &s->ops[j];
		}
		for (size_t j = 0; j < s->model->nops; j++)
			if (s->model->ops[j].implemented && !bound[i][j]) {
				log_error("service %s: operation %s is in tools/models.json but has no handler", s->name,
					  s->model->ops[j].name);
				return -1;
			}
	}
	return 0;
}

void svc_fini(void)
{
	for (size_t i = 0; i < NSVC; i++) {
		free((void *)bound[i]);
		bound[i] = NULL;
	}
}

int svc_start_all(const struct config *cfg)
{
	for (size_t i = 0; i < NSVC; i++)
		if (services[i]->start && services[i]->start(cfg)) {
			log_error("service %s failed to start", services[i]->name);
			return -1;
		}
	return 0;
}

void svc_stop_all(void)
{
	for (size_t i = NSVC; i-- > 0;)
		if (services[i]->stop)
			services[i]->stop();
}

void svc_listening_all(int port)
{
	for (size_t i = 0; i < NSVC; i++)
		if (services[i]->listening)
			services[i]->listening(port);
}

void svc_quiesce_all(void)
{
	for (size_t i = 0; i < NSVC; i++)
		if (services[i]->quiesce)
			services[i]->quiesce();
}

const struct svc_op *svc_handler(const struct svc *s, const struct model_op *op)
{
	int i = index_of(s);
	if (i < 0 || !bound[i])
		return NULL;
	return bound[i][op - s->model->ops];
}

const struct svc *svc_by_signing_name(const char *name)
{
	for (size_t i = 0; i < NSVC; i++)
		if (!strcmp(services[i]->model->signing_name, name) || !strcmp(services[i]->model->name, name))
			return services[i];
	return NULL;
}

const struct svc *svc_by_target(const char *target, size_t prefix_len)
{
	for (size_t i = 0; i < NSVC; i++) {
		const char *tp = services[i]->model->target_prefix;
		if (tp && strlen(tp) == prefix_len && !strncmp(tp, target, prefix_len))
			return services[i];
	}
	return NULL;
}

const struct svc *svc_by_query_version(const char *version)
{
	for (size_t i = 0; i < NSVC; i++) {
		const struct model_service *m = services[i]->model;
		if ((m->protocol == PROTO_QUERY || m->protocol == PROTO_EC2 || m->query_also) &&
		    !strcmp(m->api_version, version))
			return services[i];
	}
	return NULL;
}

const struct svc *svc_by_name(const char *name)
{
	for (size_t i = 0; i < NSVC; i++)
		if (!strcmp(services[i]->name, name))
			return services[i];
	return NULL;
}

bool svc_public_get(const char *path, struct buf *body, const char **content_type)
{
	for (size_t i = 0; i < NSVC; i++)
		if (services[i]->public_get && services[i]->public_get(path, body, content_type))
			return true;
	return false;
}

const struct svc *const *svc_list(void)
{
	return services;
}
