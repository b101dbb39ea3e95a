/* xml.h — a small, bounded XML reader (expat into an arena tree) and writer
 * helpers. Input documents come from clients: depth, node count and text
 * size are capped, namespace prefixes are dropped from names, and DOCTYPE
 * declarations are refused outright (no entity games). */
#ifndef NUAGE_PROTO_XML_H
#define NUAGE_PROTO_XML_H

#include <stddef.h>

#include "core/arena.h"
#include "core/buf.h"

struct xml_attr {
	const char *name, *value;
	struct xml_attr *next;
};

struct xml_node {
	const char *name;   /* local name, prefix stripped */
	char *text;         /* concatenated character data, NUL-terminated */
	size_t textlen, textcap;
	struct xml_attr *attrs;
	struct xml_node *parent, *first, *last, *next;
};

#define XML_MAX_DEPTH 64
#define XML_MAX_NODES 200000

/* Parses doc into a tree allocated in a; returns the root element or NULL
 * with why set. */
struct xml_node *xml_parse(struct arena *a, const char *doc, size_t len, char *why, size_t whylen);
const char *xml_attr(const struct xml_node *n, const char *name);

/* Writer helpers: escape text for element content or attribute values. */
void xml_escape(struct buf *out, const char *s, size_t n);
void xml_open(struct buf *out, const char *name);
void xml_close(struct buf *out, const char *name);
/* <name>escaped text</name> */
void xml_element(struct buf *out, const char *name, const char *text, size_t n);

#endif
