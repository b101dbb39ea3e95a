/* xmlshape.c — see xmlshape.h.
 *
 * Element names follow botocore's rules: a member's locationName or name;
 * a flattened list repeats the member's element (named by the list member's
 * locationName when it has one); a wrapped list nests items named "member"
 * (or the list member's locationName); maps use entry/key/value unless
 * flattened or renamed. Recursion follows the input's nesting, which the
 * XML reader caps at XML_MAX_DEPTH.
 */
#include "proto/xmlshape.h"
#include "proto/scalar.h"

#include <stdio.h>
#include <string.h>

static bool is_flat(const struct model_shape *s, const struct model_member *m)
{
	return (s->flags & SHF_FLATTENED) || (m && (m->flags & MF_FLATTENED));
}

/* The element name under which a structure member appears. */
static const char *elem_name(const struct model_member *m)
{
	if (m->shape->type == SHAPE_LIST && is_flat(m->shape, m) && m->shape->members[0].wire)
		return m->shape->members[0].wire;
	return model_xml_name(m);
}

static json_t *decode_scalar(const struct model_shape *s, const struct model_member *m, const char *txt, size_t n,
			     char *why, size_t whylen)
{
	return scalar_from_text(s, m, txt, n, TEXT_XML, why, whylen);
}

static json_t *decode_map_entry_into(json_t *obj, const struct model_shape *s, const struct xml_node *entry,
				     char *why, size_t whylen)
{
	const struct model_member *km = &s->members[0], *vm = &s->members[1];
	const char *kn = km->wire ? km->wire : "key", *vn = vm->wire ? vm->wire : "value";
	const struct xml_node *k = NULL, *v = NULL;
	for (const struct xml_node *c = entry->first; c; c = c->next) {
		if (!strcmp(c->name, kn))
			k = c;
		else if (!strcmp(c->name, vn))
			v = c;
	}
	if (!k) {
		snprintf(why, whylen, "A map entry has no <%s>.", kn);
		return NULL;
	}
	json_t *val = v ? xmlshape_decode(vm->shape, vm, v, why, whylen) : json_null();
	if (!val)
		return NULL;
	json_object_setn_new_nocheck(obj, k->text, k->textlen, val);
	return obj;
}

json_t *xmlshape_decode(const struct model_shape *s, const struct model_member *m, const struct xml_node *n,
			char *why, size_t whylen)
{
	switch (s->type) {
	case SHAPE_STRUCTURE: {
		json_t *obj = json_object();
		for (unsigned i = 0; i < s->nmembers; i++) {
			const struct model_member *mm = &s->members[i];
			if (mm->location != LOC_BODY)
				continue;
			if (mm->flags & MF_XML_ATTRIBUTE) {
				const char *an = model_wire_name(mm), *colon = strchr(an, ':');
				const char *a = xml_attr(n, colon ? colon + 1 : an); /* the reader drops prefixes */
				if (a) {
					json_t *v = decode_scalar(mm->shape, mm, a, strlen(a), why, whylen);
					if (!v)
						goto fail;
					json_object_set_new(obj, mm->name, v);
				}
				continue;
			}
			const char *en = elem_name(mm);
			bool flat_list = mm->shape->type == SHAPE_LIST && is_flat(mm->shape, mm);
			bool flat_map = mm->shape->type == SHAPE_MAP && is_flat(mm->shape, mm);
			for (const struct xml_node *c = n->first; c; c = c->next) {
				if (strcmp(c->name, en))
					continue;
				json_t *v;
				if (flat_list) {
					json_t *arr = json_object_get(obj, mm->name);
					if (!arr) {
						arr = json_array();
						json_object_set_new(obj, mm->name, arr);
					}
					v = xmlshape_decode(mm->shape->members[0].shape, &mm->shape->members[0], c, why, whylen);
					if (!v)
						goto fail;
					json_array_append_new(arr, v);
				} else if (flat_map) {
					json_t *map = json_object_get(obj, mm->name);
					if (!map) {
						map = json_object();
						json_object_set_new(obj, mm->name, map);
					}
					if (!decode_map_entry_into(map, mm->shape, c, why, whylen))
						goto fail;
				} else {
					v = xmlshape_decode(mm->shape, mm, c, why, whylen);
					if (!v)
						goto fail;
					json_object_set_new(obj, mm->name, v);
				}
			}
		}
		return obj;
	fail:
		json_decref(obj);
		return NULL;
	}
	case SHAPE_LIST: {
		json_t *arr = json_array();
		const struct model_member *em = &s->members[0];
		for (const struct xml_node *c = n->first; c; c = c->next) {
			json_t *v = xmlshape_decode(em->shape, em, c, why, whylen);
			if (!v) {
				json_decref(arr);
				return NULL;
			}
			json_array_append_new(arr, v);
		}
		return arr;
	}
	case SHAPE_MAP: {
		json_t *obj = json_object();
		for (const struct xml_node *c = n->first; c; c = c->next) {
			if (!decode_map_entry_into(obj, s, c, why, whylen)) {
				json_decref(obj);
				return NULL;
			}
		}
		return obj;
	}
	default: {
		/* S3 sends some booleans/ints with surrounding whitespace in hand-written XML. */
		const char *t = n->text;
		size_t len = n->textlen;
		if (s->type != SHAPE_STRING && s->type != SHAPE_BLOB) {
			while (len && (*t == ' ' || *t == '\n' || *t == '\t' || *t == '\r'))
				t++, len--;
			while (len && (t[len - 1] == ' ' || t[len - 1] == '\n' || t[len - 1] == '\t' || t[len - 1] == '\r'))
				len--;
		}
		return decode_scalar(s, m, t, len, why, whylen);
	}
	}
}

