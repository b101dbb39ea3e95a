/* schema.c — turns Parquet's flattened schema (a pre-order list of elements
 * with child counts) into leaves with their levels, top-level fields, and
 * for nested fields an assembly tree that says which node is a struct, a
 * list or a map, following the LogicalTypes.md backward-compatibility rules
 * for lists (2-level "array"/"_tuple" groups, bare repeated fields).
 *
 * The flat list is walked with an explicit stack; the tree recursion that
 * follows is bounded by PQ_MAX_DEPTH because the walk rejects deeper trees.
 */
#include "formats/parquet/internal.h"
#include "core/arena.h"

#include <string.h>

struct sb {
	const struct pq_file_meta *m;
	struct arena *a;
	int *parent;
	int *nkids;
	int **kids;
	int *leaf_of; /* element → leaf index, or -1 */
	int *def, *rep; /* levels at each element */
	struct pq_leaf *leaves;
	const char *why;
};

static bool is_list(const struct pq_selem *e)
{
	return e->logical.kind == PQL_LIST || (e->logical.kind == PQL_NONE && e->converted == PQC_LIST);
}

static bool is_map(const struct pq_selem *e)
{
	return e->logical.kind == PQL_MAP ||
	       (e->logical.kind == PQL_NONE && (e->converted == PQC_MAP || e->converted == PQC_MAP_KEY_VALUE));
}

static void set_decimal(struct field *f, int *conv, int phys, int32_t precision, int32_t scale, int32_t type_length)
{
	int maxp = phys == PQ_INT32 ? 9 : phys == PQ_INT64 ? 18 : 38;
	if (precision <= 0 || scale < 0 || scale > precision ||
	    (phys == PQ_FIXED && (type_length <= 0 || type_length > 64))) {
		/* Not a usable decimal: keep the physical values. */
		return;
	}
	if (precision > 38 || (phys != PQ_FIXED && phys != PQ_BYTE_ARRAY && precision > maxp)) {
		if (phys == PQ_FIXED || phys == PQ_BYTE_ARRAY) {
			f->type = COL_DOUBLE;
			f->scale = scale;
			*conv = CV_BIN_DBL;
			return;
		}
	}
	f->type = COL_DECIMAL;
	f->precision = precision > 38 ? 38 : precision;
	f->scale = scale;
	*conv = phys == PQ_INT32 ? CV_I32_DEC : phys == PQ_INT64 ? CV_I64_DEC : CV_BIN_DEC;
}

static enum ts_unit unit_of(int pq_unit)
{
	return pq_unit == PQU_MILLIS ? TS_MILLIS : pq_unit == PQU_NANOS ? TS_NANOS : TS_MICROS;
}

