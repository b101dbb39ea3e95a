/* filter.c — see filter.h.
 *
 * A pattern compiles to either a list of terms or a small expression tree
 * (at most MAX_NODES nodes, nesting at most MAX_DEPTH: the parser recurses
 * only on parentheses, so the bound is on what a hostile pattern can make
 * it do). JSON events are parsed with jansson once per event.
 */
#include "svc/logs/filter.h"
#include "core/mem.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_NODES 128
#define MAX_DEPTH 16
#define MAX_TERMS 64
#define MAX_STEPS 16

enum term_kind { T_MUST, T_ANY, T_NOT };

struct term {
	char *text;
	size_t len;
	bool quoted;
	enum term_kind kind;
};

enum node_kind { N_AND, N_OR, N_CMP };
enum cmp_op { OP_EQ, OP_NE, OP_LT, OP_GT, OP_LE, OP_GE, OP_IS_NULL, OP_IS_TRUE, OP_IS_FALSE, OP_NOT_EXISTS };

struct step {
	char *key; /* NULL: array index */
	size_t idx;
};

struct node {
	enum node_kind kind;
	int a, b;
	struct step steps[MAX_STEPS];
	int nsteps;
	enum cmp_op op;
	bool numeric;
	double num;
	char *str;
};

struct logs_filter {
	bool all, json;
	struct term terms[MAX_TERMS];
	int nterms;
	struct node nodes[MAX_NODES];
	int nnodes, root;
};

struct parser {
	const char *p, *end;
	struct logs_filter *f;
	char *err;
	size_t errlen;
	int depth;
};

static int perr(struct parser *ps, const char *why)
{
	snprintf(ps->err, ps->errlen, "Invalid filter pattern: %s", why);
	return -1;
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && isspace((unsigned char)*ps->p))
		ps->p++;
}

static bool eat(struct parser *ps, const char *tok)
{
	size_t n = strlen(tok);
	skip_ws(ps);
	if ((size_t)(ps->end - ps->p) >= n && !memcmp(ps->p, tok, n)) {
		ps->p += n;
		return true;
	}
	return false;
}

/* A keyword followed by a word boundary (IS, NULL, NOT, EXISTS ...). */
static bool eat_word(struct parser *ps, const char *w)
{
	size_t n = strlen(w);
	skip_ws(ps);
	if ((size_t)(ps->end - ps->p) >= n && !strncasecmp(ps->p, w, n) &&
	    (ps->p + n == ps->end || !isalnum((unsigned char)ps->p[n]))) {
		ps->p += n;
		return true;
	}
	return false;
}

static int parse_selector(struct parser *ps, struct node *n)
{
	skip_ws(ps);
	if (ps->p >= ps->end || *ps->p != '$')
		return perr(ps, "a JSON condition must start with a $ selector");
	ps->p++;
	while (ps->p < ps->end && (*ps->p == '.' || *ps->p == '[')) {
		if (n->nsteps == MAX_STEPS)
			return perr(ps, "the selector is too deep");
		struct step *s = &n->steps[n->nsteps];
		if (*ps->p == '.') {
			const char *b = ++ps->p;
			while (ps->p < ps->end && (isalnum((unsigned char)*ps->p) || strchr("_-@:", *ps->p)))
				ps->p++;
			if (ps->p == b)
				return perr(ps, "a selector has an empty field name");
			s->key = xstrndup(b, (size_t)(ps->p - b));
		} else {
			ps->p++;
			size_t v = 0;
			const char *b = ps->p;
			while (ps->p < ps->end && isdigit((unsigned char)*ps->p) && ps->p - b < 9)
				v = v * 10 + (size_t)(*ps->p++ - '0');
			if (ps->p == b || ps->p >= ps->end || *ps->p != ']')
				return perr(ps, "an array index must be a number in brackets");
			ps->p++;
			s->key = NULL;
			s->idx = v;
		}
		n->nsteps++;
	}
	return 0;
}

static int parse_value(struct parser *ps, struct node *n)
{
	skip_ws(ps);
	if (ps->p >= ps->end)
		return perr(ps, "a comparison has no value");
	if (*ps->p == '"') {
		const char *b = ++ps->p;
		while (ps->p < ps->end && *ps->p != '"')
			ps->p++;
		if (ps->p >= ps->end)
			return perr(ps, "a quoted value is not closed");
		n->str = xstrndup(b, (size_t)(ps->p - b));
		ps->p++;
		return 0;
	}
	const char *b = ps->p;
	while (ps->p < ps->end && !isspace((unsigned char)*ps->p) && !strchr("})&|", *ps->p))
		ps->p++;
	if (ps->p == b)
		return perr(ps, "a comparison has no value");
	char *txt = xstrndup(b, (size_t)(ps->p - b));
	char *e;
	double d = strtod(txt, &e);
	if (!*e && e != txt && isfinite(d)) {
		n->numeric = true;
		n->num = d;
		free(txt);
	} else {
		n->str = txt;
	}
	return 0;
}

