/* validate.c — see validate.h.
 *
 * JSON and rest-json services answer like AWS's Coral front end:
 *   ValidationException "2 validation errors detected: Value null at
 *   'name' failed to satisfy constraint: Member must not be null; ..."
 * Query services answer MissingParameter for an absent required parameter
 * and ValidationError otherwise; S3 answers InvalidArgument.
 */
#include "proto/validate.h"
#include "core/buf.h"

#include <stdio.h>
#include <string.h>

#define MAX_REPORTED 10
#define MAX_DEPTH 32

/* The member path is kept as a stack of segments and only formatted when a
 * constraint fails: validation runs on every request, failures are rare. */
struct vstate {
	struct call *c;
	struct buf msg;
	int count;
	bool enums;
	const char *first_missing;
	const char *seg[MAX_DEPTH + 2];
	int idx[MAX_DEPTH + 2]; /* > 0: a list position after the segment */
	int depth;
};

static void path_of(const struct vstate *st, char *out, size_t n)
{
	size_t o = 0;
	out[0] = 0;
	for (int i = 0; i < st->depth && o < n; i++) {
		if (st->idx[i] > 0)
			o += (size_t)snprintf(out + o, n - o, ".%d.member", st->idx[i]);
		else
			o += (size_t)snprintf(out + o, n - o, "%s%s", o ? "." : "", st->seg[i]);
	}
}

static size_t utf8_len(const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			k++;
	return k;
}