void pq_leaf_field(const struct pq_selem *e, struct field *f, int *conv)
{
	const struct pq_logical_type *lt = &e->logical;
	int lk = lt->kind, cv = e->converted;
	memset(f, 0, sizeof *f);
	f->unit = TS_MICROS;
	*conv = CV_ID;
	switch (e->type) {
	case PQ_BOOLEAN:
		f->type = COL_BOOL;
		break;
	case PQ_INT32:
		f->type = COL_INT32;
		if (lk == PQL_INTEGER) {
			f->is_unsigned = !lt->is_signed;
			if (!lt->is_signed && lt->bit_width == 32)
				f->type = COL_INT64, *conv = CV_U32;
		} else if (lk == PQL_DATE || (lk == PQL_NONE && cv == PQC_DATE)) {
			f->type = COL_DATE;
		} else if (lk == PQL_DECIMAL) {
			set_decimal(f, conv, e->type, lt->precision, lt->scale, 0);
		} else if (lk == PQL_TIME || (lk == PQL_NONE && cv == PQC_TIME_MILLIS)) {
			f->type = COL_TIME;
			f->unit = TS_MILLIS;
			f->utc = lk == PQL_TIME && lt->utc;
			*conv = CV_I32_I64;
		} else if (lk == PQL_NONE && cv == PQC_DECIMAL) {
			set_decimal(f, conv, e->type, e->precision, e->scale, 0);
		} else if (lk == PQL_NONE && (cv == PQC_UINT_8 || cv == PQC_UINT_16)) {
			f->is_unsigned = true;
		} else if (lk == PQL_NONE && cv == PQC_UINT_32) {
			f->type = COL_INT64;
			f->is_unsigned = true;
			*conv = CV_U32;
		}
		break;
	case PQ_INT64:
		f->type = COL_INT64;
		if (lk == PQL_INTEGER) {
			f->is_unsigned = !lt->is_signed;
		} else if (lk == PQL_TIMESTAMP) {
			f->type = COL_TIMESTAMP;
			f->unit = unit_of(lt->unit);
			f->utc = lt->utc;
		} else if (lk == PQL_TIME) {
			f->type = COL_TIME;
			f->unit = unit_of(lt->unit);
			f->utc = lt->utc;
		} else if (lk == PQL_DECIMAL) {
			set_decimal(f, conv, e->type, lt->precision, lt->scale, 0);
		} else if (lk == PQL_NONE) {
			if (cv == PQC_TIMESTAMP_MILLIS || cv == PQC_TIMESTAMP_MICROS) {
				f->type = COL_TIMESTAMP;
				f->unit = cv == PQC_TIMESTAMP_MILLIS ? TS_MILLIS : TS_MICROS;
				/* The converted types predate isAdjustedToUTC; the spec
				 * maps them to adjusted, but every engine shows them as
				 * plain timestamps. */
				f->utc = false;
			} else if (cv == PQC_TIME_MICROS) {
				f->type = COL_TIME;
				f->unit = TS_MICROS;
			} else if (cv == PQC_DECIMAL) {
				set_decimal(f, conv, e->type, e->precision, e->scale, 0);
			} else if (cv == PQC_UINT_64) {
				f->is_unsigned = true;
			}
		}
		break;
	case PQ_INT96:
		f->type = COL_TIMESTAMP;
		f->unit = TS_MICROS;
		*conv = CV_INT96;
		break;
	case PQ_FLOAT:
		f->type = COL_FLOAT;
		break;
	case PQ_DOUBLE:
		f->type = COL_DOUBLE;
		break;
	case PQ_BYTE_ARRAY:
	case PQ_FIXED:
		f->type = COL_BINARY;
		if (lk == PQL_STRING || lk == PQL_ENUM ||
		    (lk == PQL_NONE && (cv == PQC_UTF8 || cv == PQC_ENUM)))
			f->type = COL_STRING;
		else if (lk == PQL_JSON || (lk == PQL_NONE && cv == PQC_JSON))
			f->type = COL_JSON;
		else if (lk == PQL_DECIMAL)
			set_decimal(f, conv, e->type, lt->precision, lt->scale, e->type_length);
		else if (lk == PQL_NONE && cv == PQC_DECIMAL)
			set_decimal(f, conv, e->type, e->precision, e->scale, e->type_length);
		else if (e->type == PQ_FIXED && lk == PQL_UUID && e->type_length == 16)
			f->type = COL_STRING, *conv = CV_UUID;
		else if (e->type == PQ_FIXED && lk == PQL_FLOAT16 && e->type_length == 2)
			f->type = COL_FLOAT, *conv = CV_F16;
		break;
	}
}

static struct pq_anode *new_nodes(struct sb *s, int n)
{
	return arena_zalloc(s->a, sizeof(struct pq_anode) * (size_t)(n ? n : 1));
}

static int build_node(struct sb *s, struct pq_anode *out, int el, int d, int r, bool nullable);

static void leaf_range(struct sb *s, struct pq_anode *n, int el)
{
	/* Leaves under an element are contiguous in pre-order: find the first
	 * and one past the last by walking down the first and last children. */
	int lo = el, hi = el;
	while (s->nkids[lo] > 0)
		lo = s->kids[lo][0];
	while (s->nkids[hi] > 0)
		hi = s->kids[hi][s->nkids[hi] - 1];
	n->first_leaf = s->leaf_of[lo];
	n->end_leaf = s->leaf_of[hi] + 1;
}

/* A child C of a group that is present at definition level pd. */
static int build_child(struct sb *s, struct pq_anode *out, int c, int pd, int pr)
{
	const struct pq_selem *e = &s->m->schema[c];
	if (e->repetition == PQ_REPEATED) {
		/* A bare repeated field: a list that is never null. */
		out->kind = PQ_LIST;
		out->name = e->name;
		out->def = pd;
		out->nullable = false;
		out->rep = pr + 1;
		out->elem_def = pd + 1;
		out->nkids = 1;
		out->kids = new_nodes(s, 1);
		leaf_range(s, out, c);
		return build_node(s, &out->kids[0], c, pd + 1, pr + 1, false);
	}
	if (e->repetition == PQ_OPTIONAL)
		return build_node(s, out, c, pd + 1, pr, true);
	return build_node(s, out, c, pd, pr, false);
}

