/* call.c — helpers for handlers (see call.h). */
#include "proto/call.h"
#include "http/request.h"

#include <stdarg.h>

int call_error(struct call *c, enum err_id id, const char *fmt, ...)
{
	c->err = id;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		c->errmsg = arena_vprintf(c->arena, fmt, ap);
		va_end(ap);
	} else {
		c->errmsg = NULL;
	}
	return -1;
}

int call_entry_error(struct call *c, struct entry_err *e, enum err_id id, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	e->id = id;
	e->msg = arena_vprintf(c->arena, fmt, ap);
	va_end(ap);
	return -1;
}

int call_entry_raise(struct call *c, const struct entry_err *e)
{
	return call_error(c, e->id, "%s", e->msg);
}

void call_error_field(struct call *c, const char *name, const char *value)
{
	if (!c->err_fields)
		c->err_fields = json_object();
	json_object_set_new(c->err_fields, name, json_string(value ? value : ""));
}

json_t *call_get(const struct call *c, const char *member)
{
	return c->input ? json_object_get(c->input, member) : NULL;
}

int call_query(struct call *c, const struct qparam **p)
{
	if (!c->query.parsed)
		query_parse(c->arena, c->req ? c->req->query : "", &c->query);
	*p = c->query.p;
	return c->query.n;
}

const char *call_str(const struct call *c, const char *member)
{
	return json_string_value(call_get(c, member));
}

int64_t call_int(const struct call *c, const char *member, int64_t dflt)
{
	json_t *v = call_get(c, member);
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : dflt;
}

bool call_bool(const struct call *c, const char *member, bool dflt)
{
	json_t *v = call_get(c, member);
	return json_is_boolean(v) ? json_is_true(v) : dflt;
}

void call_set(struct call *c, const char *member, json_t *v)
{
	if (!c->output)
		c->output = json_object();
	json_object_set_new(c->output, member, v);
}
