/* xml.c — see xml.h. */
#include "proto/xml.h"

#include <expat.h>
#include <stdio.h>
#include <string.h>

struct xp {
	struct arena *a;
	XML_Parser p;
	struct xml_node *root, *cur;
	int depth, nodes;
	size_t text_total, max_text;
	char *why;
	size_t whylen;
	int failed;
};

static void stop(struct xp *x, const char *why)
{
	if (!x->failed) {
		snprintf(x->why, x->whylen, "%s", why);
		x->failed = 1;
	}
	XML_StopParser(x->p, XML_FALSE);
}

static const char *local_name(const char *n)
{
	const char *c = strrchr(n, ':');
	return c ? c + 1 : n;
}

static void on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct xp *x = ud;
	if (x->failed)
		return;
	if (++x->depth > XML_MAX_DEPTH) {
		stop(x, "The XML document is nested too deeply.");
		return;
	}
	if (++x->nodes > XML_MAX_NODES) {
		stop(x, "The XML document has too many elements.");
		return;
	}
	if (!x->cur && x->root) {
		stop(x, "The XML document has more than one root element.");
		return;
	}
	struct xml_node *n = arena_zalloc(x->a, sizeof *n);
	n->name = arena_strdup(x->a, local_name(name));
	n->text = "";
	struct xml_attr **tail = &n->attrs;
	for (int i = 0; atts[i]; i += 2) {
		struct xml_attr *at = arena_zalloc(x->a, sizeof *at);
		at->name = arena_strdup(x->a, local_name(atts[i]));
		at->value = arena_strdup(x->a, atts[i + 1]);
		*tail = at;
		tail = &at->next;
	}
	n->parent = x->cur;
	if (x->cur) {
		if (x->cur->last)
			x->cur->last->next = n;
		else
			x->cur->first = n;
		x->cur->last = n;
	} else {
		x->root = n;
	}
	x->cur = n;
}

static void on_end(void *ud, const XML_Char *name)
{
	(void)name;
	struct xp *x = ud;
	if (x->failed || !x->cur)
		return;
	x->depth--;
	x->cur = x->cur->parent;
}

static void on_text(void *ud, const XML_Char *s, int len)
{
	struct xp *x = ud;
	if (x->failed || !x->cur || len <= 0)
		return;
	x->text_total += (size_t)len;
	if (x->text_total > x->max_text) {
		stop(x, "The XML document has too much text.");
		return;
	}
	struct xml_node *n = x->cur;
	size_t need = n->textlen + (size_t)len + 1;
	if (need > n->textcap) {
		/* Geometric growth: expat may deliver text in many small pieces. */
		size_t cap = n->textcap ? n->textcap * 2 : 64;
		while (cap < need)
			cap *= 2;
		char *t = arena_alloc(x->a, cap);
		memcpy(t, n->text, n->textlen);
		n->text = t;
		n->textcap = cap;
	}
	memcpy(n->text + n->textlen, s, (size_t)len);
	n->textlen += (size_t)len;
	n->text[n->textlen] = 0;
}

static void on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid, int has_internal)
{
	(void)name, (void)sysid, (void)pubid, (void)has_internal;
	stop(ud, "DOCTYPE declarations are not allowed.");
}

static void on_entity(void *ud, const XML_Char *name, int is_param, const XML_Char *value, int value_length,
		      const XML_Char *base, const XML_Char *sysid, const XML_Char *pubid, const XML_Char *notation)
{
	(void)name, (void)is_param, (void)value, (void)value_length, (void)base, (void)sysid, (void)pubid, (void)notation;
	stop(ud, "Entity declarations are not allowed.");
}

struct xml_node *xml_parse(struct arena *a, const char *doc, size_t len, char *why, size_t whylen)
{
	struct xp x = {.a = a, .why = why, .whylen = whylen, .max_text = len + 1};
	if (len > (1u << 30)) {
		snprintf(why, whylen, "The XML document is too large.");
		return NULL;
	}
	x.p = XML_ParserCreate("UTF-8");
	if (!x.p) {
		snprintf(why, whylen, "Out of memory parsing XML.");
		return NULL;
	}
	XML_SetUserData(x.p, &x);
	XML_SetElementHandler(x.p, on_start, on_end);
	XML_SetCharacterDataHandler(x.p, on_text);
	XML_SetStartDoctypeDeclHandler(x.p, on_doctype);
	XML_SetEntityDeclHandler(x.p, on_entity);
	if (XML_Parse(x.p, doc, (int)len, XML_TRUE) == XML_STATUS_ERROR && !x.failed) {
		snprintf(why, whylen, "The XML you provided was not well-formed: %s at line %lu.",
			 XML_ErrorString(XML_GetErrorCode(x.p)), (unsigned long)XML_GetCurrentLineNumber(x.p));
		x.failed = 1;
	}
	XML_ParserFree(x.p);
	if (x.failed)
		return NULL;
	if (!x.root) {
		snprintf(why, whylen, "The XML document has no root element.");
		return NULL;
	}
	return x.root;
}

const char *xml_attr(const struct xml_node *n, const char *name)
{
	for (const struct xml_attr *a = n->attrs; a; a = a->next)
		if (!strcmp(a->name, name))
			return a->value;
	return NULL;
}

void xml_escape(struct buf *out, const char *s, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *rep = NULL;
		char num[8];
		switch (c) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&apos;"; break;
		case '\r': rep = "&#13;"; break;
		default:
			if (c < 0x20 && c != '\t' && c != '\n') {
				snprintf(num, sizeof num, "&#x%X;", c);
				rep = num;
			}
		}
		if (rep) {
			buf_add(out, s + start, i - start);
			buf_adds(out, rep);
			start = i + 1;
		}
	}
	buf_add(out, s + start, n - start);
}

void xml_open(struct buf *out, const char *name)
{
	buf_addc(out, '<');
	buf_adds(out, name);
	buf_addc(out, '>');
}

void xml_close(struct buf *out, const char *name)
{
	buf_add(out, "</", 2);
	buf_adds(out, name);
	buf_addc(out, '>');
}

void xml_element(struct buf *out, const char *name, const char *text, size_t n)
{
	xml_open(out, name);
	xml_escape(out, text, n);
	xml_close(out, name);
}