static int build_struct(struct sb *s, struct pq_anode *out, int el, int d, int r, bool nullable)
{
	out->kind = PQ_STRUCT;
	out->def = d;
	out->nullable = nullable;
	out->nkids = s->nkids[el];
	out->kids = new_nodes(s, out->nkids);
	for (int i = 0; i < out->nkids; i++)
		if (build_child(s, &out->kids[i], s->kids[el][i], d, r))
			return -1;
	return 0;
}

/* Node for element el, present iff def >= d, inside repetition level r. */
static int build_node(struct sb *s, struct pq_anode *out, int el, int d, int r, bool nullable)
{
	const struct pq_selem *e = &s->m->schema[el];
	out->name = e->name;
	leaf_range(s, out, el);
	if (s->nkids[el] == 0) {
		out->kind = PQ_LEAF;
		out->def = d;
		out->nullable = nullable;
		out->leaf = s->leaf_of[el];
		if (s->leaves[out->leaf].max_def != d) {
			s->why = "schema levels are inconsistent";
			return -1;
		}
		return 0;
	}
	int rkid = s->nkids[el] == 1 ? s->kids[el][0] : -1;
	const struct pq_selem *R = rkid >= 0 ? &s->m->schema[rkid] : NULL;
	if (is_list(e) && R && R->repetition == PQ_REPEATED) {
		out->kind = PQ_LIST;
		out->def = d;
		out->nullable = nullable;
		out->rep = r + 1;
		out->elem_def = d + 1;
		out->nkids = 1;
		out->kids = new_nodes(s, 1);
		if (s->nkids[rkid] == 0)
			return build_node(s, &out->kids[0], rkid, d + 1, r + 1, false);
		size_t nl = strlen(e->name);
		bool tuple = strlen(R->name) == nl + 6 && !strncmp(R->name, e->name, nl) && !strcmp(R->name + nl, "_tuple");
		if (s->nkids[rkid] > 1 || !strcmp(R->name, "array") || tuple)
			return build_node(s, &out->kids[0], rkid, d + 1, r + 1, false);
		return build_child(s, &out->kids[0], s->kids[rkid][0], d + 1, r + 1);
	}
	if (is_map(e) && R && R->repetition == PQ_REPEATED && s->nkids[rkid] >= 1 && s->nkids[rkid] <= 2) {
		out->kind = PQ_MAP;
		out->def = d;
		out->nullable = nullable;
		out->rep = r + 1;
		out->elem_def = d + 1;
		out->nkids = s->nkids[rkid];
		out->kids = new_nodes(s, out->nkids);
		for (int i = 0; i < out->nkids; i++)
			if (build_child(s, &out->kids[i], s->kids[rkid][i], d + 1, r + 1))
				return -1;
		return 0;
	}
	return build_struct(s, out, el, d, r, nullable);
}

static struct pq_node *public_node(struct sb *s, const struct pq_anode *a, struct pq_node *n)
{
	n->kind = a->kind;
	n->name = a->name;
	n->nullable = a->nullable;
	if (a->kind == PQ_LEAF) {
		n->leaf = s->leaves[a->leaf].f;
		n->leaf.name = (char *)a->name;
		n->leaf.nullable = a->nullable;
	}
	n->nchildren = a->nkids;
	struct pq_node *kids = arena_zalloc(s->a, sizeof *kids * (size_t)(a->nkids ? a->nkids : 1));
	for (int i = 0; i < a->nkids; i++)
		public_node(s, &a->kids[i], &kids[i]);
	n->children = kids;
	return n;
}