static int new_node(struct parser *ps, enum node_kind k)
{
	if (ps->f->nnodes == MAX_NODES)
		return perr(ps, "the pattern has too many conditions");
	struct node *n = &ps->f->nodes[ps->f->nnodes];
	memset(n, 0, sizeof *n);
	n->kind = k;
	return ps->f->nnodes++;
}

static int parse_or(struct parser *ps);

static int parse_cmp(struct parser *ps)
{
	if (eat(ps, "(")) {
		if (++ps->depth > MAX_DEPTH)
			return perr(ps, "parentheses are nested too deeply");
		int r = parse_or(ps);
		ps->depth--;
		if (r < 0)
			return -1;
		if (!eat(ps, ")"))
			return perr(ps, "a parenthesis is not closed");
		return r;
	}
	int i = new_node(ps, N_CMP);
	if (i < 0)
		return -1;
	struct node *n = &ps->f->nodes[i];
	if (parse_selector(ps, n))
		return -1;
	if (eat_word(ps, "IS")) {
		if (eat_word(ps, "NULL"))
			n->op = OP_IS_NULL;
		else if (eat_word(ps, "TRUE"))
			n->op = OP_IS_TRUE;
		else if (eat_word(ps, "FALSE"))
			n->op = OP_IS_FALSE;
		else
			return perr(ps, "IS must be followed by NULL, TRUE or FALSE");
		return i;
	}
	if (eat_word(ps, "NOT")) {
		if (!eat_word(ps, "EXISTS"))
			return perr(ps, "NOT must be followed by EXISTS");
		n->op = OP_NOT_EXISTS;
		return i;
	}
	if (eat(ps, "!="))
		n->op = OP_NE;
	else if (eat(ps, "<="))
		n->op = OP_LE;
	else if (eat(ps, ">="))
		n->op = OP_GE;
	else if (eat(ps, "="))
		n->op = OP_EQ;
	else if (eat(ps, "<"))
		n->op = OP_LT;
	else if (eat(ps, ">"))
		n->op = OP_GT;
	else
		return perr(ps, "expected a comparison operator (=, !=, <, >, <=, >=, IS, NOT EXISTS)");
	if (parse_value(ps, n))
		return -1;
	if (n->op >= OP_LT && n->op <= OP_GE && !n->numeric)
		return perr(ps, "<, >, <= and >= compare numbers");
	return i;
}

/* One level of a left-associative chain: next (op next)* */
static int parse_chain(struct parser *ps, const char *op, enum node_kind kind, int (*next)(struct parser *))
{
	int l = next(ps);
	while (l >= 0 && eat(ps, op)) {
		int r = next(ps);
		if (r < 0)
			return -1;
		int i = new_node(ps, kind);
		if (i < 0)
			return -1;
		ps->f->nodes[i].a = l;
		ps->f->nodes[i].b = r;
		l = i;
	}
	return l;
}

static int parse_and(struct parser *ps)
{
	return parse_chain(ps, "&&", N_AND, parse_cmp);
}

static int parse_or(struct parser *ps)
{
	return parse_chain(ps, "||", N_OR, parse_and);
}

static int parse_terms(struct parser *ps)
{
	for (;;) {
		skip_ws(ps);
		if (ps->p >= ps->end)
			return 0;
		if (ps->f->nterms == MAX_TERMS)
			return perr(ps, "too many terms");
		struct term *t = &ps->f->terms[ps->f->nterms];
		t->kind = T_MUST;
		if (*ps->p == '?' || *ps->p == '-') {
			t->kind = *ps->p == '?' ? T_ANY : T_NOT;
			ps->p++;
		}
		if (ps->p < ps->end && *ps->p == '"') {
			const char *b = ++ps->p;
			while (ps->p < ps->end && *ps->p != '"')
				ps->p++;
			if (ps->p >= ps->end)
				return perr(ps, "a quoted term is not closed");
			t->text = xstrndup(b, (size_t)(ps->p - b));
			t->len = (size_t)(ps->p - b);
			t->quoted = true;
			ps->p++;
		} else {
			const char *b = ps->p;
			while (ps->p < ps->end && !isspace((unsigned char)*ps->p))
				ps->p++;
			t->text = xstrndup(b, (size_t)(ps->p - b));
			t->len = (size_t)(ps->p - b);
		}
		if (!t->len) {
			free(t->text);
			return perr(ps, "a term is empty");
		}
		ps->f->nterms++;
	}
}