static void value_text(struct buf *b, json_t *v)
{
	if (!v) {
		buf_adds(b, "null");
	} else if (json_is_string(v)) {
		size_t n = json_string_length(v);
		buf_addf(b, "'%.*s%s'", (int)(n > 256 ? 256 : n), json_string_value(v), n > 256 ? "..." : "");
	} else if (json_is_integer(v)) {
		buf_addf(b, "'%lld'", (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		buf_addf(b, "'%g'", json_real_value(v));
	} else {
		buf_adds(b, "'[...]'");
	}
}

static void report(struct vstate *st, json_t *v, const char *constraint)
{
	st->count++;
	if (st->count > MAX_REPORTED)
		return;
	char path[512];
	path_of(st, path, sizeof path);
	if (st->count > 1)
		buf_adds(&st->msg, "; ");
	buf_adds(&st->msg, "Value ");
	value_text(&st->msg, v);
	buf_addf(&st->msg, " at '%s' failed to satisfy constraint: %s", path, constraint);
}

static void bound(struct vstate *st, json_t *v, const char *fmt, long long limit)
{
	char c[128];
	snprintf(c, sizeof c, fmt, limit);
	report(st, v, c);
}

static void check(struct vstate *st, const struct model_shape *s, json_t *v, int depth);

static void check_struct(struct vstate *st, const struct model_shape *s, json_t *obj, int depth)
{
	if (st->depth > MAX_DEPTH)
		return;
	int d = st->depth++;
	/* Once every key of obj has been met, the members left are absent: only
	 * the required ones still need a look, and no lookup. */
	size_t left = obj ? json_object_size(obj) : 0;
	for (unsigned i = 0; i < s->nmembers; i++) {
		const struct model_member *m = &s->members[i];
		if ((m->flags & MF_STREAMING) || (m->shape->flags & SHF_STREAMING))
			continue;
		if (!left && !(m->flags & MF_REQUIRED))
			continue;
		st->seg[d] = m->name;
		st->idx[d] = 0;
		json_t *v = left ? json_object_get(obj, m->name) : NULL;
		if (v)
			left--;
		if (!v) {
			if (m->flags & MF_REQUIRED) {
				if (!st->first_missing)
					st->first_missing = arena_strdup(st->c->arena, model_wire_name(m));
				report(st, NULL, "Member must not be null");
			}
			continue;
		}
		check(st, m->shape, v, depth + 1);
	}
	st->depth = d;
}

static void check(struct vstate *st, const struct model_shape *s, json_t *v, int depth)
{
	if (depth > MAX_DEPTH)
		return;
	switch (s->type) {
	case SHAPE_STRUCTURE:
		if (json_is_object(v))
			check_struct(st, s, v, depth);
		break;
	case SHAPE_LIST: {
		size_t n = json_array_size(v);
		if ((s->flags & SHF_HAS_MIN) && (long long)n < s->min)
			bound(st, v, "Member must have length greater than or equal to %lld", s->min);
		if ((s->flags & SHF_HAS_MAX) && (long long)n > s->max)
			bound(st, v, "Member must have length less than or equal to %lld", s->max);
		size_t k;
		json_t *item;
		if (st->depth <= MAX_DEPTH) {
			int d = st->depth++;
			json_array_foreach(v, k, item)
			{
				st->seg[d] = "member";
				st->idx[d] = (int)k + 1;
				check(st, s->members[0].shape, item, depth + 1);
			}
			st->depth = d;
		}
		break;
	}
	case SHAPE_MAP: {
		size_t n = json_object_size(v);
		if ((s->flags & SHF_HAS_MIN) && (long long)n < s->min)
			bound(st, v, "Member must have length greater than or equal to %lld", s->min);
		if ((s->flags & SHF_HAS_MAX) && (long long)n > s->max)
			bound(st, v, "Member must have length less than or equal to %lld", s->max);
		const char *key;
		json_t *item;
		json_object_foreach(v, key, item)
		{
			json_t *kv = json_string_nocheck(key);
			check(st, s->members[0].shape, kv, depth + 1);
			json_decref(kv);
			check(st, s->members[1].shape, item, depth + 1);
		}
		break;
	}
	case SHAPE_STRING: {
		if (!json_is_string(v))
			break;
		size_t n = utf8_len(json_string_value(v), json_string_length(v));
		if ((s->flags & SHF_HAS_MIN) && (long long)n < s->min)
			bound(st, v, "Member must have length greater than or equal to %lld", s->min);
		if ((s->flags & SHF_HAS_MAX) && (long long)n > s->max)
			bound(st, v, "Member must have length less than or equal to %lld", s->max);
		if (st->enums && s->nenums) {
			bool found = false;
			for (unsigned i = 0; i < s->nenums && !found; i++)
				found = !strcmp(s->enums[i], json_string_value(v));
			if (!found) {
				struct buf set;
				buf_init(&set, 8192);
				buf_adds(&set, "Member must satisfy enum value set: [");
				for (unsigned i = 0; i < s->nenums; i++)
					buf_addf(&set, "%s%s", i ? ", " : "", s->enums[i]);
				buf_addc(&set, ']');
				report(st, v, buf_str(&set));
				buf_free(&set);
			}
		}
		break;
	}
	case SHAPE_INTEGER:
	case SHAPE_LONG:
		if (!json_is_integer(v))
			break;
		if ((s->flags & SHF_HAS_MIN) && json_integer_value(v) < s->min)
			bound(st, v, "Member must have value greater than or equal to %lld", s->min);
		if ((s->flags & SHF_HAS_MAX) && json_integer_value(v) > s->max)
			bound(st, v, "Member must have value less than or equal to %lld", s->max);
		break;
	case SHAPE_BLOB:
		if (!json_is_string(v))
			break;
		if ((s->flags & SHF_HAS_MIN) && (long long)json_string_length(v) < s->min)
			bound(st, v, "Member must have length greater than or equal to %lld", s->min);
		if ((s->flags & SHF_HAS_MAX) && (long long)json_string_length(v) > s->max)
			bound(st, v, "Member must have length less than or equal to %lld", s->max);
		break;
	default:
		break;
	}
}

int validate_input(struct call *c)
{
	if (!c->op->input)
		return 0;
	struct vstate st = {.c = c};
	/* awsQueryCompatible services (SQS) check enum values themselves and
	 * answer with their query-era codes (InvalidAttributeName, ...). */
	st.enums = (c->proto == PROTO_JSON || c->proto == PROTO_REST_JSON) && !c->model->query_compatible;
	buf_init(&st.msg, 16384);
	check_struct(&st, c->op->input, c->input, 0);
	int rc = 0;
	if (st.count) {
		const char *m = buf_str(&st.msg);
		if (c->proto == PROTO_QUERY || c->proto == PROTO_EC2) {
			if (st.first_missing)
				call_error(c, ERR_MISSING_PARAMETER, "The request must contain the parameter %s", st.first_missing);
			else
				call_error(c, ERR_VALIDATION_QUERY, "%d validation error%s detected: %s", st.count,
					   st.count > 1 ? "s" : "", m);
		} else if (c->proto == PROTO_REST_XML) {
			call_error(c, ERR_INVALID_ARGUMENT, "%s", m);
		} else {
			call_error(c, ERR_VALIDATION, "%d validation error%s detected: %s", st.count, st.count > 1 ? "s" : "", m);
		}
		rc = -1;
	}
	buf_free(&st.msg);
	return rc;
}