int pq_schema_build(struct pq_schema_info *out, const struct pq_file_meta *m, struct arena *a, const char **why)
{
	int n = m->nschema;
	struct sb s = {.m = m, .a = a};
	memset(out, 0, sizeof *out);
	s.parent = arena_alloc(a, sizeof(int) * (size_t)n);
	s.nkids = arena_zalloc(a, sizeof(int) * (size_t)n);
	s.kids = arena_zalloc(a, sizeof(int *) * (size_t)n);
	s.leaf_of = arena_alloc(a, sizeof(int) * (size_t)n);
	s.def = arena_zalloc(a, sizeof(int) * (size_t)n);
	s.rep = arena_zalloc(a, sizeof(int) * (size_t)n);
	s.leaves = arena_zalloc(a, sizeof(struct pq_leaf) * (size_t)(m->ncols_leaf ? m->ncols_leaf : 1));

	/* Walk the pre-order list with a stack of (element, children left). */
	int stack[PQ_MAX_DEPTH + 1], left[PQ_MAX_DEPTH + 1], sp = 0, next = 1, nleaves = 0;
	int64_t claimed = m->schema[0].num_children; /* children promised so far */
	if (m->schema[0].num_children <= 0 || m->schema[0].num_children >= n) {
		*why = "schema has no columns, or fewer than its root claims";
		return -1;
	}
	stack[0] = 0;
	left[0] = m->schema[0].num_children;
	s.kids[0] = arena_alloc(a, sizeof(int) * (size_t)left[0]);
	s.parent[0] = -1;
	s.leaf_of[0] = -1;
	while (sp >= 0) {
		if (left[sp] == 0) {
			sp--;
			continue;
		}
		if (next >= n) {
			*why = "schema lists fewer elements than its child counts say";
			return -1;
		}
		int p = stack[sp], c = next++;
		left[sp]--;
		const struct pq_selem *e = &m->schema[c];
		s.parent[c] = p;
		s.kids[p][s.nkids[p]++] = c;
		s.leaf_of[c] = -1;
		if (e->repetition < 0) {
			*why = "schema element has no repetition";
			return -1;
		}
		s.def[c] = s.def[p] + (e->repetition != PQ_REQUIRED);
		s.rep[c] = s.rep[p] + (e->repetition == PQ_REPEATED);
		if (e->num_children > 0) {
			if (sp + 1 > PQ_MAX_DEPTH - 1) {
				*why = "schema is nested too deeply";
				return -1;
			}
			claimed += e->num_children;
			if (claimed > n) {
				*why = "schema elements claim more children than the schema has";
				return -1;
			}
			sp++;
			stack[sp] = c;
			left[sp] = e->num_children;
			s.kids[c] = arena_alloc(a, sizeof(int) * (size_t)e->num_children);
		} else {
			if (e->type < 0) {
				*why = "schema group has no children";
				return -1;
			}
			if (e->type == PQ_FIXED && (e->type_length <= 0 || e->type_length > (1 << 24))) {
				*why = "fixed-length column has an invalid length";
				return -1;
			}
			if (nleaves >= m->ncols_leaf) {
				*why = "schema has more leaves than expected";
				return -1;
			}
			struct pq_leaf *l = &s.leaves[nleaves];
			l->index = nleaves;
			l->e = e;
			l->phys = e->type;
			l->type_length = e->type_length;
			l->max_def = s.def[c];
			l->max_rep = s.rep[c];
			pq_leaf_field(e, &l->f, &l->conv);
			l->f.name = e->name;
			l->f.nullable = l->max_def > 0;
			s.leaf_of[c] = nleaves++;
		}
	}
	if (next != n || nleaves != m->ncols_leaf) {
		*why = "schema has elements outside its tree";
		return -1;
	}

	int ntop = s.nkids[0];
	out->leaves = s.leaves;
	out->nleaves = nleaves;
	out->ntop = ntop;
	out->tops = arena_zalloc(a, sizeof(struct pq_top) * (size_t)ntop);
	for (int i = 0; i < ntop; i++) {
		int c = s.kids[0][i];
		const struct pq_selem *e = &m->schema[c];
		struct pq_top *t = &out->tops[i];
		struct pq_anode tmp;
		t->name = e->name;
		memset(&tmp, 0, sizeof tmp);
		leaf_range(&s, &tmp, c);
		t->leaf_begin = tmp.first_leaf;
		t->leaf_end = tmp.end_leaf;
		for (int l = t->leaf_begin; l < t->leaf_end; l++)
			s.leaves[l].top = i;
		t->nested = s.nkids[c] > 0 || e->repetition == PQ_REPEATED;
		t->root = new_nodes(&s, 1);
		if (build_child(&s, t->root, c, 0, 0)) {
			*why = s.why;
			return -1;
		}
		t->node = public_node(&s, t->root, arena_zalloc(a, sizeof(struct pq_node)));
	}
	return 0;
}

bool pq_same_types(const struct schema *a, const struct schema *b)
{
	if (a == b)
		return true;
	if (a->nfields != b->nfields)
		return false;
	for (int i = 0; i < a->nfields; i++)
		if (a->fields[i].type != b->fields[i].type)
			return false;
	return true;
}