int logs_filter_compile(const char *pattern, struct logs_filter **out, char *err, size_t errlen)
{
	struct logs_filter *f = xcalloc(1, sizeof *f);
	*out = f;
	const char *p = pattern ? pattern : "";
	size_t len = strlen(p);
	if (len > LOGS_FILTER_MAX) {
		snprintf(err, errlen, "Invalid filter pattern: longer than %d characters", LOGS_FILTER_MAX);
		return -1;
	}
	struct parser ps = {p, p + len, f, err, errlen, 0};
	skip_ws(&ps);
	while (ps.end > ps.p && isspace((unsigned char)ps.end[-1]))
		ps.end--;
	if (ps.p == ps.end || (ps.end - ps.p == 2 && !memcmp(ps.p, "\"\"", 2))) {
		f->all = true;
		return 0;
	}
	if (*ps.p == '[') {
		snprintf(err, errlen, "nuage does not support space-delimited filter patterns ([...]) yet");
		return -1;
	}
	if (*ps.p == '%') {
		snprintf(err, errlen, "nuage does not support regular-expression filter patterns (%%...%%) yet");
		return -1;
	}
	if (*ps.p == '{') {
		f->json = true;
		if (ps.end[-1] != '}')
			return perr(&ps, "a JSON pattern must end with }");
		ps.p++;
		ps.end--;
		f->root = parse_or(&ps);
		if (f->root < 0)
			return -1;
		skip_ws(&ps);
		if (ps.p != ps.end)
			return perr(&ps, "unexpected text after a condition (use && or ||)");
		return 0;
	}
	return parse_terms(&ps);
}

void logs_filter_free(struct logs_filter *f)
{
	if (!f)
		return;
	for (int i = 0; i < f->nterms; i++)
		free(f->terms[i].text);
	for (int i = 0; i < f->nnodes; i++) {
		free(f->nodes[i].str);
		for (int j = 0; j < f->nodes[i].nsteps; j++)
			free(f->nodes[i].steps[j].key);
	}
	free(f);
}

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Whole-word occurrence (quoted terms: any occurrence). */
static bool has_term(const struct term *t, const char *msg, size_t len)
{
	const char *p = msg, *end = msg + len;
	while ((size_t)(end - p) >= t->len) {
		const char *hit = memmem(p, (size_t)(end - p), t->text, t->len);
		if (!hit)
			return false;
		if (t->quoted)
			return true;
		bool left = hit == msg || !word_char(hit[-1]) || !word_char(t->text[0]);
		bool right = hit + t->len == end || !word_char(hit[t->len]) || !word_char(t->text[t->len - 1]);
		if (left && right)
			return true;
		p = hit + 1;
	}
	return false;
}

/* Glob with '*' over strings (iterative, linear backtracking). */
static bool glob(const char *pat, const char *s, size_t sl)
{
	const char *star = NULL, *mark = NULL, *send = s + sl;
	while (s < send) {
		if (*pat == '*') {
			star = pat++;
			mark = s;
		} else if (*pat && *pat == *s) {
			pat++;
			s++;
		} else if (star) {
			pat = star + 1;
			s = ++mark;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return !*pat;
}

static json_t *select_path(json_t *doc, const struct node *n)
{
	json_t *v = doc;
	for (int i = 0; i < n->nsteps && v; i++)
		v = n->steps[i].key ? json_object_get(v, n->steps[i].key) : json_array_get(v, n->steps[i].idx);
	return v;
}

static bool eval(const struct logs_filter *f, int i, json_t *doc)
{
	const struct node *n = &f->nodes[i];
	if (n->kind == N_AND)
		return eval(f, n->a, doc) && eval(f, n->b, doc);
	if (n->kind == N_OR)
		return eval(f, n->a, doc) || eval(f, n->b, doc);
	json_t *v = select_path(doc, n);
	switch (n->op) {
	case OP_NOT_EXISTS: return !v;
	case OP_IS_NULL: return v && json_is_null(v);
	case OP_IS_TRUE: return v && json_is_true(v);
	case OP_IS_FALSE: return v && json_is_false(v);
	default: break;
	}
	if (!v)
		return false;
	if (n->numeric) {
		if (!json_is_number(v))
			return n->op == OP_NE;
		double d = json_number_value(v);
		switch (n->op) {
		case OP_EQ: return d == n->num;
		case OP_NE: return d != n->num;
		case OP_LT: return d < n->num;
		case OP_GT: return d > n->num;
		case OP_LE: return d <= n->num;
		case OP_GE: return d >= n->num;
		default: return false;
		}
	}
	bool eq = json_is_string(v) && glob(n->str, json_string_value(v), json_string_length(v));
	return n->op == OP_EQ ? eq : !eq;
}

bool logs_filter_match(const struct logs_filter *f, const char *msg, size_t len)
{
	if (f->all)
		return true;
	if (f->json) {
		json_t *doc = json_loadb(msg, len, 0, NULL);
		if (!doc)
			return false;
		bool r = json_is_object(doc) && eval(f, f->root, doc);
		json_decref(doc);
		return r;
	}
	bool any_seen = false, any_hit = false;
	for (int i = 0; i < f->nterms; i++) {
		const struct term *t = &f->terms[i];
		bool hit = has_term(t, msg, len);
		if (t->kind == T_MUST && !hit)
			return false;
		if (t->kind == T_NOT && hit)
			return false;
		if (t->kind == T_ANY) {
			any_seen = true;
			any_hit |= hit;
		}
	}
	return !any_seen || any_hit;
}
