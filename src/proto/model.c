/* model.c — lookups over the generated tables (see model.h). */
#include "proto/model.h"

#include <string.h>

const struct model_op *model_find_op(const struct model_service *svc, const char *name, size_t len)
{
	int lo = 0, hi = (int)svc->nops - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		const char *n = svc->ops[mid].name;
		int c = strncmp(n, name, len);
		if (c == 0 && n[len])
			c = 1;
		if (c == 0)
			return &svc->ops[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

const struct model_member *model_find_member(const struct model_shape *s, const char *name, size_t len)
{
	for (unsigned i = 0; i < s->nmembers; i++) {
		const char *n = s->members[i].name;
		if (n[0] == name[0] && !strncmp(n, name, len) && !n[len])
			return &s->members[i];
	}
	return NULL;
}

const char *model_wire_name(const struct model_member *m)
{
	return m->wire ? m->wire : m->name;
}

const char *model_xml_name(const struct model_member *m)
{
	return m->query_wire ? m->query_wire : model_wire_name(m);
}

const struct model_member *model_find_wire(const struct model_shape *s, const char *wire, size_t len)
{
	for (unsigned i = 0; i < s->nmembers; i++) {
		const char *n = model_wire_name(&s->members[i]);
		if (!strncmp(n, wire, len) && !n[len])
			return &s->members[i];
	}
	return NULL;
}

const struct model_shape *model_find_error_by_code(const struct model_service *svc, const char *code)
{
	for (unsigned i = 0; i < svc->nops; i++)
		for (unsigned j = 0; j < svc->ops[i].nerrors; j++) {
			const struct model_shape *e = svc->ops[i].errors[j];
			if (!strcmp(e->error_code, code))
				return e;
		}
	return NULL;
}