static void open_with_attrs(struct buf *out, const char *name, const struct model_shape *s, json_t *v)
{
	buf_addc(out, '<');
	buf_adds(out, name);
	if (s->xml_ns && s->xml_ns_prefix)
		buf_addf(out, " xmlns:%s=\"%s\"", s->xml_ns_prefix, s->xml_ns);
	else if (s->xml_ns)
		buf_addf(out, " xmlns=\"%s\"", s->xml_ns);
	if (s->type == SHAPE_STRUCTURE && json_is_object(v)) {
		for (unsigned i = 0; i < s->nmembers; i++) {
			const struct model_member *mm = &s->members[i];
			if (!(mm->flags & MF_XML_ATTRIBUTE))
				continue;
			json_t *av = json_object_get(v, mm->name);
			if (!av)
				continue;
			struct buf t;
			buf_init(&t, 64 * 1024);
			scalar_to_text(&t, mm->shape, mm, av, TEXT_XML);
			if (mm->xml_ns && mm->xml_ns_prefix && !(s->xml_ns_prefix && !strcmp(s->xml_ns_prefix, mm->xml_ns_prefix)))
				buf_addf(out, " xmlns:%s=\"%s\"", mm->xml_ns_prefix, mm->xml_ns);
			buf_addf(out, " %s=\"", model_wire_name(mm));
			xml_escape(out, t.data ? t.data : "", t.len);
			buf_addc(out, '"');
			buf_free(&t);
		}
	}
	buf_addc(out, '>');
}

static void encode_map_entries(struct buf *out, const char *wrap, const struct model_shape *s, json_t *v)
{
	const struct model_member *km = &s->members[0], *vm = &s->members[1];
	const char *kn = km->wire ? km->wire : "key", *vn = vm->wire ? vm->wire : "value";
	const char *k;
	json_t *item;
	json_object_foreach(v, k, item)
	{
		xml_open(out, wrap);
		xml_element(out, kn, k, strlen(k));
		xmlshape_encode(out, vn, vm->shape, vm, item);
		xml_close(out, wrap);
	}
}

void xmlshape_encode_members(struct buf *out, const struct model_shape *s, json_t *obj)
{
	for (unsigned i = 0; i < s->nmembers; i++) {
		const struct model_member *mm = &s->members[i];
		if (mm->location != LOC_BODY || (mm->flags & MF_XML_ATTRIBUTE))
			continue;
		json_t *v = json_object_get(obj, mm->name);
		if (!v || json_is_null(v))
			continue;
		if (mm->shape->type == SHAPE_LIST && is_flat(mm->shape, mm)) {
			const char *en = elem_name(mm);
			size_t k;
			json_t *item;
			json_array_foreach(v, k, item) xmlshape_encode(out, en, mm->shape->members[0].shape, &mm->shape->members[0], item);
		} else if (mm->shape->type == SHAPE_MAP && is_flat(mm->shape, mm)) {
			encode_map_entries(out, model_xml_name(mm), mm->shape, v);
		} else {
			xmlshape_encode(out, model_xml_name(mm), mm->shape, mm, v);
		}
	}
}

void xmlshape_encode(struct buf *out, const char *name, const struct model_shape *s, const struct model_member *m,
		     json_t *v)
{
	switch (s->type) {
	case SHAPE_STRUCTURE:
		open_with_attrs(out, name, s, v);
		if (json_is_object(v))
			xmlshape_encode_members(out, s, v);
		xml_close(out, name);
		break;
	case SHAPE_LIST: {
		const struct model_member *em = &s->members[0];
		const char *iname = em->wire ? em->wire : "member";
		xml_open(out, name);
		size_t k;
		json_t *item;
		json_array_foreach(v, k, item) xmlshape_encode(out, iname, em->shape, em, item);
		xml_close(out, name);
		break;
	}
	case SHAPE_MAP:
		xml_open(out, name);
		encode_map_entries(out, "entry", s, v);
		xml_close(out, name);
		break;
	default: {
		struct buf t;
		buf_init(&t, BUF_UNLIMITED);
		if (!scalar_to_text(&t, s, m, v, TEXT_XML)) {
			buf_addc(out, '<');
			buf_adds(out, name);
			if (m && m->xml_ns)
				buf_addf(out, " xmlns=\"%s\"", m->xml_ns);
			buf_addc(out, '>');
			xml_escape(out, t.data ? t.data : "", t.len);
			xml_close(out, name);
		}
		buf_free(&t);
		break;
	}
	}
}
